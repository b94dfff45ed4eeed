"""Hybrid neural + CEM sampling MPC for the Unitree G1 humanoid."""

__version__ = "0.1.0"
