"""The sample count that fits the time each plan really has (``--adapt_samples``, the real-time loops).

The stages are compiled for ``cap`` samples; each plan rolls out only the first ``active`` of them (the
rest are masked out of the update, :func:`~g1mpc.planning.pipeline.score_and_update`), so the count can
change between plans without a rebuild. After each plan the rule below sets the next count from the times
it sees in the loop, beside whatever else the machine runs (the plant thread, a web page, a simulated robot).
Only the rollouts grow with the count, so a plan's time at ``m`` samples is predicted as its time now plus
its rollout time scaled by ``(m - n) / n``. The rule follows the typical plan, not the slowest: a single
late plan costs one period of an older plan, too few samples cost every plan.

- down, when the median of the last ``judge`` plans took over ``target_share`` of the period: to the largest
  step-multiple count whose predicted median time fits, by at least one step, never below ``floor``;
- up one step when the ``up_quantile`` of the last ``window`` plans since the last change would fit at the
  larger count. A step up that is followed at once by a step down doubles the window before the next try
  (up to ``max_window``), so a machine at its limit does not oscillate.

Apart from time, ``--calm_samples`` (:func:`calm_sample_count`) rolls out a share of the count while the robot
is calm, where fewer samples plan sooner and track a standing robot more quietly, and the whole count once the
noise schedule says pushed; no fewer than ``FEWEST_CALM_SAMPLES`` while three in four plans of that many fit the
period (:class:`CalmFloor`). The rule above judges those plans as if they had rolled out its count.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from g1mpc.common.errors import ConfigError

FEWEST_CALM_SAMPLES = 8  # calm plans roll out no fewer where they fit (docs/realtime.md, "Never fewer than eight while calm")


@dataclass(frozen=True)
class SampleCountRule:
    """When the sample count changes.

    Attributes:
        target_share: the share of the replan period a typical plan may take.
        judge: plans whose median decides a step down (the count is held that long after a change).
        window, max_window: plans judged (since the last change) before a step up, and its back-off limit.
        up_quantile: the quantile of those plans that must fit at the larger count.
    """

    target_share: float = 0.85
    judge: int = 5
    window: int = 25
    max_window: int = 400
    up_quantile: float = 75.0

    def __post_init__(self) -> None:
        if not 0 < self.target_share <= 1:
            raise ConfigError("sample count rule: target_share must be in (0, 1]")
        if not 1 <= self.judge <= self.window <= self.max_window or not 0 < self.up_quantile <= 100:
            raise ConfigError("sample count rule: need 1 <= judge <= window <= max_window and 0 < up_quantile <= 100")


def sample_count_bounds(cap: int, num_elites: int) -> tuple[int, int]:
    """(floor, step) for stages compiled for ``cap`` samples with ``num_elites`` elites: the floor is half the cap
    (below it the controller is another, weaker one) and at least twice the elites; the step an eighth of the cap."""
    return min(cap, max(2 * num_elites, (cap + 1) // 2, 4)), max(2, cap // 8)


@dataclass
class AdaptiveSampleCount:
    """Follows the planning times and says how many samples the next plan rolls out (see the module docstring)."""

    cap: int
    floor: int
    step: int
    period: float  # s: the replan period
    rule: SampleCountRule = SampleCountRule()
    active: int = field(init=False)

    def __post_init__(self) -> None:
        if not 2 <= self.floor <= self.cap or self.step < 1 or self.period <= 0:
            raise ConfigError(f"adaptive samples: need 2 <= floor ({self.floor}) <= cap ({self.cap}), step >= 1, period > 0")
        self.active = self.cap
        self._since_change: list[tuple[float, float]] = []
        self._window = self.rule.window
        self._last_was_up = False

    @property
    def budget(self) -> float:
        return self.rule.target_share * self.period

    def _predicted(self, plan: float, rollout: float, count: int, rolled_out: int | None = None) -> float:
        """A plan's time at ``count`` samples from its time and its rollouts' time at ``rolled_out`` (None: the
        rule's count)."""
        measured_at = rolled_out or self.active
        return plan + rollout * (count - measured_at) / measured_at

    def observe(self, plan_seconds: float, rollout_seconds: float, rolled_out: int | None = None) -> int:
        """Record one plan's time and its rollouts' time (s), for ``rolled_out`` samples (None: the count this rule
        set; another count, as a calm plan's, is scaled to it); returns the count for the next plan."""
        if rolled_out and rolled_out != self.active:
            plan_seconds = self._predicted(plan_seconds, rollout_seconds, self.active, rolled_out)
            rollout_seconds *= self.active / rolled_out
        self._since_change.append((plan_seconds, rollout_seconds))
        recent = self._since_change[-self.rule.judge:]
        plan, rollout = (float(np.median(x)) for x in zip(*recent, strict=True))
        new = self.active
        if len(recent) == self.rule.judge and plan > self.budget and self.active > self.floor:
            fitting = [m for m in range(self.active - self.step, self.floor - 1, -self.step)
                       if self._predicted(plan, rollout, m) <= self.budget]
            new = fitting[0] if fitting else self.floor
            self._window = min(2 * self._window, self.rule.max_window) if self._last_was_up else self.rule.window
            self._last_was_up = False
        elif len(self._since_change) >= self._window and self.active < self.cap:
            grown = min(self.cap, self.active + self.step)
            plans, rollouts = (np.asarray(x) for x in zip(*self._since_change[-self._window:], strict=True))
            if np.percentile(self._predicted(plans, rollouts, grown), self.rule.up_quantile) <= self.budget:
                new = grown
                self._last_was_up = True
        if new != self.active:
            self.active = new
            self._since_change = []
        return self.active


def check_calm_share(share: float) -> None:
    """Raise :class:`ConfigError` unless ``share`` (``--calm_samples``) is in (0, 1]."""
    if not 0 < share <= 1:
        raise ConfigError(f"--calm_samples must be in (0, 1] (a share of --num_samples), got {share}")


def calm_sample_count(count: int, share: float, pushed: float, least: int) -> int:
    """Samples for the next plan: ``count`` where the last plan's state counted pushed at all (``pushed`` > 0, the
    noise schedule's measure from 0 calm to 1 pushed), else ``share`` (in (0, 1]) of it, no fewer than ``least``
    (and never more than ``count``)."""
    if pushed > 0 or share >= 1:
        return count
    return min(count, max(least, int(round(count * share))))


@dataclass
class CalmFloor:
    """The fewest samples a calm plan rolls out: ``fewest``, while the ``quantile`` of the times of the last ``window``
    plans that rolled out at least that many fits the ``period`` (s; three in four of them by default); none (0) once it
    does not, where halving the calm plans is what keeps the rate. It judges from ``min_plans`` such plans on."""

    fewest: int
    period: float
    window: int = 25
    min_plans: int = 5
    quantile: float = 0.75
    times: deque = field(init=False)  # seconds of the last ``window`` plans of at least ``fewest`` samples

    def __post_init__(self) -> None:
        self.times = deque(maxlen=self.window)

    def observe(self, seconds: float, rolled_out: int) -> None:
        """Record a plan that took ``seconds`` and rolled out ``rolled_out`` samples."""
        if self.fewest > 0 and rolled_out >= self.fewest:
            self.times.append(float(seconds))

    def least(self) -> int:
        """The floor for the next calm plan (samples)."""
        if self.fewest <= 0 or (len(self.times) >= self.min_plans
                                and float(np.quantile(self.times, self.quantile)) > self.period):
            return 0
        return self.fewest


def check_calm_floor(floor: int) -> None:
    """Raise :class:`ConfigError` unless ``floor`` (the fewest calm samples) is a whole number >= 0."""
    if not (isinstance(floor, int) and floor >= 0):
        raise ConfigError(f"--calm_floor must be a whole number of samples >= 0 (0: no floor), got {floor!r}")


def samples_can_change(controller) -> bool:
    """Whether ``controller``'s (a :class:`~g1mpc.planning.controller.Controller`) count of rolled-out samples can change
    between plans and save time: it samples (not nn mode), on the native backend (MJX's rollouts are inside the
    compiled stage, so fewer active samples would save nothing), and it has ``set_active_samples``."""
    cfg = getattr(controller, "config", None)
    return cfg is not None and hasattr(controller, "set_active_samples") and cfg.mode != "nn" and cfg.backend == "mujoco"


def adaptive_sample_count(controller, period: float, enabled: bool = True) -> AdaptiveSampleCount | None:
    """The rule for ``controller`` in a real-time loop; None where the count stays: switched off, a count that
    cannot change (:func:`samples_can_change`), or stages too small to step down.

    Where a rule is returned, the controller is set back to its compiled count (a controller reused from an
    earlier run may have been stepped down), since that is where the rule starts.
    """
    if not enabled or not samples_can_change(controller):
        return None
    cfg = controller.config
    floor, step = sample_count_bounds(cfg.num_samples, cfg.num_elites)
    if floor >= cfg.num_samples:
        return None
    controller.set_active_samples(None)
    return AdaptiveSampleCount(cfg.num_samples, floor, step, period)


def sample_count_rules(controller, period: float, adapt: bool, calm_share: float,
                       log=None, calm_floor: int = 0) -> tuple[AdaptiveSampleCount | None, float, CalmFloor]:
    """What a real-time loop applies to ``controller``'s sample count: the time rule (``--adapt_samples``, None when
    off), the calm share (``--calm_samples``; 1 where the count cannot change) and its floor (``--calm_floor``
    samples, judged against ``period``), each announced on ``log``."""
    samples = adaptive_sample_count(controller, period, adapt)
    calm_share = calm_share if samples_can_change(controller) else 1.0
    if log and samples is not None:
        log(f"[g1mpc] samples per plan follow the time plans take: {samples.floor} to {samples.cap}, in steps of {samples.step} "
            f"(--adapt_samples off: always {samples.cap})")
    if log and calm_share < 1:
        floor = f" but no fewer than {calm_floor}" if calm_floor > 0 else ""
        log(f"[g1mpc] calm plans roll out {calm_share:g} of the samples{floor}, pushed ones all (--calm_samples)")
    return samples, calm_share, CalmFloor(calm_floor, period)
