"""The sample count that fits the time each plan really has (``--adapt_samples``, the real-time loops).

The stages are compiled for ``cap`` samples; each plan rolls out only the first ``active`` of them (the
rest are masked out of the update, :func:`~g1mpc.planning.pipeline.score_and_update`), so the count can
change between plans without a rebuild. After each plan the rule below sets the next count from the times
it sees in the loop, beside whatever else the machine runs (the plant thread, a web page, a simulated robot).
Only the rollouts grow with the count, so a plan's time at ``m`` samples is predicted as its time now plus
its rollout time scaled by ``(m - n) / n``:

- down, at once, when two of the last three plans took over ``target_share`` of the period: to the largest
  step-multiple count whose predicted time (from the median of those plans) fits, by at least one step and
  at most to half;
- up one step when every one of the last ``window`` plans since the last change would have fit at the
  larger count. A step up that is followed at once by a step down doubles the window before the next try
  (up to ``max_window``), so a machine at its limit does not oscillate.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from g1mpc.common.errors import ConfigError


@dataclass(frozen=True)
class SampleCountRule:
    """When the sample count changes.

    Attributes:
        target_share: a plan over this share of the replan period is an overrun.
        window, max_window: plans judged (since the last change) before a step up, and its back-off limit.
        hold: plans after a change before a step down.
    """

    target_share: float = 0.85
    window: int = 25
    max_window: int = 400
    hold: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.target_share <= 1:
            raise ConfigError("sample count rule: target_share must be in (0, 1]")
        if not 1 <= self.window <= self.max_window or self.hold < 0:
            raise ConfigError("sample count rule: need 1 <= window <= max_window and hold >= 0")


def sample_count_bounds(cap: int, num_elites: int) -> tuple[int, int]:
    """(floor, step) for stages compiled for ``cap`` samples with ``num_elites`` elites: the floor keeps twice
    the elites (and a quarter of the cap), the step is an eighth of the cap."""
    return min(cap, max(2 * num_elites, cap // 4, 4)), max(2, cap // 8)


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
        self._recent: deque[tuple[float, float]] = deque(maxlen=3)
        self._since_change: list[tuple[float, float]] = []
        self._window = self.rule.window
        self._last_was_up = False

    @property
    def budget(self) -> float:
        return self.rule.target_share * self.period

    def _predicted(self, plan: float, rollout: float, count: int) -> float:
        return plan + rollout * (count - self.active) / self.active

    def observe(self, plan_seconds: float, rollout_seconds: float) -> int:
        """Record one plan's time and its rollouts' time (s); returns the count for the next plan."""
        self._recent.append((plan_seconds, rollout_seconds))
        self._since_change.append((plan_seconds, rollout_seconds))
        new = self.active
        if sum(p > self.budget for p, _ in self._recent) >= 2 and len(self._since_change) > self.rule.hold \
                and self.active > self.floor:
            plan, rollout = (float(np.median(x)) for x in zip(*self._recent, strict=True))
            half = (self.active + 1) // 2
            lowest = min(self.active - 1, max(self.floor, -(-half // self.step) * self.step))
            fitting = [m for m in range(self.active - self.step, lowest - 1, -self.step)
                       if self._predicted(plan, rollout, m) <= self.budget]
            new = fitting[0] if fitting else lowest
            self._window = min(2 * self._window, self.rule.max_window) if self._last_was_up else self.rule.window
            self._last_was_up = False
        elif len(self._since_change) >= self._window and self.active < self.cap:
            grown = min(self.cap, self.active + self.step)
            if all(self._predicted(p, r, grown) <= self.budget for p, r in self._since_change[-self._window:]):
                new = grown
                self._last_was_up = True
        if new != self.active:
            self.active = new
            self._recent.clear()
            self._since_change = []
        return self.active


def adaptive_sample_count(controller, period: float, enabled: bool = True) -> AdaptiveSampleCount | None:
    """The rule for ``controller`` (a :class:`~g1mpc.planning.controller.Controller`) in a real-time loop, starting at
    its compiled count; None where the count stays: switched off, no sampling (nn mode), the MJX backend (its
    rollouts are inside the compiled stage, so fewer active samples would save nothing), or a controller
    that cannot change it (a wrapper without ``set_active_samples``)."""
    cfg = getattr(controller, "config", None)
    if not enabled or cfg is None or not hasattr(controller, "set_active_samples") or cfg.mode == "nn" or cfg.backend != "mujoco":
        return None
    floor, step = sample_count_bounds(cfg.num_samples, cfg.num_elites)
    if floor >= cfg.num_samples:
        return None
    controller.set_active_samples(None)
    return AdaptiveSampleCount(cfg.num_samples, floor, step, period)
