"""The planning math, as pure JAX functions of arrays.

These are the only implementation of the planner: the JIT path jits them, the
AOT path exports them, the native (CPU) backend calls them around a threaded
MuJoCo rollout and the MJX (GPU) backend fuses them with an MJX rollout.

Static configuration lives in :class:`PlanSpec` (closed over when compiling);
everything that changes between runs or cycles is an argument, so one compiled
function serves any reference clip and any network weights of the right shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from g1mpc.cost import CostWeights, ReferenceWindow, trajectory_cost
from g1mpc.planners import PlannerState, SamplingPlanner
from g1mpc.robot import SensorLayout
from g1mpc.splines import interpolate, spline_weights

# Reference look-ahead the network sees, in seconds from now.
FEATURE_LOOKAHEAD = (0.0, 0.1, 0.25, 0.5)


@dataclass(frozen=True)
class PlanSpec:
    """Static sizes and settings of one planning problem."""

    nq: int
    nv: int
    nu: int
    layout: SensorLayout = field(compare=False)
    spline: str = "cubic"
    num_knots: int = 4
    horizon: float = 0.5
    planner_dt: float = 0.02
    replan_period: float = 0.02
    plant_dt: float = 0.002
    weights: CostWeights = CostWeights()
    loop_reference: bool = True

    @property
    def horizon_steps(self) -> int:
        return max(1, int(round(self.horizon / self.planner_dt)))

    @property
    def steps_per_replan(self) -> int:
        return max(1, int(round(self.replan_period / self.plant_dt)))

    @property
    def knot_times(self) -> jnp.ndarray:
        return jnp.linspace(0.0, self.horizon, self.num_knots)

    @property
    def feature_size(self) -> int:
        ref_per_time = 1 + 4 + (self.nq - 7)
        return (self.nq - 2) + self.nv + len(FEATURE_LOOKAHEAD) * ref_per_time


class TaskArrays(NamedTuple):
    """Per-run data: the reference clip and the actuator limits."""

    ref_qpos: jnp.ndarray  # (T, nq)
    ref_ctrl: jnp.ndarray  # (T, nu)
    ref_sensordata: jnp.ndarray  # (T, ns)
    fps: jnp.ndarray  # ()
    ctrl_low: jnp.ndarray  # (nu,)
    ctrl_high: jnp.ndarray  # (nu,)


def task_arrays(reference, model) -> TaskArrays:
    """Pack a :class:`~g1mpc.reference.Reference` and model limits as float32 arrays."""
    low = np.where(model.actuator_ctrllimited, model.actuator_ctrlrange[:, 0], -np.inf)
    high = np.where(model.actuator_ctrllimited, model.actuator_ctrlrange[:, 1], np.inf)
    f32 = lambda x: jax.device_put(np.asarray(x, dtype=np.float32))  # noqa: E731  (a transfer: compiles nothing)
    return TaskArrays(
        f32(reference.qpos), f32(reference.ctrl), f32(reference.sensordata), f32(reference.fps), f32(low), f32(high)
    )


def _frame_blend(spec: PlanSpec, task: TaskArrays, times: jnp.ndarray, values: jnp.ndarray) -> jnp.ndarray:
    """Linearly interpolate per-frame ``values`` (T, d) at ``times`` (Q,)."""
    n = values.shape[0]
    pos = times * task.fps
    if spec.loop_reference:
        pos = jnp.mod(pos, n)
        i0 = jnp.floor(pos).astype(jnp.int32) % n
        i1 = (i0 + 1) % n
    else:
        pos = jnp.clip(pos, 0, n - 1)
        i0 = jnp.clip(jnp.floor(pos).astype(jnp.int32), 0, n - 1)
        i1 = jnp.minimum(i0 + 1, n - 1)
    a = (pos - jnp.floor(pos))[:, None]
    return (1 - a) * values[i0] + a * values[i1]


def reference_window(spec: PlanSpec, task: TaskArrays, times: jnp.ndarray) -> ReferenceWindow:
    """Reference qpos, ctrl and sensor values at ``times``."""
    return ReferenceWindow(
        _frame_blend(spec, task, times, task.ref_qpos),
        _frame_blend(spec, task, times, task.ref_ctrl),
        _frame_blend(spec, task, times, task.ref_sensordata),
    )


def planner_step_times(spec: PlanSpec, t0) -> jnp.ndarray:
    """Start times of the planner's control intervals."""
    return t0 + spec.planner_dt * jnp.arange(spec.horizon_steps)


def warm_start(spec: PlanSpec, state: PlannerState) -> PlannerState:
    """Shift the previous plan by one replan period (interpolated, not indexed)."""
    shift = spline_weights(spec.spline, spec.knot_times, spec.knot_times + spec.replan_period)
    return PlannerState(shift @ state.mean, state.sigma)


def knots_to_controls(spec: PlanSpec, task: TaskArrays, knots: jnp.ndarray, times_from_now: jnp.ndarray, t0):
    """Residual knots (..., K, nu) -> absolute servo targets at ``t0 + times_from_now``."""
    weights = spline_weights(spec.spline, spec.knot_times, times_from_now)
    ref_ctrl = _frame_blend(spec, task, t0 + times_from_now, task.ref_ctrl)
    return jnp.clip(ref_ctrl + interpolate(weights, knots), task.ctrl_low, task.ctrl_high)


def propose(spec: PlanSpec, planner: SamplingPlanner, state: PlannerState, key, t0, task: TaskArrays, anchor=None):
    """Sample knots and turn them into planner-step controls: (N,K,nu), (N,H,nu).

    ``anchor`` (K, nu), if given, replaces sample 1: in hybrid mode the previous refined plan stays a
    candidate next to the network's proposal (sample 0), so a wrong prediction cannot discard it.
    """
    knots = planner.sample(state, key, anchor)
    controls = knots_to_controls(spec, task, knots, planner_step_times(spec, 0.0), t0)
    return knots, controls


def rollout_costs(spec: PlanSpec, qpos, qvel, ctrl, sensordata, t0, previous_ctrl, task: TaskArrays):
    """Cost of each rollout; states are those *after* each planner step."""
    window = reference_window(spec, task, planner_step_times(spec, t0) + spec.planner_dt)
    return trajectory_cost(spec.weights, spec.layout, qpos, qvel, ctrl, sensordata, window, previous_ctrl)


def score_and_update(
    spec: PlanSpec, planner: SamplingPlanner, state: PlannerState, knots, controls, qpos, qvel, sensordata,
    t0, previous_ctrl, task: TaskArrays,
):
    """Cost every rollout and update the sampling distribution."""
    costs = rollout_costs(spec, qpos, qvel, controls, sensordata, t0, previous_ctrl, task)
    return planner.update(state, knots, costs), costs


def plant_controls(spec: PlanSpec, mean: jnp.ndarray, t0, task: TaskArrays) -> jnp.ndarray:
    """Servo targets for each plant step of the coming replan period: (S, nu)."""
    times = spec.plant_dt * jnp.arange(spec.steps_per_replan)
    return knots_to_controls(spec, task, mean, times, t0)


def network_features(spec: PlanSpec, qpos, qvel, t0, task: TaskArrays) -> jnp.ndarray:
    """Network input: state (without the horizontal position) and the reference ahead.

    The reference changes over time, so the state alone is ambiguous: the
    network sees the reference height, orientation and joints at a few
    look-ahead times.
    """
    times = t0 + jnp.asarray(FEATURE_LOOKAHEAD)
    ref = _frame_blend(spec, task, times, task.ref_qpos)[:, 2:]
    return jnp.concatenate([qpos[2:], qvel, ref.reshape(-1)]).astype(jnp.float32)
