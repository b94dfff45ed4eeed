"""The documentation: the MkDocs site builds in strict mode, and the README stays short with working links."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 300


def test_the_site_builds_in_strict_mode(tmp_path):
    """Broken links and anchors (mkdocs.yml's validation settings), missing pages and API pages that do not
    render all fail the strict build."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr[-5000:]


def test_the_readme_is_short_and_its_relative_links_exist():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= README_MAX_LINES
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    relative = [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert relative  # the README links into docs/, so the check below can fail
    missing = [t for t in relative if not (ROOT / t.split("#")[0]).exists()]
    assert missing == []
