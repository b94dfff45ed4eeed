"""What a precompiled pipeline was built from, and the check that it still matches.

The expected manifest is computed from sources only (config, file hashes, versions), so checking an
artifact compiles nothing: neither JAX functions nor MuJoCo models.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jax
import mujoco
from jax import export

from g1mpc.config import RunConfig

MANIFEST_FORMAT = 3
PACKAGE_DIR = Path(__file__).resolve().parent


class StaleArtifact(Exception):
    """The precompiled directory is missing, stale or unreadable; the message says why."""


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def code_digest() -> str:
    """Hash of this package's source (robot and task files included): any change makes an artifact stale."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def robot_file_digest(config: RunConfig) -> str:
    """Hash of the robot's scene XML and the XML files next to it (the scene includes them)."""
    scene = config.robot_description.xml_path()
    h = hashlib.sha256(scene.read_bytes())
    for path in sorted(scene.parent.glob("*.xml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def expected_manifest(config: RunConfig, checkpoint: str | Path) -> dict:
    """The fields a matching artifact must have: everything its code, models and inputs were built from."""
    return {
        "format": MANIFEST_FORMAT,
        "config_digest": config.digest(),
        "code_sha256": code_digest(),
        "checkpoint_sha256": sha256_file(checkpoint),
        "robot": config.robot,
        "task": config.task.name,
        "robot_sha256": robot_file_digest(config),
        "reference_sha256": sha256_file(config.reference) if config.reference else "generated",
        "backend": config.controller.backend,
        "frequency": config.frequency,
        "platform": export.default_export_platform(),  # cpu, cuda, rocm or tpu: what jax.export takes
        "jax_version": jax.__version__,
        "jaxlib_version": jax.lib.__version__ if hasattr(jax.lib, "__version__") else jax.__version__,
        "mujoco_version": mujoco.__version__,
    }


def check(precompiled_dir: str | Path, manifest: dict) -> None:
    """Raise :class:`StaleArtifact` naming why the directory cannot be used as is."""
    target = Path(precompiled_dir)
    path = target / "manifest.json"
    if not path.is_file():
        raise StaleArtifact(f"no precompiled pipeline in '{target}'")
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StaleArtifact(f"manifest '{path}' does not parse ({type(exc).__name__})") from None
    if not isinstance(found, dict):
        raise StaleArtifact(f"manifest '{path}' is not a JSON object")
    for key, value in manifest.items():
        if found.get(key) != value:
            raise StaleArtifact(f"stale: {key} is {found.get(key)!r} in the artifact but {value!r} now")
