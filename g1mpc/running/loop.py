"""Run a simulation in the loop its configuration names: synchronous or asynchronous."""

from __future__ import annotations

from collections.abc import Callable

import mujoco
import numpy as np

from g1mpc.running.async_loop import run_async
from g1mpc.running.sim import RunResult, Simulation


def run_loop(sim: Simulation, controller, on_cycle: Callable[[mujoco.MjData, np.ndarray], bool] | None = None,
             log: Callable[[str], None] | None = print) -> RunResult:
    """``sim.config.loop``: sync (:meth:`Simulation.run`, deterministic) or async (:func:`g1mpc.running.async_loop.run_async`)."""
    if sim.config.loop == "async":
        return run_async(sim, controller, on_cycle, log)
    return sim.run(controller, on_cycle, log)
