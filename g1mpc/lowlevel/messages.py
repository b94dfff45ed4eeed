"""The G1's low-level messages (``unitree_hg`` ``LowState_`` and ``LowCmd_``) as numpy arrays, and their bytes.

Two byte layouts hold the same values in the same order and differ only in padding:

- the wire: little-endian CDR, as any DDS peer (the robot, Unitree's SDK) writes these types;
- the C struct the robot's CRC is computed over (the words before the ``crc`` field).

Both are packed with :mod:`struct` here, which is two orders of magnitude faster than the generic IDL
serializer (a 500 Hz state stream would otherwise cost a sixth of a core on each side). The tests check
the bytes against ``unitree-dds-wrapper``'s generated types.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from g1mpc.lowlevel.crc import unitree_crc32

NUM_MOTORS = 35  # slots in both messages; the G1 uses the first 29, in its actuator order
MOTOR_ENABLE = 1  # MotorCmd_.mode: 1 servo on, 0 off

# LowCmd_: mode_pr, mode_machine, 35 x (mode, q, dq, tau, kp, kd, reserve), reserve[4], crc
_CMD_MOTOR_FIELDS = 7
_CMD_WIRE = struct.Struct("<2B" + "B1x5fI" + "B3x5fI" * (NUM_MOTORS - 1) + "4I" + "I")
_CMD_CSTRUCT = struct.Struct("<2B2x" + "B3x5fI" * NUM_MOTORS + "4I" + "I")

# LowState_: version[2], mode_pr, mode_machine, tick, imu (quaternion 4, gyroscope 3, accelerometer 3, rpy 3,
# temperature), 35 x (mode, q, dq, ddq, tau_est, temperature[2], vol, sensor[2], motorstate, reserve[4]),
# wireless_remote[40], reserve[4], crc
_IMU = "13fh"
_STATE_MOTOR = "4f2hf2II4I"
_STATE_MOTOR_FIELDS = 1 + 4 + 2 + 1 + 2 + 1 + 4
_STATE_WIRE = struct.Struct("<2I2B2xI" + _IMU + "B1x" + _STATE_MOTOR + ("B3x" + _STATE_MOTOR) * (NUM_MOTORS - 1)
                            + "40B4I" + "I")
_STATE_CSTRUCT = struct.Struct("<2I2B2xI" + _IMU + "2x" + ("B3x" + _STATE_MOTOR) * NUM_MOTORS + "40B4I" + "I")
_STATE_HEAD = 5  # version[2], mode_pr, mode_machine, tick
_STATE_IMU_END = _STATE_HEAD + 14
_STATE_MOTORS_END = _STATE_IMU_END + NUM_MOTORS * _STATE_MOTOR_FIELDS


def _struct_crc(layout: struct.Struct, values: list) -> int:
    """Unitree's CRC of a message: over its C-struct bytes, every word before the ``crc`` field."""
    return unitree_crc32(layout.pack(*values)[:-4])


def _zeros() -> np.ndarray:
    return np.zeros(NUM_MOTORS)


@dataclass
class LowCommand:
    """``rt/lowcmd``: per-motor servo command, torque ``tau + kp (q - q_meas) + kd (dq - dq_meas)``.

    Arrays are (35,) in the robot's motor order. ``reserve`` (4,) is ignored by the robot; the
    simulated robot reads ``reserve[0]`` as the tick of the state the command was computed from.
    """

    q: np.ndarray = field(default_factory=_zeros)
    dq: np.ndarray = field(default_factory=_zeros)
    tau: np.ndarray = field(default_factory=_zeros)
    kp: np.ndarray = field(default_factory=_zeros)
    kd: np.ndarray = field(default_factory=_zeros)
    mode: np.ndarray = field(default_factory=lambda: np.zeros(NUM_MOTORS, np.int64))
    mode_pr: int = 0  # 0: pitch/roll ankle joints (the PR mode the G1 defaults to)
    mode_machine: int = 0  # the robot's type, echoed from rt/lowstate
    reserve: tuple[int, int, int, int] = (0, 0, 0, 0)
    crc: int = 0

    def _values(self, crc: int) -> list:
        motors = np.column_stack([self.mode, self.q, self.dq, self.tau, self.kp, self.kd, np.zeros(NUM_MOTORS)]).tolist()
        values = [self.mode_pr, self.mode_machine]
        for m in motors:
            values += [int(m[0]), *m[1:6], 0]
        return [*values, *(int(r) for r in self.reserve), crc]

    def with_crc(self) -> LowCommand:
        """This command with its ``crc`` field set (as the robot checks it)."""
        self.crc = _struct_crc(_CMD_CSTRUCT, self._values(0))
        return self

    def crc_ok(self) -> bool:
        return _struct_crc(_CMD_CSTRUCT, self._values(0)) == self.crc

    def to_cdr(self) -> bytes:
        """Little-endian CDR body (no encapsulation header)."""
        return _CMD_WIRE.pack(*self._values(self.crc))

    @classmethod
    def from_cdr(cls, body: bytes) -> LowCommand:
        v = _CMD_WIRE.unpack_from(body)
        motors = np.array(v[2:2 + NUM_MOTORS * _CMD_MOTOR_FIELDS], np.float64).reshape(NUM_MOTORS, _CMD_MOTOR_FIELDS)
        tail = 2 + NUM_MOTORS * _CMD_MOTOR_FIELDS
        return cls(q=motors[:, 1].copy(), dq=motors[:, 2].copy(), tau=motors[:, 3].copy(), kp=motors[:, 4].copy(),
                   kd=motors[:, 5].copy(), mode=motors[:, 0].astype(np.int64), mode_pr=v[0], mode_machine=v[1],
                   reserve=tuple(v[tail:tail + 4]), crc=v[tail + 4])


@dataclass
class LowState:
    """``rt/lowstate``: the IMU and every motor's encoder and torque estimate.

    Attributes:
        quaternion: (4,) w, x, y, z of the IMU (the pelvis on the G1) in the world.
        gyroscope: (3,) rad/s in the IMU frame.
        accelerometer: (3,) m/s^2 specific force in the IMU frame (+9.81 up when still).
        q, dq, tau_est: (35,) motor position (rad), velocity (rad/s), estimated torque (N m).
    """

    tick: int = 0
    quaternion: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0, 0.0, 0.0]))
    gyroscope: np.ndarray = field(default_factory=lambda: np.zeros(3))
    accelerometer: np.ndarray = field(default_factory=lambda: np.zeros(3))
    q: np.ndarray = field(default_factory=_zeros)
    dq: np.ndarray = field(default_factory=_zeros)
    tau_est: np.ndarray = field(default_factory=_zeros)
    mode_machine: int = 0
    crc: int = 0

    def _values(self, crc: int) -> list:
        values = [0, 0, 0, self.mode_machine, int(self.tick) & 0xFFFFFFFF,
                  *np.concatenate([self.quaternion, self.gyroscope, self.accelerometer, np.zeros(3)]).tolist(), 0]
        motors = np.column_stack([self.q, self.dq, np.zeros(NUM_MOTORS), self.tau_est]).tolist()
        for m in motors:
            values += [1, *m, 0, 0, 0.0, 0, 0, 0, 0, 0, 0, 0]
        return [*values, *([0] * 40), 0, 0, 0, 0, crc]

    def with_crc(self) -> LowState:
        self.crc = _struct_crc(_STATE_CSTRUCT, self._values(0))
        return self

    def crc_ok(self) -> bool:
        return _struct_crc(_STATE_CSTRUCT, self._values(0)) == self.crc

    def to_cdr(self) -> bytes:
        return _STATE_WIRE.pack(*self._values(self.crc))

    @classmethod
    def from_cdr(cls, body: bytes) -> LowState:
        v = _STATE_WIRE.unpack_from(body)
        imu = np.array(v[_STATE_HEAD:_STATE_IMU_END - 1], np.float64)
        motors = np.array(v[_STATE_IMU_END:_STATE_MOTORS_END], np.float64).reshape(NUM_MOTORS, _STATE_MOTOR_FIELDS)
        return cls(tick=v[4], quaternion=imu[0:4], gyroscope=imu[4:7], accelerometer=imu[7:10], q=motors[:, 1].copy(),
                   dq=motors[:, 2].copy(), tau_est=motors[:, 4].copy(), mode_machine=v[3], crc=v[-1])
