"""Hybrid neural + CEM sampling MPC for the Unitree G1 humanoid."""

import os as _os

# Offscreen rendering needs its GL backend chosen before MuJoCo loads: EGL where there is no display.
if "MUJOCO_GL" not in _os.environ and not (_os.environ.get("DISPLAY") or _os.environ.get("WAYLAND_DISPLAY")):
    _os.environ["MUJOCO_GL"] = "egl"

__version__ = "0.1.0"
