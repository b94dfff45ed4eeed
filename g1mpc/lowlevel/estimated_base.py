"""An in-process plant seen as ``deploy`` sees a robot: the IMU and encoders with the robot-sim's noise, the floating
base from :class:`~g1mpc.lowlevel.estimator.BaseEstimator`. The controller then plans from the estimate as over DDS,
but in the synchronous loop (each plan takes effect after exactly its latency), so estimators can be compared on
falls without two processes sharing the machine's cores."""

from __future__ import annotations

import mujoco
import numpy as np

from g1mpc.lowlevel.estimator import EstimatorConfig, robot_estimator
from g1mpc.lowlevel.motors import MotorMap
from g1mpc.lowlevel.robot_sim import SensorNoise, Sensors
from g1mpc.robots.base import Robot


class EstimatedBase:
    """A :class:`~g1mpc.running.sim.StateObserver`: every plant step measured by ``Sensors`` on ``plant`` and folded
    into ``robot``'s base estimator built on ``model`` (the robot's own model, as ``deploy`` builds it)."""

    def __init__(self, plant: mujoco.MjModel, model: mujoco.MjModel, robot: Robot, seed: int,
                 noise: SensorNoise | None = None, config: EstimatorConfig | None = None):
        self.sensors = Sensors(plant, MotorMap.from_model(plant), noise or SensorNoise(), seed)
        self.estimator = robot_estimator(model, robot, config)
        self.dt = float(plant.opt.timestep)
        self.tick = 0

    def reset(self, data: mujoco.MjData) -> None:
        self.tick = 0
        self.estimator.reset(position_xy=(float(data.qpos[0]), float(data.qpos[1])))
        self.estimator.update(self.sensors.measure(data, self.tick, crc=False), 0.0)

    def observe(self, data: mujoco.MjData) -> None:
        self.tick += 1
        self.estimator.update(self.sensors.measure(data, self.tick, crc=False), self.dt)

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        return self.estimator.qpos, self.estimator.qvel


def estimated_base(plant: mujoco.MjModel, model: mujoco.MjModel, robot: Robot, seed: int) -> EstimatedBase:
    """The observer of an in-process run with ``--base estimate`` (an ``ObserverFactory`` of
    :meth:`~g1mpc.running.assembly.Assembly.simulation`): sensors seeded by the push seed."""
    return EstimatedBase(plant, model, robot, seed)
