"""The planning math, as pure JAX functions of arrays.

These are the only implementation of the planner: the JIT path jits them, the
AOT path exports them, the native (CPU) backend calls them around a threaded
MuJoCo rollout and the MJX (GPU) backend fuses them with an MJX rollout.

Static configuration lives in :class:`PlanSpec` (closed over when compiling);
everything that changes between runs or cycles is an argument, so one compiled
function serves any reference clip up to the run's clip capacity and any network
weights of the right shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.planning.noise_schedule import relative_base_speed, relative_joint_speed
from g1mpc.planning.planners import PlannerState, SamplingPlanner
from g1mpc.planning.splines import interpolate, spline_weights
from g1mpc.robots.models import PlannerModelConfig, SensorLayout, step_durations
from g1mpc.tasks.base import ReferenceWindow, Task


class ClipTooLong(ConfigError):
    """A clip has more frames than the run's reference arrays hold."""


@dataclass(frozen=True)
class PlanSpec:
    """Static sizes and settings of one planning problem; ``task`` supplies the cost and the features."""

    nq: int
    nv: int
    nu: int
    layout: SensorLayout = field(compare=False)
    task: Task = field(compare=False)
    spline: str = "cubic"
    num_knots: int = 4
    horizon: float = 0.5
    planner_dt: float = 0.02
    replan_period: float = 0.02
    plant_dt: float = 0.002
    loop_reference: bool = True
    far_dt: float | None = None  # a longer step after ``far_after`` s of the horizon (PlannerModelConfig.far_timestep)
    far_after: float = 0.1

    @cached_property
    def step_durations(self) -> tuple[float, ...]:
        """(H,) the planner steps' lengths (s): ``planner_dt``, then ``far_dt`` after ``far_after`` if set."""
        return step_durations(self.horizon, PlannerModelConfig(self.planner_dt, far_timestep=self.far_dt,
                                                               far_after=self.far_after))

    @property
    def horizon_steps(self) -> int:
        return len(self.step_durations)

    @property
    def near_steps(self) -> int:
        """The steps at ``planner_dt`` before the far ones (all of them without ``far_dt``)."""
        return sum(1 for d in self.step_durations if d == self.planner_dt)

    @property
    def steps_per_replan(self) -> int:
        return max(1, int(round(self.replan_period / self.plant_dt)))

    @property
    def plan_steps(self) -> int:
        """Plant steps a published plan covers: its whole horizon (at least one replan period), so a plan
        that arrives late, or runs on while the next one is late, is still evaluated on its spline."""
        return max(self.steps_per_replan, int(round(self.horizon / self.plant_dt)))

    @property
    def knot_times(self) -> jnp.ndarray:
        return knot_times(self.horizon, self.num_knots)

    @property
    def feature_size(self) -> int:
        return self.task.feature_size(self.nq, self.nv)


class RunArrays(NamedTuple):
    """Per-run data: the reference clip, the actuator limits, and what can be changed while the robot runs.

    The clip's arrays are padded (with its last frame) to a fixed capacity C of frames, and ``frame_count``
    says how many are the clip's; ``clip_start`` is the simulated time of its first frame. So another clip
    of up to C frames, ``cost_scale``, ``noise_scale`` and ``active_samples`` are all inputs of the compiled
    stages, not constants baked into them: changing any of them takes effect on the next cycle without a
    rebuild (JIT and precompiled alike).
    """

    ref_qpos: jnp.ndarray  # (C, nq)
    ref_ctrl: jnp.ndarray  # (C, nu)
    ref_sensordata: jnp.ndarray  # (C, ns)
    frame_count: jnp.ndarray  # () int32: the clip's frames, 1 <= frame_count <= C
    fps: jnp.ndarray  # ()
    clip_start: jnp.ndarray  # () simulated time (s) of the clip's first frame
    ctrl_low: jnp.ndarray  # (nu,)
    ctrl_high: jnp.ndarray  # (nu,)
    cost_scale: jnp.ndarray  # (W,) multipliers on the task's cost weights, in the order of ``task.weight_values()``
    noise_scale: jnp.ndarray  # () multiplier on the sampling noise
    active_samples: jnp.ndarray  # () int32: samples rolled out per cycle, the first of the N compiled (ALL_SAMPLES: N)


ALL_SAMPLES = np.iinfo(np.int32).max  # ``active_samples`` meaning every compiled sample


def _f32(x) -> jnp.ndarray:
    return jax.device_put(np.asarray(x, dtype=np.float32))


def _padded(values: np.ndarray, capacity: int) -> np.ndarray:
    return np.concatenate([values, np.repeat(values[-1:], capacity - len(values), axis=0)])


def check_clip_fits(reference, capacity: int) -> None:
    """Raise :class:`ClipTooLong` if ``reference`` has more than ``capacity`` frames, saying what to do."""
    if len(reference.qpos) > capacity:
        raise ClipTooLong(f"the clip has {len(reference.qpos)} frames but this run's arrays hold at most {capacity} "
                          f"(RunConfig.clip_capacity); restart with it as --reference")


def _clip_arrays(reference, capacity: int, clip_start: float) -> dict:
    check_clip_fits(reference, capacity)
    n = len(reference.qpos)
    return dict(ref_qpos=_f32(_padded(reference.qpos, capacity)), ref_ctrl=_f32(_padded(reference.ctrl, capacity)),
                ref_sensordata=_f32(_padded(reference.sensordata, capacity)),
                frame_count=jax.device_put(np.int32(n)), fps=_f32(reference.fps), clip_start=_f32(clip_start))


def run_arrays(reference, model, weight_count: int, cost_scale=None, noise_scale: float = 1.0,
               capacity: int | None = None) -> RunArrays:
    """Pack a :class:`~g1mpc.motion.reference.Reference` (padded to ``capacity`` frames; None: its own length), the
    model's control limits and the live tuning (ones: as configured) as arrays."""
    low = np.where(model.actuator_ctrllimited, model.actuator_ctrlrange[:, 0], -np.inf)
    high = np.where(model.actuator_ctrllimited, model.actuator_ctrlrange[:, 1], np.inf)
    scale = np.ones(weight_count) if cost_scale is None else np.asarray(cost_scale)
    if scale.shape != (weight_count,):
        raise ValueError(f"cost_scale must have {weight_count} entries, got {scale.shape}")
    clip = _clip_arrays(reference, len(reference.qpos) if capacity is None else capacity, 0.0)
    return RunArrays(**clip, ctrl_low=_f32(low), ctrl_high=_f32(high), cost_scale=_f32(scale), noise_scale=_f32(noise_scale),
                     active_samples=jax.device_put(np.int32(ALL_SAMPLES)))


def tuned(arrays: RunArrays, cost_scale=None, noise_scale: float | None = None) -> RunArrays:
    """``arrays`` with new live tuning (None: keep the current); the clip and limits are shared, not copied."""
    return arrays._replace(
        cost_scale=arrays.cost_scale if cost_scale is None else _f32(cost_scale),
        noise_scale=arrays.noise_scale if noise_scale is None else _f32(noise_scale),
    )


def with_active_samples(arrays: RunArrays, count: int | None) -> RunArrays:
    """``arrays`` rolling out the first ``count`` samples each cycle (None: all of them)."""
    return arrays._replace(active_samples=jax.device_put(np.int32(ALL_SAMPLES if count is None else count)))


def with_clip(arrays: RunArrays, reference, clip_start: float) -> RunArrays:
    """``arrays`` tracking another clip from simulated time ``clip_start`` on, in the same capacity (so the
    compiled stages take it as they are); raises :class:`ClipTooLong` when it does not fit."""
    return arrays._replace(**_clip_arrays(reference, arrays.ref_qpos.shape[0], clip_start))


def _frame_blend(spec: PlanSpec, arrays: RunArrays, times: jnp.ndarray, values: jnp.ndarray) -> jnp.ndarray:
    """Linearly interpolate per-frame ``values`` (T, d) at ``times`` (Q,)."""
    n = arrays.frame_count  # the clip's frames; rows past it are padding
    pos = (times - arrays.clip_start) * arrays.fps
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


def reference_window(spec: PlanSpec, arrays: RunArrays, times: jnp.ndarray) -> ReferenceWindow:
    """Reference qpos, ctrl and sensor values at ``times``."""
    return ReferenceWindow(
        _frame_blend(spec, arrays, times, arrays.ref_qpos),
        _frame_blend(spec, arrays, times, arrays.ref_ctrl),
        _frame_blend(spec, arrays, times, arrays.ref_sensordata),
    )


def planner_step_times(spec: PlanSpec, t0) -> jnp.ndarray:
    """(H,) start times of the planner's control intervals."""
    durations = np.asarray(spec.step_durations)
    return t0 + jnp.asarray(np.concatenate([[0.0], np.cumsum(durations)[:-1]]), jnp.float32)


def knot_times(horizon: float, num_knots: int) -> jnp.ndarray:
    """(K,) times of the knots from now: evenly spread over the horizon, both ends included."""
    return jnp.linspace(0.0, horizon, num_knots)


def warm_start_matrix(spline: str, num_knots: int, horizon: float, replan_period: float) -> jnp.ndarray:
    """(K, K) map from a plan's knots to the same plan one replan period later (interpolated, not indexed)."""
    times = knot_times(horizon, num_knots)
    return spline_weights(spline, times, times + replan_period)


def warm_start(spec: PlanSpec, state: PlannerState) -> PlannerState:
    """Shift the previous plan by one replan period."""
    shift = warm_start_matrix(spec.spline, spec.num_knots, spec.horizon, spec.replan_period)
    return PlannerState(shift @ state.mean, state.sigma)


def knots_to_controls(spec: PlanSpec, arrays: RunArrays, knots: jnp.ndarray, times_from_now: jnp.ndarray, t0):
    """Residual knots (..., K, nu) -> absolute servo targets at ``t0 + times_from_now``."""
    weights = spline_weights(spec.spline, spec.knot_times, times_from_now)
    ref_ctrl = _frame_blend(spec, arrays, t0 + times_from_now, arrays.ref_ctrl)
    return jnp.clip(ref_ctrl + interpolate(weights, knots), arrays.ctrl_low, arrays.ctrl_high)


class Motion(NamedTuple):
    """How much faster than the reference's the robot moves: base (m/s, ()) and joints (rad/s RMS, ())."""

    base_speed: jnp.ndarray
    joint_speed: jnp.ndarray


def motion_error(spec: PlanSpec, qvel, t0, arrays: RunArrays) -> Motion:
    """The state's :class:`Motion` at ``t0``: the floating base's horizontal speed and the joints' RMS speed
    (``qvel[6:]``, after the floating base) relative to the reference's (what a schedule does not use is traced away)."""
    times = t0 + jnp.asarray([0.0, spec.planner_dt])
    ref = _frame_blend(spec, arrays, times, arrays.ref_qpos)
    return Motion(relative_base_speed(qvel, ref[0, :2], ref[1, :2], spec.planner_dt),
                  relative_joint_speed(qvel[6:], ref[0, 7:], ref[1, 7:], spec.planner_dt))


def noise_gain(planner: SamplingPlanner, pushed: jnp.ndarray, arrays: RunArrays) -> jnp.ndarray:
    """() the live noise multiplier times the planner's schedule in a state ``pushed`` (:func:`pushed_state`),
    or the former alone where the schedule is off."""
    schedule = planner.noise_schedule
    if schedule is None or not schedule.active:
        return arrays.noise_scale
    return arrays.noise_scale * schedule.gain(pushed)


def pushed_state(planner: SamplingPlanner, motion: Motion, held=0.0) -> jnp.ndarray:
    """() how pushed a state of ``motion`` is by the planner's schedule (0 calm to 1), or ``held`` (what an
    earlier push still counts, :meth:`~g1mpc.planning.noise_schedule.NoiseSchedule.fade`) where that is more;
    the sampling noise and the share of samples around the held plan follow it. 1 without a schedule."""
    if planner.noise_schedule is None:
        return jnp.asarray(1.0)
    return jnp.maximum(planner.noise_schedule.pushed(*motion), held)


def propose(spec: PlanSpec, planner: SamplingPlanner, state: PlannerState, key, t0, qvel, arrays: RunArrays,
            anchor=None, held=0.0):
    """Sample knots around the plan from the state's velocity ``qvel`` (nv,) at ``t0`` and turn them into
    planner-step controls: (N,K,nu), (N,H,nu), and how pushed the state counts (:func:`pushed_state`, ()),
    which the caller carries to the next plan as ``held`` (faded).

    ``anchor`` (K, nu), if given, replaces sample 1: in hybrid mode the previous refined plan stays a
    candidate next to the network's proposal (sample 0), so a wrong prediction cannot discard it.
    """
    pushed = pushed_state(planner, motion_error(spec, qvel, t0, arrays), held)
    knots = planner.sample(state, key, anchor, noise_gain(planner, pushed, arrays), arrays.active_samples, pushed)
    controls = knots_to_controls(spec, arrays, knots, planner_step_times(spec, 0.0), t0)
    return knots, controls, pushed


def rollout_costs(spec: PlanSpec, qpos, qvel, ctrl, sensordata, t0, previous_ctrl, arrays: RunArrays):
    """Cost of each rollout; states are those *after* each planner step."""
    durations = jnp.asarray(spec.step_durations, jnp.float32)
    window = reference_window(spec, arrays, planner_step_times(spec, t0) + durations)
    return spec.task.cost(spec.layout, qpos, qvel, ctrl, sensordata, window, previous_ctrl, arrays.cost_scale, durations)


def score_and_update(
    spec: PlanSpec, planner: SamplingPlanner, state: PlannerState, knots, controls, qpos, qvel, sensordata,
    t0, previous_ctrl, arrays: RunArrays, pushed=1.0,
):
    """Cost every rollout and update the sampling distribution in a state ``pushed`` (what :func:`propose`
    returned); samples past ``arrays.active_samples`` were not rolled out: their cost is +inf, so no update uses them."""
    costs = rollout_costs(spec, qpos, qvel, controls, sensordata, t0, previous_ctrl, arrays)
    costs = jnp.where(jnp.arange(costs.shape[0]) < arrays.active_samples, costs, jnp.inf)
    return planner.update(state, knots, costs, pushed), costs


def plant_controls(spec: PlanSpec, mean: jnp.ndarray, t0, arrays: RunArrays) -> jnp.ndarray:
    """Servo targets for each plant step of the plan's horizon from ``t0``: (P, nu), P = ``spec.plan_steps``."""
    times = spec.plant_dt * jnp.arange(spec.plan_steps)
    return knots_to_controls(spec, arrays, mean, times, t0)


def network_features(spec: PlanSpec, qpos, qvel, t0, arrays: RunArrays) -> jnp.ndarray:
    """Network input (F,): the task's features of the state and the reference at its look-ahead times."""
    times = t0 + jnp.asarray(spec.task.feature_lookahead)
    return spec.task.features(qpos, qvel, _frame_blend(spec, arrays, times, arrays.ref_qpos))
