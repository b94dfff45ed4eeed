"""Helpers shared by the tests that run the real commands: start a script, wait for it, read its controls."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def ctrl_c_reaches_it() -> None:
    """``preexec_fn`` of a run a test stops with SIGINT: Ctrl-C acts on it as from a terminal, also where the suite
    itself was started as a background job, whose children inherit SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_script(script: str, args: list[str]) -> subprocess.Popen:
    """``python SCRIPT ARGS`` from the repository root, in a fresh process (stdout and stderr captured)."""
    return subprocess.Popen([sys.executable, script, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_script(proc: subprocess.Popen) -> str:
    """Wait for a started script; it must exit 0 without a traceback. Returns its stdout."""
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]
    return out


def report_controls(report: Path) -> np.ndarray:
    """The plant controls of every cycle of a ``--report`` JSON: (cycles, S, nu)."""
    return np.array([c["ctrl"] for c in json.loads(Path(report).read_text())["cycles"]])
