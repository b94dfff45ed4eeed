"""Run reports: configuration, per-cycle timings and the summary, as JSON written atomically."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from g1mpc.common.atomic import atomic_write

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
    with atomic_write(path, "w") as f:
        json.dump(payload, f, indent=1, default=float)
