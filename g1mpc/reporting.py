"""Run reports: configuration, per-cycle timings and the summary, as JSON written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

REPORT_VERSION = 1


def build_report(flags: dict, run_config, result) -> dict:
    """The JSON report: ``version``, ``flags``, ``config``, ``summary``, ``cycles`` (one dict per cycle), ``push_times``."""
    return {
        "version": REPORT_VERSION,
        "flags": {k: v for k, v in flags.items() if k != "func"},
        "config": run_config.as_dict(),
        "summary": result.summary(),
        "cycles": [asdict(c) for c in result.cycles],
        "push_times": list(result.push_times),
    }


def write_json_atomic(path: str | Path, payload: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json.tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f, indent=1, default=float)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
