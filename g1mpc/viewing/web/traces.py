"""The planner's chosen plan as traces over its horizon: each foot, the centre of mass and the capture point,
from rolling the plan out on the planner model in a thread of its own (a few times a second)."""

from __future__ import annotations

import threading

import mujoco
import numpy as np

GRAVITY = 9.81


def plan_traces(model: mujoco.MjModel, data: mujoco.MjData, feet: list[int], qpos: np.ndarray, qvel: np.ndarray,
                controls: np.ndarray, control_dt: float) -> dict[str, np.ndarray]:
    """Roll ``controls`` ((P, nu) servo targets every ``control_dt`` s) out on ``model`` from (qpos, qvel);
    returns (steps + 1, 3) world points per trace: ``left_foot``, ``right_foot`` (the feet sites), ``com``
    and ``capture_point`` (CoM + its velocity / sqrt(g / CoM height), on the floor).

    ``mj_step`` leaves the positions and velocities it computed for the state it stepped from, so each step
    gives that state's points; only the last state needs a forward pass of its own."""
    mujoco.mj_resetData(model, data)
    data.qpos[:], data.qvel[:] = qpos, qvel
    stride = max(1, int(round(model.opt.timestep / control_dt)))
    steps = max(1, len(controls) // stride)
    points = {name: [] for name in ("left_foot", "right_foot", "com", "capture_point")}

    def record() -> None:
        mujoco.mj_subtreeVel(model, data)
        com, com_vel = data.subtree_com[1].copy(), data.subtree_linvel[1]
        omega = np.sqrt(GRAVITY / max(com[2], 0.05))
        points["left_foot"].append(data.site_xpos[feet[0]].copy())
        points["right_foot"].append(data.site_xpos[feet[1]].copy())
        points["com"].append(com)
        points["capture_point"].append(np.array([com[0] + com_vel[0] / omega, com[1] + com_vel[1] / omega, 0.0]))

    for k in range(steps):
        data.ctrl[:] = controls[min(k * stride, len(controls) - 1)]
        mujoco.mj_step(model, data)
        record()
    mujoco.mj_forward(model, data)
    record()
    return {name: np.array(p) for name, p in points.items()}


TRACE_INTERVAL_S = 0.1  # at most this often (the view may lengthen it: :mod:`g1mpc.viewing.web.frame_rate`)


class PlanTracer:
    """Computes the traces of the newest submitted plan in the background, at most once every ``interval``
    seconds; ``latest()`` gives the last ones."""

    def __init__(self, model: mujoco.MjModel, feet: list[int], interval: float = TRACE_INTERVAL_S):
        self.model, self.feet, self.interval = model, feet, interval
        self.data = mujoco.MjData(model)
        self._pending = None
        self._latest: dict[str, np.ndarray] | None = None
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="g1mpc-traces", daemon=True)
        self._thread.start()

    def submit(self, plan, qpos: np.ndarray, qvel: np.ndarray) -> None:
        with self._cond:
            self._pending = (plan, np.array(qpos), np.array(qvel))
            self._cond.notify()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def latest(self) -> dict[str, np.ndarray] | None:
        with self._cond:
            return self._latest

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopped or self._pending is not None)
                if self._stopped:
                    return
                plan, qpos, qvel = self._pending
                self._pending = None
            traces = plan_traces(self.model, self.data, self.feet, qpos, qvel, plan.controls, plan.dt)
            with self._cond:
                self._latest = traces
            self._stop_wait(self.interval)

    def _stop_wait(self, seconds: float) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._stopped, seconds)

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=2.0)
