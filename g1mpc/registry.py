"""The registry: every robot and task by name. A new robot or task is one file plus one line here."""

from __future__ import annotations

from pathlib import Path

from g1mpc.common.errors import UserError
from g1mpc.robots.apollo import APOLLO
from g1mpc.robots.base import Robot
from g1mpc.robots.g1 import G1
from g1mpc.robots.g1_hands import G1_HANDS
from g1mpc.robots.t1 import T1
from g1mpc.tasks.balance import BalanceTask
from g1mpc.tasks.base import Task

ROBOTS: dict[str, Robot] = {robot.name: robot for robot in (G1, G1_HANDS, T1, APOLLO)}
TASKS: dict[str, type[Task]] = {task.name: task for task in (BalanceTask,)}
XML_ROBOT = G1  # a scene XML given as --robot is read as a variant of this robot


def robot_choices() -> str:
    """The registered robots for ``--help``, each experimental one with why."""
    return ", ".join(f"{name} (experimental: {r.experimental})" if r.experimental else name for name, r in ROBOTS.items())


def get_robot(name: str | Path) -> Robot:
    """A registered robot by name, or an XML path read as a variant of :data:`XML_ROBOT`."""
    if str(name) in ROBOTS:
        return ROBOTS[str(name)]
    if Path(name).is_file():
        return XML_ROBOT.with_scene(name)
    raise UserError(f"--robot: '{name}' is neither a known robot ({', '.join(ROBOTS)}) nor an existing XML file")


def get_task(name: str) -> type[Task]:
    if name not in TASKS:
        raise UserError(f"--task: '{name}' is not a known task ({', '.join(TASKS)})")
    return TASKS[name]
