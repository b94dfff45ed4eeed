"""Rollout backends: the only part of the planner that differs by hardware.

- ``mujoco`` (:mod:`g1mpc.planning.backends.native`): threaded ``mujoco.rollout`` on all CPU cores (CPU default).
- ``mjx`` (:mod:`g1mpc.planning.backends.mjx_backend`): the rollout fused into the compiled planning stage (GPU default).
"""
