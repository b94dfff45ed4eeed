"""Threaded native MuJoCo rollouts (``mujoco.rollout``)."""

from __future__ import annotations

import os

import mujoco
import numpy as np
from mujoco import rollout

from g1mpc.planning.backends import check_far_model


def usable_cores() -> int:
    """The cores this process may run on (``taskset`` and cgroup CPU sets count; ``os.cpu_count`` does not)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class NativeRollout:
    """Roll out a batch of open-loop control sequences from one state on ``nthread`` threads: the first
    ``near_steps`` steps on ``model``, the rest, if ``far_model`` is given, on it (the same robot at a longer
    timestep) from where each sample's near steps end."""

    def __init__(self, model: mujoco.MjModel, nthread: int | None = None, far_model: mujoco.MjModel | None = None,
                 near_steps: int | None = None):
        check_far_model(far_model, near_steps)
        self.model, self.far_model, self.near_steps = model, far_model, near_steps
        self.nthread = nthread or usable_cores()
        self._pool = rollout.Rollout(nthread=self.nthread)
        self._datas = [mujoco.MjData(model) for _ in range(self.nthread)]
        self._far_datas = [] if far_model is None else [mujoco.MjData(far_model) for _ in range(self.nthread)]
        self._nstate = mujoco.mj_stateSize(model, mujoco.mjtState.mjSTATE_FULLPHYSICS)
        self._out: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def initial_state(self, time: float, qpos: np.ndarray, qvel: np.ndarray) -> np.ndarray:
        m = self.model
        state = np.zeros(self._nstate)
        state[0] = time
        state[1 : 1 + m.nq] = qpos
        state[1 + m.nq : 1 + m.nq + m.nv] = qvel
        return state

    def __call__(self, time: float, qpos: np.ndarray, qvel: np.ndarray, controls: np.ndarray):
        """controls (N, H, nu) -> qpos (N,H,nq), qvel (N,H,nv), sensordata (N,H,ns) after each step."""
        n, h, _ = controls.shape
        if (n, h) not in self._out:
            self._out[(n, h)] = (
                np.empty((n, h, self._nstate)),
                np.empty((n, h, self.model.nsensordata)),
            )
        state, sensordata = self._out[(n, h)]
        controls = np.ascontiguousarray(controls, dtype=np.float64)
        near = h if self.far_model is None else min(h, self.near_steps)
        self._roll(self.model, self._datas, self.initial_state(time, qpos, qvel)[None], controls[:, :near],
                   state[:, :near], sensordata[:, :near])
        if near < h:
            self._roll(self.far_model, self._far_datas, state[:, near - 1], controls[:, near:], state[:, near:],
                       sensordata[:, near:])
        nq, nv = self.model.nq, self.model.nv
        return state[..., 1 : 1 + nq], state[..., 1 + nq : 1 + nq + nv], sensordata

    def _roll(self, model, datas, initial, controls, state, sensordata) -> None:
        """One ``mujoco.rollout`` call into views of the output buffers (copied back when a view is not contiguous)."""
        out_state, out_sensordata = np.ascontiguousarray(state), np.ascontiguousarray(sensordata)
        self._pool.rollout(model, datas, np.ascontiguousarray(initial), np.ascontiguousarray(controls),
                           state=out_state, sensordata=out_sensordata, skip_checks=False)
        if out_state is not state:
            state[:] = out_state
            sensordata[:] = out_sensordata

    def close(self) -> None:
        self._pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
