"""Perturbations of a simulated plant: scaled masses, friction, armature and servo gains, a sensor delay.

Written as ``mass=0.9:1.1,friction=0.7,delay_ms=10``: a factor is a number, or a range ``low:high`` drawn
uniformly per run from the run's seed (so a run is reproducible from its seed). :class:`PerturbationRanges`
holds what was asked, :meth:`PerturbationRanges.draw` gives one run's :class:`Perturbation`, and
:func:`perturb_model` applies it to a plant model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.robots.base import FreeBase, Robot
from g1mpc.robots.models import load_plant_model
from g1mpc.robots.plants import MODEL_GAINS, NOMINAL

FLAG = "--plant_perturb"
_DRAW_STREAM = 0x9E37  # keeps the perturbation's draws apart from the pushes' (same seed)


@dataclass(frozen=True)
class Perturbation:
    """One run's perturbation (1 and 0: none).

    Attributes:
        mass: every body's mass and inertia times this.
        friction: sliding friction of every geom and contact pair times this.
        armature: every joint's armature (rotor inertia) times this.
        frictionloss: every joint's friction loss times this.
        kp, kd: every position servo's stiffness / damping times this (the gains the motors realise).
        delay_ms: the controller sees the plant's state this many milliseconds late.
    """

    mass: float = 1.0
    friction: float = 1.0
    armature: float = 1.0
    frictionloss: float = 1.0
    kp: float = 1.0
    kd: float = 1.0
    delay_ms: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            low = 0.0 if f.name in ("delay_ms", "frictionloss", "kd") else 1e-3
            if not (math.isfinite(value) and value >= low):
                raise ConfigError(f"{FLAG}: {f.name}={value} must be a finite number >= {low:g}")
        if self.delay_ms > 1000:
            raise ConfigError(f"{FLAG}: delay_ms={self.delay_ms} is over a second")

    @property
    def is_none(self) -> bool:
        return self == Perturbation()

    def changed(self) -> dict[str, float]:
        """The factors that differ from no perturbation, by name."""
        none = Perturbation()
        return {name: value for name, value in self.as_dict().items() if value != getattr(none, name)}

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


FACTORS = tuple(f.name for f in fields(Perturbation))


@dataclass(frozen=True)
class PerturbationRanges:
    """Per factor, the (low, high) range a run's value is drawn from (low == high: that value)."""

    ranges: tuple[tuple[str, float, float], ...] = ()

    def __post_init__(self) -> None:
        for name, low, high in self.ranges:
            if name not in FACTORS:
                raise ConfigError(f"{FLAG}: '{name}' is not one of {', '.join(FACTORS)}")
            if not low <= high:
                raise ConfigError(f"{FLAG}: {name}={low}:{high} needs low <= high")
            Perturbation(**{name: low}), Perturbation(**{name: high})  # each end must be valid

    @classmethod
    def parse(cls, text: str) -> PerturbationRanges:
        """``name=value`` or ``name=low:high``, comma-separated; empty: no perturbation."""
        ranges = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, sep, value = item.partition("=")
            low, _, high = value.partition(":")
            try:
                if not sep:
                    raise ValueError
                low_f = float(low)
                high_f = float(high) if high else low_f
            except ValueError:
                raise ConfigError(f"{FLAG}: '{item}' must be name=value or name=low:high (e.g. mass=0.9:1.1)") from None
            ranges.append((name.strip(), low_f, high_f))
        names = [name for name, *_ in ranges]
        if len(set(names)) != len(names):
            raise ConfigError(f"{FLAG}: a factor is given twice in '{text}'")
        return cls(tuple(ranges))

    def draw(self, seed: int) -> Perturbation:
        """The run's values: fixed ones as given, ranges drawn uniformly from ``seed`` (same seed, same values)."""
        rng = np.random.default_rng((_DRAW_STREAM, seed))
        return Perturbation(**{name: float(rng.uniform(low, high)) if high > low else low for name, low, high in self.ranges})

    def text(self) -> str:
        return ",".join(f"{n}={lo:g}" if lo == hi else f"{n}={lo:g}:{hi:g}" for n, lo, hi in self.ranges)


def perturb_model(model: mujoco.MjModel, p: Perturbation) -> mujoco.MjModel:
    """Apply ``p``'s model factors to ``model`` in place (the delay is the simulation's); returns it."""
    model.body_mass[:] *= p.mass
    model.body_inertia[:] *= p.mass
    model.geom_friction[:, 0] *= p.friction
    model.pair_friction[:, :2] *= p.friction
    joints = FreeBase.JOINT_VELOCITIES
    model.dof_armature[joints] *= p.armature
    model.dof_frictionloss[joints] *= p.frictionloss
    model.actuator_gainprm[:, 0] *= p.kp
    model.actuator_biasprm[:, 1] *= p.kp
    model.actuator_biasprm[:, 2] *= p.kd
    mujoco.mj_setConst(model, mujoco.MjData(model))  # derived constants (subtree masses, ...) of the new masses
    return model


def simulated_plant(robot: Robot, plant: str, ranges: PerturbationRanges, seed: int, gains: str = MODEL_GAINS,
                    nominal_model: mujoco.MjModel | None = None) -> tuple[mujoco.MjModel, Perturbation, dict]:
    """(model, perturbation drawn from ``seed``, report entry) of the plant a simulation steps: the robot's
    plant ``plant`` with gains ``gains``, perturbed. ``nominal_model`` (already compiled) is returned as it
    is when the plant is ``nominal`` and nothing is perturbed."""
    perturbation = ranges.draw(seed)
    info = {"name": plant, "perturb": ranges.text(), "perturbation": perturbation.as_dict()}
    if nominal_model is not None and plant == NOMINAL and perturbation.is_none:
        return nominal_model, perturbation, info
    return perturb_model(load_plant_model(robot, plant, gains), perturbation), perturbation, info
