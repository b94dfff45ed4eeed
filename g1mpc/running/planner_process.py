"""A planner in its own process, behind the controller's interface.

A real-time loop that runs in Python (the DDS command loop at 500 Hz, a plant thread, a web view) holds the
interpreter lock for a share of every millisecond. A planner in the same process waits for that lock between
its compiled and native calls. :class:`PlannerProcess` starts the controller in a child process (``spawn``:
no JAX or MuJoCo state is inherited), built there by a loader the caller names (the precompiled hybrid's:
:func:`g1mpc.precompiled.controller_loader.load_precompiled_controller`), and forwards ``replan``, ``reset``,
the sample count, the live tuning and clip switches to it over a pipe. A request is a state (qpos (nq,),
qvel (nv,)) and the servo targets applied meanwhile (steps, nu); the answer a plan (controls (T, nu), knots
(K, nu)): a few kilobytes. The loop that calls it waits in the pipe, without the lock, while the child plans.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from g1mpc.common.collector import collector_frozen
from g1mpc.planning import pipeline as P
from g1mpc.planning.prediction import prediction_steps

START_TIMEOUT_S = 600.0  # importing JAX and loading the precompiled stages in the child (seconds on a fast machine)
Loader = Callable[[Any], tuple[Any, Callable[[], None]]]  # spec -> (controller, close): runs in the child
FORWARDED = ("reset", "warmup", "tune", "use_reference", "set_active_samples")  # calls the child answers with its sample count


class PlannerProcessError(RuntimeError):
    """The planner process failed or exited; the message holds its traceback or exit code."""


class PlannerProcess:
    """The controller ``load(spec)`` returns, in a child process (``load`` a module-level function, ``spec``
    picklable): ``replan``, ``reset``, ``warmup``, ``tune``, ``use_reference``, ``active_samples``,
    ``set_active_samples``, ``pushed``, ``config`` and ``arrays`` as :class:`~g1mpc.planning.controller.Controller` has them.

    ``arrays``: the parent's copy of the run's arrays (the assembly's), kept in step with the child's by the same
    pure updates (:mod:`g1mpc.planning.pipeline`), for what reads them here (the web view); None without one.

    Raises:
        PlannerProcessError: the child could not load the controller, or failed or exited later.
    """

    def __init__(self, load: Loader, spec: Any, config, plant_dt: float, arrays: P.RunArrays | None = None):
        self.config = config  # the controller's ControllerConfig, as the loop's sample-count rule reads it
        self.arrays = arrays
        self.pushed = 0.0  # how pushed the last plan's state counted (the child's controller.pushed)
        self._dt = plant_dt
        ctx = mp.get_context("spawn")
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(load, spec, child_conn), name="g1mpc-planner-process", daemon=True)
        self._proc.start()
        child_conn.close()
        if not self._conn.poll(START_TIMEOUT_S):
            self.close()
            raise PlannerProcessError(f"the planner process did not load its controller within {START_TIMEOUT_S:.0f} s")
        self._active_samples = self._answer()

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    @property
    def active_samples(self) -> int:
        return self._active_samples

    def _answer(self):
        try:
            kind, value = self._conn.recv()
        except (EOFError, OSError) as exc:
            self._proc.join(timeout=5.0)
            raise PlannerProcessError(f"the planner process exited (exit code {self._proc.exitcode})") from exc
        if kind == "error":
            raise PlannerProcessError(f"the planner process failed:\n{value}")
        return value

    def _call(self, *message):
        try:
            self._conn.send(message)
        except (BrokenPipeError, OSError) as exc:
            raise PlannerProcessError(f"the planner process is gone (exit code {self._proc.exitcode})") from exc
        return self._answer()

    def replan(self, t: float, qpos: np.ndarray, qvel: np.ndarray, start_time: float | None = None,
               applied: Callable[[float, int, float], np.ndarray] | None = None):
        """(Plan, CycleTiming) from the child; ``applied(t, steps, dt)`` is evaluated here, where the schedule is.
        The timing's total is the time this call took (the pipe both ways included); ``other`` takes the difference."""
        tic = time.perf_counter()
        steps = prediction_steps(t, start_time, self._dt)
        controls = None if steps == 0 or applied is None else np.asarray(applied(t, steps, self._dt))
        plan, timing, self._active_samples, self.pushed = self._call("replan", t, np.asarray(qpos), np.asarray(qvel), start_time,
                                                                     controls)
        total = time.perf_counter() - tic
        return plan, replace(timing, total=total, other=max(total - timing.nn - timing.cem, 0.0))

    def reset(self, initial_ctrl: np.ndarray | None = None) -> None:
        self._active_samples = self._call("reset", None if initial_ctrl is None else np.asarray(initial_ctrl))
        self.pushed = 0.0

    def warmup(self, t: float, qpos: np.ndarray, qvel: np.ndarray, rounds: int = 3) -> None:
        self._active_samples = self._call("warmup", t, np.asarray(qpos), np.asarray(qvel), rounds)

    def tune(self, cost_scale: np.ndarray | None = None, noise_scale: float | None = None) -> None:
        self._active_samples = self._call("tune", cost_scale, noise_scale)
        if self.arrays is not None:
            self.arrays = P.tuned(self.arrays, cost_scale, noise_scale)

    def use_reference(self, reference, clip_start: float) -> None:
        self._active_samples = self._call("use_reference", reference, clip_start)
        if self.arrays is not None:
            self.arrays = P.with_clip(self.arrays, reference, clip_start)

    def set_active_samples(self, count: int | None) -> None:
        self._active_samples = self._call("set_active_samples", count)
        if self.arrays is not None:
            self.arrays = P.with_active_samples(self.arrays, count)

    def close(self) -> None:
        """Stop the child (it also exits when this process does: the pipe closes)."""
        if self._proc.is_alive():
            try:
                self._conn.send(("stop",))
            except (BrokenPipeError, OSError):
                pass
            self._proc.join(timeout=5.0)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(timeout=5.0)
        self._conn.close()

    def __enter__(self) -> PlannerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(load: Loader, spec: Any, conn) -> None:
    """The child: load the controller, then answer messages until ``stop`` or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides, then stops us
    try:
        controller, close = load(spec)
    except BaseException:  # every failure goes back to the parent, as text
        conn.send(("error", traceback.format_exc()))
        return
    conn.send(("ok", controller.active_samples))
    try:
        with collector_frozen():  # what loading made is set aside: no long collection between plans
            while True:
                try:
                    message = conn.recv()
                except EOFError:
                    return
                kind, args = message[0], message[1:]
                try:
                    if kind == "stop":
                        return
                    if kind == "replan":
                        t, qpos, qvel, start_time, controls = args
                        plan, timing = controller.replan(t, qpos, qvel, start_time=start_time, applied=_replaying(controls))
                        conn.send(("ok", (plan, timing, controller.active_samples, controller.pushed)))
                    elif kind in FORWARDED:
                        getattr(controller, kind)(*args)
                        conn.send(("ok", controller.active_samples))
                    else:
                        conn.send(("error", f"unknown message {kind!r}"))
                except Exception:  # the parent raises it; the child stays
                    conn.send(("error", traceback.format_exc()))
    finally:
        close()


def _replaying(controls: np.ndarray | None) -> Callable[[float, int, float], np.ndarray] | None:
    """``applied`` for the child's controller: the first ``steps`` rows of the (steps, nu) targets the parent sent."""
    return None if controls is None else (lambda _t, steps, _dt: controls[:steps])
