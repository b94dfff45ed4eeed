"""The G1's low-level messages: the struct codec writes the bytes unitree-dds-wrapper's generated types
write, and the CRC is the one Unitree's publishers compute."""

import struct

import numpy as np
import pytest
from unitree_dds_wrapper.idl.unitree_hg.msg.dds_ import IMUState_, LowCmd_, LowState_, MotorCmd_, MotorState_
from unitree_dds_wrapper.utils.crc import crc32

from g1mpc.lowlevel.crc import unitree_crc32
from g1mpc.lowlevel.messages import LowCommand, LowState

rng = np.random.default_rng(7)
f32 = lambda x: np.asarray(x, np.float32).astype(np.float64)  # the wire's precision, so round trips are exact


def _command() -> LowCommand:
    return LowCommand(q=f32(rng.normal(size=35)), dq=f32(rng.normal(size=35)), tau=f32(rng.normal(size=35)),
                      kp=f32(rng.uniform(0, 500, 35)), kd=f32(rng.uniform(0, 10, 35)), mode=rng.integers(0, 2, 35),
                      mode_machine=5, reserve=(1234, 0, 0, 0)).with_crc()


@pytest.mark.parametrize("words", [1, 3, 250, 522])
def test_crc_matches_unitree_bitwise_crc(words):
    data = rng.integers(0, 2**32, words, dtype=np.uint64).astype("<u4")
    assert unitree_crc32(data.tobytes()) == crc32([int(w) for w in data])


def test_crc_rejects_partial_words():
    with pytest.raises(ValueError, match="32-bit words"):
        unitree_crc32(b"\x00" * 6)


def test_lowcmd_bytes_and_crc_match_unitree_dds_wrapper():
    cmd = _command()
    stock = LowCmd_(mode_pr=0, mode_machine=5, reserve=[1234, 0, 0, 0], crc=cmd.crc, motor_cmd=[
        MotorCmd_(mode=int(cmd.mode[i]), q=cmd.q[i], dq=cmd.dq[i], tau=cmd.tau[i], kp=cmd.kp[i], kd=cmd.kd[i]) for i in range(35)])
    wire = stock.serialize()
    assert wire[4:] == cmd.to_cdr()
    # the CRC as the wrapper's LowCmd publisher packs it (the C struct, words before the crc)
    raw = [0, 5]
    for m in stock.motor_cmd:
        raw += [m.mode, m.q, m.dq, m.tau, m.kp, m.kd, m.reserve]
    packed = struct.pack("<2B2x" + "B3x5fI" * 35 + "5I", *raw, 1234, 0, 0, 0, 0)
    assert crc32(list(np.frombuffer(packed[:-4], "<u4").astype(int))) == cmd.crc
    back = LowCommand.from_cdr(wire[4:])
    assert back.crc_ok() and back.reserve == (1234, 0, 0, 0)
    np.testing.assert_array_equal(back.kp, cmd.kp)
    np.testing.assert_array_equal(back.mode, cmd.mode)


def test_lowstate_bytes_match_unitree_dds_wrapper():
    s = LowState(tick=99, quaternion=f32([0.9, 0.1, 0.2, 0.3]), gyroscope=f32([0.1, -0.2, 0.3]),
                 accelerometer=f32([0.0, 0.1, 9.8]), q=f32(rng.normal(size=35)), dq=f32(rng.normal(size=35)),
                 tau_est=f32(rng.normal(size=35)), mode_machine=5).with_crc()
    stock = LowState_(mode_machine=5, tick=99, crc=s.crc, imu_state=IMUState_(
        quaternion=list(s.quaternion), gyroscope=list(s.gyroscope), accelerometer=list(s.accelerometer)),
        motor_state=[MotorState_(mode=1, q=s.q[i], dq=s.dq[i], tau_est=s.tau_est[i]) for i in range(35)])
    assert stock.serialize()[4:] == s.to_cdr()
    # the CRC over the C struct (words before the crc), packed here field by field
    raw = [0, 0, 0, 5, 99, *s.quaternion, *s.gyroscope, *s.accelerometer, 0.0, 0.0, 0.0, 0]
    for i in range(35):
        raw += [1, s.q[i], s.dq[i], 0.0, s.tau_est[i], 0, 0, 0.0, 0, 0, 0, 0, 0, 0, 0]
    packed = struct.pack("<2I2B2xI13fh2x" + "B3x4f2hf2II4I" * 35 + "40B4I", *raw, *[0] * 44)
    assert crc32(list(np.frombuffer(packed, "<u4").astype(int))) == s.crc
    back = LowState.from_cdr(s.to_cdr())
    assert back.tick == 99 and back.crc_ok()
    np.testing.assert_array_equal(back.quaternion, s.quaternion)
    np.testing.assert_array_equal(back.tau_est, s.tau_est)


def test_a_changed_field_breaks_the_crc():
    cmd = _command()
    assert cmd.crc_ok()
    cmd.kp[3] += 1.0
    assert not cmd.crc_ok()
    cmd.with_crc()
    cmd.reserve = (1235, 0, 0, 0)
    assert not cmd.crc_ok()
