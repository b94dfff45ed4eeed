"""The debug topic's type: the simulated robot's true floating base (a real robot publishes none).

Kept apart, without postponed annotations, because Cyclone DDS reads these annotations as types.
"""

from dataclasses import dataclass

from cyclonedds.idl import IdlStruct
from cyclonedds.idl.types import array, float64, uint32


@dataclass
class BaseTruth(IdlStruct, typename="g1mpc.msg.BaseTruth"):
    """The floating base at state ``tick``: position and quaternion (w, x, y, z) in the world, linear velocity
    in the world frame, angular velocity in the pelvis frame."""

    tick: uint32 = 0
    time: float64 = 0.0
    position: array[float64, 3] = (0.0, 0.0, 0.0)
    quaternion: array[float64, 4] = (1.0, 0.0, 0.0, 0.0)
    linear_velocity: array[float64, 3] = (0.0, 0.0, 0.0)
    angular_velocity: array[float64, 3] = (0.0, 0.0, 0.0)
