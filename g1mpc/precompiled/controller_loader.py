"""The precompiled hybrid controller, loaded from a spec that crosses a process boundary (a planner process)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from g1mpc.precompiled.aot import prepare_precompiled
from g1mpc.running.config import RunConfig


@dataclass(frozen=True)
class PrecompiledController:
    """A configuration's precompiled build and how to start it. The parent prepares (builds) it first, so a
    child that loads it compiles nothing."""

    config: RunConfig
    model_path: str
    precompiled_dir: str
    nthread: int | None = None
    warmup: int = 0  # planning rounds before the first real one


def warmed_up_controller(assembly, params: dict, rounds: int):
    """``assembly``'s controller with ``params``, after ``rounds`` planning rounds from the clip's first pose at rest."""
    controller = assembly.controller(params)
    if rounds:
        controller.warmup(0.0, assembly.reference.qpos[0].copy(), np.zeros(assembly.plant.nv), rounds)
    return controller


def load_precompiled_controller(spec: PrecompiledController) -> tuple[object, Callable[[], None]]:
    """(controller, close) for ``spec``: the build loaded (or built, if the parent did not), warmed up."""
    assembly, params, _ = prepare_precompiled(spec.config, spec.model_path, spec.precompiled_dir, False, spec.nthread,
                                              log=lambda _line: None)
    return warmed_up_controller(assembly, params, spec.warmup), assembly.close
