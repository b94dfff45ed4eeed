"""The clips a running session can switch to (the web view's clip menu): the run's own clip, the task's
default clip for the robot, and motions generated from a seed (:mod:`g1mpc.motion.generated`).

A clip is built only when chosen (forward kinematics of every frame); a switch then reaches the planner as
an input of its compiled stages (:meth:`g1mpc.planning.controller.Controller.use_reference`), with no rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from g1mpc.motion.generated import motion_reference
from g1mpc.motion.reference import Reference
from g1mpc.running.assembly import Assembly, default_reference

MOTION_SEEDS = range(10)  # generated motions on the menu, by seed


def clip_menu(assembly: Assembly) -> dict[str, Callable[[], Reference]]:
    """Clip name -> a function that builds it; the run's own clip comes first."""
    plant, robot, task = assembly.plant, assembly.robot, assembly.config.task
    own = f"--reference {Path(assembly.config.reference).name}" if assembly.config.reference else "default clip"
    menu: dict[str, Callable[[], Reference]] = {own: lambda: assembly.reference}
    if assembly.config.reference:
        menu["default clip"] = partial(default_reference, plant, robot, task)
    if robot.pose_ranges:
        menu.update({f"generated motion {seed}": partial(motion_reference, plant, robot, seed) for seed in MOTION_SEEDS})
    return menu
