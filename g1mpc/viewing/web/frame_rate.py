"""The web view's update rates, held to a share of the run's own CPU time, and timed into the planner's slack.

The view's threads (drawing, the plan traces, the page's websocket server) run beside the planner; on a
machine with one core every millisecond they use is one the planner waits for. Once a second the view
compares the CPU time its threads used with the CPU time the rest of the process used (the planner and its
rollout threads, the plant, the loop), and scales its rates (scene frames, traces, plots) so the former stays
within ``share`` of the latter. The drawing wakes right after a plan (:class:`PlanPacer`), when the planner
waits for its next period, so the page's work takes neither the interpreter lock nor a core from a plan in progress.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from g1mpc.common.errors import ConfigError


@dataclass
class RateGovernor:
    """A rate factor in [``min_factor``, 1] that keeps the view's CPU time within ``share`` of the run's.

    Attributes:
        share: the view's CPU time allowed per CPU second of the rest of the run (0.02: 2 %).
        min_factor: the lowest factor (the view never drops below this fraction of its full rates).
        idle_floor: when the run uses less CPU than this fraction of the wall clock (a fast network-only run, a
            paused one), the budget is ``share`` of this fraction of the wall clock instead.
        max_rise: the largest factor by which one update may raise the rates (they fall at once when over budget).
        factor: the current factor (1: full rates).
    """

    share: float = 0.02
    min_factor: float = 0.25
    idle_floor: float = 0.5
    max_rise: float = 1.25
    factor: float = field(default=1.0, init=False)

    def __post_init__(self) -> None:
        if not 0 < self.share < 1:
            raise ConfigError(f"the web view's CPU share must be in (0, 1), got {self.share}")
        if not 0 < self.min_factor <= 1 or not 0 <= self.idle_floor <= 1 or self.max_rise < 1:
            raise ConfigError("min_factor must be in (0, 1], idle_floor in [0, 1] and max_rise >= 1")

    def update(self, view_cpu_s: float, run_cpu_s: float, window_s: float) -> float:
        """The new factor after a window of ``window_s`` wall seconds in which the view's threads used ``view_cpu_s``
        of CPU and the rest of the run ``run_cpu_s``; rates scale in proportion, as the view's work does."""
        if window_s <= 0:
            return self.factor
        budget = self.share * max(run_cpu_s, self.idle_floor * window_s)
        if view_cpu_s <= 0:
            wanted = self.factor * self.max_rise
        else:
            wanted = self.factor * min(budget / view_cpu_s, self.max_rise)
        self.factor = min(1.0, max(self.min_factor, wanted))
        return self.factor


class ThreadsCpuClock:
    """CPU time used by a set of threads, from their per-thread CPU clocks (POSIX; elsewhere it reads 0)."""

    def __init__(self, threads: Iterable[threading.Thread] = ()):
        self._watched: dict[threading.Thread, tuple[int, float]] = {}  # thread -> (its CPU clock, reading at the last lap)
        for thread in threads:
            self.add(thread)

    def add(self, thread: threading.Thread) -> None:
        """Count ``thread`` from now on (one not running, or already counted, is skipped)."""
        if not thread.is_alive() or thread in self._watched or not hasattr(time, "pthread_getcpuclockid"):
            return
        try:
            clock = time.pthread_getcpuclockid(thread.ident)
            self._watched[thread] = (clock, time.clock_gettime(clock))
        except OSError:
            pass

    def lap(self) -> float:
        """CPU seconds the threads used since the previous lap (or since they were added); ended threads drop out
        uncounted since the last lap."""
        used = 0.0
        for thread, (clock, last) in list(self._watched.items()):
            if not thread.is_alive():  # its clock id may already belong to another thread
                del self._watched[thread]
                continue
            try:
                now = time.clock_gettime(clock)
            except OSError:
                del self._watched[thread]
                continue
            used += now - last
            self._watched[thread] = (clock, now)
        return used

    def __len__(self) -> int:
        return len(self._watched)


class PlanPacer:
    """Wakes the view's drawing right after a plan, at most once per interval; without plans (paused, or a plan
    longer than the interval) once per interval.

    The planner thread calls :meth:`planned` after each plan; the drawing thread loops on :meth:`wait`.
    """

    def __init__(self) -> None:
        self._planned = threading.Event()
        self._last_wake = -float("inf")

    def planned(self) -> None:
        """A plan has just been made (or the drawing thread should look at its stop event)."""
        self._planned.set()

    def wait(self, interval: float, stop: threading.Event) -> bool:
        """Block until a plan comes at least ``interval`` s after the previous wake, or ``interval`` s pass without
        one; False once ``stop`` is set."""
        while not stop.is_set():
            self._planned.wait(interval)
            self._planned.clear()
            now = time.perf_counter()
            if stop.is_set():
                break
            if now - self._last_wake >= interval:
                self._last_wake = now
                return True
        return False
