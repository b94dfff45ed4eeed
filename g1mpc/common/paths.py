"""Default file locations (no heavy imports: the start-up prefetch reads them before JAX loads)."""

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_PRECOMPILED_DIR = "exported_models/precompiled"
# --num_samples auto, per machine and settings; G1MPC_SIZING_CACHE moves it (the test suite keeps its own)
DEFAULT_SIZING_CACHE = os.environ.get("G1MPC_SIZING_CACHE", "exported_models/sizing.json")


def _shipped_file(robot: str, suffix: str) -> Path:
    """``<robot><suffix>`` in the package data; an XML path is a G1 variant, so it gets the G1's file."""
    name = "g1" if robot.endswith(".xml") else robot
    return DATA_DIR / f"{name}{suffix}"


def default_checkpoint(robot: str) -> Path:
    """The shipped network of a registered robot (``<robot>_default.ckpt``); an XML path is a G1 variant."""
    return _shipped_file(robot, "_default.ckpt")


def shipped_noise_correlation(robot: str) -> Path:
    """The sampling-noise correlation shipped for a registered robot (``<robot>_noise_correlation.npz``; it may not
    exist); an XML path is a G1 variant."""
    return _shipped_file(robot, "_noise_correlation.npz")


DEFAULT_CHECKPOINT = default_checkpoint("g1")
