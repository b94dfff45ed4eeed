"""Rollout backends: the only part of the planner that differs by hardware.

- ``mujoco`` (:mod:`g1mpc.planning.backends.native`): threaded ``mujoco.rollout`` on all CPU cores (CPU default).
- ``mjx`` (:mod:`g1mpc.planning.backends.mjx_backend`): the rollout fused into the compiled planning stage (GPU default).
"""


def check_far_model(far_model, near_steps: int | None) -> None:
    """A rollout that changes to ``far_model`` after ``near_steps`` steps needs at least one near step first."""
    if far_model is not None and not (near_steps and near_steps > 0):
        raise ValueError("a far model needs near_steps >= 1")
