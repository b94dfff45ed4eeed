"""A published plan and the schedule the plant reads plans from.

A plan is what the planner hands to the robot: its knots, the time it starts, and its servo targets
evaluated at every plant step of its horizon (by the one spline implementation in
:mod:`g1mpc.planning.pipeline`). The plant evaluates the newest plan at the current time: the target of the
plant step it is at, not a sample held since the plan arrived.

The schedule holds the plans in the order they were published, each with the time it becomes
visible to the plant (its arrival). At time ``t`` the plant applies the newest plan that has arrived
and whose start time is not in the future; a plan that is late leaves the previous one running.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Plan:
    """Servo targets over a horizon.

    Attributes:
        start_time: simulated time (s) of ``controls[0]``.
        state_time: simulated time of the state it was planned from (<= start_time; < when the planner
            compensated for its delay by planning from a predicted state).
        controls: (P, nu) servo targets at ``start_time + k * dt``.
        dt: the plant's step (s).
        knots: (K, nu) the residual knots the controls came from.
    """

    start_time: float
    state_time: float
    controls: np.ndarray
    dt: float
    knots: np.ndarray

    def index_at(self, t: float) -> int:
        """The plant step of time ``t`` in this plan, clamped to its span (a plan is held past its end)."""
        return int(np.clip(round((t - self.start_time) / self.dt), 0, len(self.controls) - 1))

    def control_at(self, t: float) -> np.ndarray:
        """(nu,) servo targets at simulated time ``t``."""
        return self.controls[self.index_at(t)]


class PlanSchedule:
    """Published plans and when each reaches the plant; safe to share between a planner and a plant thread.

    ``keep`` bounds how many plans are kept: enough for every plan that can still be pending.
    """

    def __init__(self, initial: Plan, keep: int = 64):
        self._entries: list[tuple[float, Plan]] = [(-np.inf, initial)]
        self._keep = keep
        self._lock = threading.Lock()

    def publish(self, plan: Plan, arrival: float) -> None:
        """Add ``plan``, visible to the plant from simulated time ``arrival``."""
        with self._lock:
            self._entries.append((arrival, plan))
            if len(self._entries) > self._keep:
                del self._entries[: len(self._entries) - self._keep]

    def reset(self, plan: Plan) -> None:
        """Forget every plan (a fall reset): ``plan`` runs until the next one is published."""
        with self._lock:
            self._entries = [(-np.inf, plan)]

    def current(self, t: float) -> Plan:
        """The plan the plant applies at time ``t``: the newest arrived whose start is not in the future."""
        eps = 1e-9
        with self._lock:
            for arrival, plan in reversed(self._entries):
                if arrival <= t + eps and plan.start_time <= t + eps:
                    return plan
            return self._entries[0][1]

    def controls(self, t: float, steps: int, dt: float) -> np.ndarray:
        """(steps, nu) servo targets the plant will apply from ``t`` on, if nothing more is published."""
        return np.stack([self.current(t + k * dt).control_at(t + k * dt) for k in range(steps)])



class FirstApplications:
    """Each published plan's cycle record until the plant first applies that plan, which fills in its
    latency (s from the plan's state to that step); safe to share between a planner and a plant thread."""

    def __init__(self):
        self._records: dict[int, Any] = {}
        self._active: Plan | None = None
        self._lock = threading.Lock()

    def expect(self, plan: Plan, record: Any) -> None:
        """Remember ``record`` (with a ``latency`` attribute) for ``plan``, published but not applied yet."""
        with self._lock:
            self._records[id(plan)] = record

    def applying(self, plan: Plan, t: float) -> Any | None:
        """The plant applies ``plan`` at ``t``: the record of its cycle, latency filled in, if this is its first step."""
        with self._lock:
            if plan is self._active:
                return None
            self._active = plan
            record = self._records.pop(id(plan), None)
        if record is not None:
            record.latency = t - plan.state_time
        return record

    def clear(self) -> None:
        """Forget every pending plan (a fall reset)."""
        with self._lock:
            self._records.clear()
            self._active = None


def hold_plan(ctrl: np.ndarray, time: float, dt: float) -> Plan:
    """A plan that holds ``ctrl`` (nu,) from ``time`` on: what runs before the first plan, or after a fault."""
    ctrl = np.asarray(ctrl, np.float64)
    return Plan(start_time=time, state_time=time, controls=ctrl[None].copy(), dt=dt, knots=np.zeros((1, ctrl.shape[0])))
