"""The simulated robot over real DDS on the loopback interface: it applies valid commands as the motor
drivers do, and ignores (and counts) corrupted and out-of-order ones."""

import itertools
import threading
import time

import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.dds import DdsConfig, lowcmd_writer, lowstate_reader, open_participant, truth_reader
from g1mpc.lowlevel.motors import MotorMap
from g1mpc.lowlevel.robot_sim import RobotSim, RobotSimConfig, command_age_summary
from g1mpc.lowlevel.safety import servo_command
from g1mpc.robots.g1 import G1
from g1mpc.tasks.balance import BalanceTask


def _start(plant, reference, domain: int, seconds: float):
    config = RobotSimConfig(duration=seconds, dds=DdsConfig("lo", domain), wait_for_command=30.0)
    sim = RobotSim(plant, reference, BalanceTask().fall_test(plant, G1), "pelvis", config, log=None)
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", sim.run()), daemon=True)
    thread.start()
    return sim, thread, box


def test_robot_sim_applies_valid_commands_and_rejects_corrupt_and_stale_ones(plant, reference):
    sim, thread, box = _start(plant, reference, domain=61, seconds=1.5)
    participant = open_participant(DdsConfig("lo", 61))
    states, commands, truth = lowstate_reader(participant), lowcmd_writer(participant), truth_reader(participant)
    motors = MotorMap.from_model(plant)
    hold = reference.ctrl[0]
    wild = np.clip(hold + 1.0, motors.q_min, motors.q_max)  # would throw the robot over if it were applied
    sent_corrupt = sent_stale = 0
    seen_ticks, stamps, deadline = [], [], time.time() + 60
    while thread.is_alive() and time.time() < deadline:
        taken = states.take() if states.wait(0.1) else []
        if not taken:
            continue
        stamps.extend((s.tick, s.sample_info.source_timestamp) for s in taken)
        state = taken[-1]
        seen_ticks.append(state.tick)
        assert state.crc_ok()
        commands.write(servo_command(hold, motors, state.tick))
        if len(seen_ticks) % 5 == 0:  # a command whose CRC no longer matches its contents
            corrupt = servo_command(wild, motors, state.tick + 1)
            corrupt.q[0] += 0.5
            commands.write(corrupt)
            sent_corrupt += 1
        if len(seen_ticks) % 7 == 0 and state.tick > 20:  # a valid command answering an old state
            commands.write(servo_command(wild, motors, state.tick - 20))
            sent_stale += 1
    thread.join(timeout=10)
    summary = box["result"].summary()
    assert summary["stopped_by"] == "duration" and summary["falls"] == 0
    assert 0 < summary["rejected_crc"] <= sent_corrupt
    assert 0 < summary["rejected_out_of_order"] <= sent_stale
    assert summary["commands_applied"] > 100
    assert summary["roundtrip_p50_ms"] is not None and summary["roundtrip_p50_ms"] < 50
    # the steps counted their command's age, at least the one tick from the answered state to the step
    ages = box["result"].command_ages
    assert 0.9 * summary["steps"] < ages.sum() <= summary["steps"] and ages[0] == 0
    assert 2.0 <= summary["command_age_p50_ms"] <= summary["command_age_p95_ms"] <= summary["command_age_max_ms"]
    # nothing of the wild targets reached the motors: the joints stay near the held pose
    joints = sim.sim.data.qpos[motors.qpos_adr]
    assert np.max(np.abs(joints - hold)) < 0.1
    assert seen_ticks == sorted(seen_ticks) and len(truth.take(64)) > 0
    # each state is stamped with the robot's clock at its tick, 2 ms per tick, whenever it was written (a loop
    # held up for over 20 ms restarts its clock from then: the few pairs across such a gap do not count)
    spacing = [(b_stamp - a_stamp) / (b_tick - a_tick) for (a_tick, a_stamp), (b_tick, b_stamp) in itertools.pairwise(stamps)]
    on_the_clock = [abs(s - 2e6) < 1e3 for s in spacing]
    assert len(spacing) > 100 and sum(on_the_clock) >= 0.95 * len(spacing)


def test_command_ages_are_read_as_percentiles_of_robot_time():
    counts = np.zeros(64, dtype=np.int64)
    counts[1], counts[3], counts[9] = 90, 8, 2  # 2 ms for 90 steps, 6 ms for 8, 18 ms for 2
    ages = command_age_summary(counts, 0.002)
    assert ages["command_age_p50_ms"] == 2.0 and ages["command_age_p95_ms"] == 6.0
    assert ages["command_age_p99_ms"] == 18.0 and ages["command_age_max_ms"] == 18.0
    assert ages["steps_on_commands_over_10ms"] == pytest.approx(0.02)
    assert command_age_summary(np.zeros(64, dtype=np.int64), 0.002)["command_age_p50_ms"] is None


def test_robot_sim_without_a_controller_says_so(plant, reference):
    config = RobotSimConfig(duration=1.0, dds=DdsConfig("lo", 62), wait_for_command=0.3)
    sim = RobotSim(plant, reference, BalanceTask().fall_test(plant, G1), "pelvis", config, log=None)
    with pytest.raises(ConfigError, match=r"no valid rt/lowcmd within 0\.3 s"):
        sim.run()


def test_dds_config_names_a_missing_interface():
    with pytest.raises(ConfigError, match="--interface: no network interface 'nosuch0'"):
        DdsConfig("nosuch0", 0)
    with pytest.raises(ConfigError, match="--domain"):
        DdsConfig("lo", 300)
