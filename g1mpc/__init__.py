"""Hybrid neural + CEM sampling MPC for the Unitree G1 humanoid."""

from g1mpc.viewing.gl_backend import choose_for_headless as _choose_gl

# Offscreen rendering needs its GL backend chosen before MuJoCo loads: EGL (or OSMesa) where there is no display.
_choose_gl()

__version__ = "0.1.0"
