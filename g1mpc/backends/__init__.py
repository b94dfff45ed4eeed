"""Rollout backends: the only part of the planner that differs by hardware.

- ``mujoco``: native MuJoCo, threaded ``mujoco.rollout`` on all CPU cores (CPU default).
- ``mjx``: MJX, the rollout fused into the compiled planning function (GPU default).
"""

BACKENDS = ("mujoco", "mjx")
