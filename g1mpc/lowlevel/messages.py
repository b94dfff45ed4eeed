"""The G1's low-level messages (``unitree_hg`` ``LowState_`` and ``LowCmd_``) as numpy arrays, and their bytes.

Two byte layouts hold the same values in the same order and differ only in padding:

- the wire: little-endian CDR, as any DDS peer (the robot, Unitree's SDK) writes these types;
- the C struct the robot's CRC is computed over (the words before the ``crc`` field).

Each layout is a :class:`Layout`: a buffer of the :mod:`struct` format's size with its constant fields set once,
and a strided numpy view per field (a motor field is one view across the 35 motors). Encoding writes the arrays
into the views and copies the buffer; decoding reads views of the received bytes. Both take a few microseconds
(the generic IDL serializer takes about 0.3 ms: a 500 Hz stream would cost a sixth of a core on each side). The
tests check the bytes against ``unitree-dds-wrapper``'s generated types.
"""

from __future__ import annotations

import struct
import threading
from dataclasses import dataclass, field

import numpy as np

from g1mpc.lowlevel.crc import unitree_crc32

NUM_MOTORS = 35  # slots in both messages; the G1 uses the first 29, in its actuator order
MOTOR_ENABLE = 1  # MotorCmd_.mode: 1 servo on, 0 off


@dataclass(frozen=True)
class Field:
    """``count`` values (rows of ``width`` consecutive values) of ``dtype`` at ``offset`` bytes, ``stride`` bytes
    apart (0: packed)."""

    offset: int
    dtype: str
    count: int = 1
    stride: int = 0
    width: int = 1

    def view(self, buffer) -> np.ndarray:
        """(count,) or (count, width): the field in ``buffer`` (writable where the buffer is)."""
        dtype = np.dtype(self.dtype)
        shape, strides = (self.count, self.width), (self.stride or dtype.itemsize * self.width, dtype.itemsize)
        return np.ndarray(shape if self.width > 1 else shape[:1], dtype, buffer, self.offset,
                          strides if self.width > 1 else strides[:1])


class Layout:
    """One byte layout (``fmt``, a little-endian :mod:`struct` format with explicit padding, fixes its size) and
    where its fields lie. :meth:`encode` is thread-safe (one scratch buffer behind a lock)."""

    def __init__(self, fmt: str, fields: dict[str, Field], constants: dict[str, int] | None = None):
        self.size = struct.calcsize(fmt)
        self._buffer = bytearray(self.size)
        self._views = {name: f.view(self._buffer) for name, f in fields.items()}
        self._specs = {name: (view.shape, view.dtype, f.offset, view.strides) for (name, f), view in
                       zip(fields.items(), self._views.values(), strict=True)}
        for name, value in (constants or {}).items():
            self._views[name][:] = value
        self._lock = threading.Lock()

    def encode(self, **values) -> bytes:
        """The layout's bytes with each named field set to its value (the others keep their constant, or 0)."""
        with self._lock:
            for name, value in values.items():
                self._views[name][:] = value
            return bytes(self._buffer)

    def read(self, data: bytes, name: str) -> np.ndarray:
        """Field ``name`` of ``data`` (a copy, float64 for float fields, int64 for the others)."""
        shape, dtype, offset, strides = self._specs[name]
        return np.ndarray(shape, dtype, data, offset, strides).astype(np.float64 if dtype.kind == "f" else np.int64)

    def crc(self, **values) -> int:
        """Unitree's CRC of these values in this (C-struct) layout: over every word before the ``crc`` field."""
        return unitree_crc32(self.encode(**values)[: self.size - 4])


def _motors(names: tuple[str, ...], mode_at: int, first_at: int, stride: int, mode_slots: tuple[int, int] = (0, NUM_MOTORS)
            ) -> dict[str, Field]:
    """One field per 4-byte motor value ``names`` (consecutive from ``first_at`` in the first motor, each following
    motor ``stride`` bytes on), ``values`` (all of them, a row per motor), and the mode byte at ``mode_at`` of the
    motor slots ``mode_slots``: ``mode`` for all of them, else ``mode_<first slot>``."""
    first, end = mode_slots
    fields = {name: Field(first_at + 4 * i, "<f4", NUM_MOTORS, stride) for i, name in enumerate(names)}
    if names:
        fields["values"] = Field(first_at, "<f4", NUM_MOTORS, stride, len(names))  # (35, len(names)), for reading
    fields["mode" if mode_slots == (0, NUM_MOTORS) else f"mode_{first}"] = Field(mode_at, "u1", end - first, stride)
    return fields


_at = lambda fmt: struct.calcsize("<" + fmt)  # the offset after a format prefix

# LowCmd_: mode_pr, mode_machine, 35 x (mode, q, dq, tau, kp, kd, reserve), reserve[4], crc
_CMD_VALUES = ("q", "dq", "tau", "kp", "kd")
_CMD_MOTOR = _at("B3x5fI")
_CMD_WIRE_FMT = "2B" + "B1x5fI" + "B3x5fI" * (NUM_MOTORS - 1) + "4I"
_CMD_WIRE = Layout("<" + _CMD_WIRE_FMT + "I", {
    "mode_pr": Field(0, "u1"), "mode_machine": Field(1, "u1"),
    **_motors(_CMD_VALUES, _at("2B"), _at("2BB1x"), _CMD_MOTOR, (0, 1)),
    **_motors((), _at("2BB1x5fI"), 0, _CMD_MOTOR, (1, NUM_MOTORS)),
    "reserve": Field(_at(_CMD_WIRE_FMT) - 16, "<u4", 4), "crc": Field(_at(_CMD_WIRE_FMT), "<u4"),
})
_CMD_CSTRUCT_FMT = "2B2x" + "B3x5fI" * NUM_MOTORS + "4I"
_CMD_CSTRUCT = Layout("<" + _CMD_CSTRUCT_FMT + "I", {
    "mode_pr": Field(0, "u1"), "mode_machine": Field(1, "u1"), **_motors(_CMD_VALUES, _at("2B2x"), _at("2B2xB3x"), _CMD_MOTOR),
    "reserve": Field(_at(_CMD_CSTRUCT_FMT) - 16, "<u4", 4),
})

# LowState_: version[2], mode_pr, mode_machine, tick, imu (quaternion 4, gyroscope 3, accelerometer 3, rpy 3,
# temperature), 35 x (mode, q, dq, ddq, tau_est, temperature[2], vol, sensor[2], motorstate, reserve[4]),
# wireless_remote[40], reserve[4], crc. Every motor reports mode 1.
_HEAD, _IMU, _STATE_MOTOR_REST = "2I2B2xI", "13fh", "4f2hf2II4I"
_STATE_VALUES = ("q", "dq", "ddq", "tau_est")
_STATE_MOTOR = _at("B3x" + _STATE_MOTOR_REST)
_STATE_SHARED = {"mode_machine": Field(_at("2IB"), "u1"), "tick": Field(_at("2I2B2x"), "<u4"),
                 "quaternion": Field(_at(_HEAD), "<f4", 4), "gyroscope": Field(_at(_HEAD + "4f"), "<f4", 3),
                 "accelerometer": Field(_at(_HEAD + "7f"), "<f4", 3), "imu": Field(_at(_HEAD), "<f4", 10)}
_STATE_WIRE_FMT = _HEAD + _IMU + "B1x" + _STATE_MOTOR_REST + ("B3x" + _STATE_MOTOR_REST) * (NUM_MOTORS - 1) + "40B4I"
_STATE_WIRE = Layout("<" + _STATE_WIRE_FMT + "I", {
    **_STATE_SHARED, **_motors(_STATE_VALUES, _at(_HEAD + _IMU), _at(_HEAD + _IMU + "B1x"), _STATE_MOTOR, (0, 1)),
    **_motors((), _at(_HEAD + _IMU + "B1x" + _STATE_MOTOR_REST), 0, _STATE_MOTOR, (1, NUM_MOTORS)),
    "crc": Field(_at(_STATE_WIRE_FMT), "<u4"),
}, constants={"mode_0": MOTOR_ENABLE, "mode_1": MOTOR_ENABLE})
_STATE_CSTRUCT = Layout("<" + _HEAD + _IMU + "2x" + ("B3x" + _STATE_MOTOR_REST) * NUM_MOTORS + "40B4I" + "I", {
    **_STATE_SHARED, **_motors(_STATE_VALUES, _at(_HEAD + _IMU + "2x"), _at(_HEAD + _IMU + "2xB3x"), _STATE_MOTOR),
}, constants={"mode": MOTOR_ENABLE})


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

    def _values(self) -> dict:
        return {"q": self.q, "dq": self.dq, "tau": self.tau, "kp": self.kp, "kd": self.kd, "mode_pr": self.mode_pr,
                "mode_machine": self.mode_machine, "reserve": self.reserve}

    def _crc(self) -> int:
        return _CMD_CSTRUCT.crc(mode=self.mode, **self._values())

    def with_crc(self) -> LowCommand:
        """This command with its ``crc`` field set (as the robot checks it)."""
        self.crc = self._crc()
        return self

    def crc_ok(self) -> bool:
        return self._crc() == self.crc

    def to_cdr(self) -> bytes:
        """Little-endian CDR body (no encapsulation header)."""
        return _CMD_WIRE.encode(mode_0=self.mode[:1], mode_1=self.mode[1:], crc=self.crc, **self._values())

    @classmethod
    def from_cdr(cls, body: bytes) -> LowCommand:
        read = lambda name: _CMD_WIRE.read(body, name)
        q, dq, tau, kp, kd = read("values").T
        return cls(q=q.copy(), dq=dq.copy(), tau=tau.copy(), kp=kp.copy(), kd=kd.copy(),
                   mode=np.concatenate([read("mode_0"), read("mode_1")]), mode_pr=int(read("mode_pr")[0]),
                   mode_machine=int(read("mode_machine")[0]), reserve=tuple(int(r) for r in read("reserve")),
                   crc=int(read("crc")[0]))


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

    def _values(self) -> dict:
        return {"tick": int(self.tick) & 0xFFFFFFFF, "mode_machine": self.mode_machine, "quaternion": self.quaternion,
                "gyroscope": self.gyroscope, "accelerometer": self.accelerometer, "q": self.q, "dq": self.dq,
                "tau_est": self.tau_est}

    def with_crc(self) -> LowState:
        self.crc = _STATE_CSTRUCT.crc(**self._values())
        return self

    def crc_ok(self) -> bool:
        return _STATE_CSTRUCT.crc(**self._values()) == self.crc

    def to_cdr(self) -> bytes:
        return _STATE_WIRE.encode(crc=self.crc, **self._values())

    @classmethod
    def from_cdr(cls, body: bytes) -> LowState:
        read = lambda name: _STATE_WIRE.read(body, name)
        q, dq, _, tau_est = read("values").T
        imu = read("imu")
        return cls(tick=int(read("tick")[0]), quaternion=imu[0:4], gyroscope=imu[4:7], accelerometer=imu[7:10],
                   q=q.copy(), dq=dq.copy(), tau_est=tau_est.copy(),
                   mode_machine=int(read("mode_machine")[0]), crc=int(read("crc")[0]))
