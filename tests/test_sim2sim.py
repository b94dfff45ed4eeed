"""Sim-to-sim on the loopback interface, two real processes: ``g1mpc robot-sim`` (the G1 behind
rt/lowstate and rt/lowcmd) and ``g1mpc deploy`` (the hybrid controller behind the same topics)."""

import json
import signal
import subprocess
import sys
import time

import pytest

from g1mpc.planning.backends.native import usable_cores
from tests.helpers import ROOT

pytestmark = [
    pytest.mark.slow,
    # Two real-time processes (the robot-sim steps the G1 at 500 Hz in Python; deploy plans at 50 Hz): docs/g1.md runs
    # them on two cores. Sharing one (taskset -c 0), deploy planned 8 samples at 16-24 Hz, 40-60 ms late, and the G1
    # fell standing or drifted off the clip: the machine, not the interface these tests check.
    pytest.mark.skipif(usable_cores() < 2, reason="sim-to-sim needs two cores, one per real-time process; this process may use one"),
]
# A core for the robot-sim (as the sim-to-sim benchmark), and samples sized to what is left: a fixed count that does
# not fit a slow machine (24 on one core: 9 plans a second, 90 ms late) lets the G1 fall standing, which is the
# machine's speed, not the interface this file tests; the fall rates under pushes are bench_sim2sim.py's.
# Calm plans halve the count as before the floor of eight (--calm_floor 0), the setting these tests ran with on every
# machine so far: over DDS the floor is unmeasured. (On a host twice as slow the first test fell at 150 N now and then
# either way: with the floor once in two runs, with the halving once in three.)
SMALL = ["--num_samples", "auto", "--nthread", "1", "--calm_floor", "0"]


def _holding_still_rms(seconds: float) -> float:
    """Joint RMS (rad) a G1 holding the default clip's first pose would show against the clip over ``seconds``."""
    import numpy as np

    from g1mpc.robots.g1 import G1
    from g1mpc.robots.models import load_plant_model
    from g1mpc.running.assembly import default_reference
    from g1mpc.running.sim import joint_rms
    from g1mpc.tasks.balance import BalanceTask

    clip = default_reference(load_plant_model(G1, "as_built"), G1, BalanceTask())
    frames = np.arange(int(seconds * clip.fps)) % len(clip.qpos)
    return float(np.sqrt(np.mean([joint_rms(clip.qpos[0], clip.qpos[i]) ** 2 for i in frames])))


def _robot_sim(tmp_path, domain: int, *flags: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "g1mpc", "robot-sim", "--domain", str(domain), "--wait", "240",
                             "--report", str(tmp_path / "robot.json"), *flags],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _deploy(tmp_path, domain: int, *flags: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "g1mpc", "deploy", "--domain", str(domain), *SMALL,
                             "--precompiled_dir", str(tmp_path / "pre"), "--sizing_cache", str(tmp_path / "sizing.json"),
                             "--report", str(tmp_path / "deploy.json"), *flags],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_line(proc: subprocess.Popen, prefix: str, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    for line in proc.stdout:
        if line.startswith(prefix) or time.time() > deadline:
            return
    raise AssertionError(f"the process ended before printing {prefix!r}: {proc.stderr.read()[-2000:]}")


def _finish(proc: subprocess.Popen, timeout: float = 120) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
    return out


def test_g1_stands_tracks_and_survives_150N_pushes_over_dds(tmp_path):
    robot = _robot_sim(tmp_path, 71, "--duration", "20", "--push_force", "150", "--push_interval", "8", "--seed", "3")
    deploy = _deploy(tmp_path, 71)
    _finish(robot, timeout=400)
    out = _finish(deploy)
    robot_report = json.loads((tmp_path / "robot.json").read_text())
    robot_summary = robot_report["summary"]
    assert robot_report["plant"]["name"] == "as_built"  # the robot-sim is the G1 as built, not the planner's model
    deploy_report = json.loads((tmp_path / "deploy.json").read_text())
    s = deploy_report["summary"]
    assert robot_summary["stopped_by"] == "duration" and robot_summary["falls"] == 0
    assert len(robot_summary["push_times"]) == 2  # pushed at 8 and 16 s
    # it tracked the clip: well under what holding the start pose would give (0.145 rad). On a host twice as slow as
    # those before, with two benchmarks on its cores, it tracked with 0.058 rad: how closely is the machine's speed.
    assert robot_summary["joint_rms_rad"] < 0.5 * _holding_still_rms(20.0)
    assert robot_summary["rejected_crc"] == 0 and robot_summary["commands_applied"] > 1000
    assert s["safety_actions"] == ["stale state"]  # only the robot-sim's end; no divergence, nothing else
    assert s["cycles"] > 200 and s["estimator_samples"] > 100
    assert s["estimator_height_rms_m"] < 0.02 and s["estimator_speed_error_rms_mps"] < 0.2
    # each loop's thread reports its CPU: some share of a core, never more than the whole core
    assert 0 < s["command_loop_cpu_share"] <= 1.0 and 0 < robot_summary["loop_cpu_share"] <= 1.0
    assert "[safety]" in out and "stale state" in out


def test_controller_damps_when_the_robot_dies_mid_run(tmp_path):
    robot = _robot_sim(tmp_path, 72, "--duration", "60")
    deploy = _deploy(tmp_path, 72)
    _wait_for_line(deploy, "t=  2")  # the controller has run two seconds
    robot.kill()
    robot.wait(timeout=30)
    started = time.time()
    out = _finish(deploy)
    assert time.time() - started < 30
    s = json.loads((tmp_path / "deploy.json").read_text())["summary"]
    assert s["safety_actions"] == ["stale state"] and not s["interrupted"]
    assert "no rt/lowstate for 50 ms: damping" in out


def test_sigterm_sends_damping_before_the_controller_exits(tmp_path):
    """Also with a command every other state (--command_every 2): half as many commands, each state still read."""
    robot = _robot_sim(tmp_path, 73, "--duration", "12")
    deploy = _deploy(tmp_path, 73, "--command_every", "2")
    _wait_for_line(deploy, "t=  2")
    deploy.send_signal(signal.SIGTERM)
    _finish(deploy)
    _finish(robot, timeout=120)
    s = json.loads((tmp_path / "deploy.json").read_text())["summary"]
    assert s["interrupted"] and s["safety_actions"] == ["interrupted"]
    assert s["states_received"] > 900  # two seconds and more at 500 Hz
    assert 0.4 < s["commands_sent"] / s["states_received"] < 0.6  # one command per two states (and ten damping ones)
    robot_summary = json.loads((tmp_path / "robot.json").read_text())["summary"]
    assert robot_summary["damping_commands_applied"] > 0


def test_lockstepped_runs_of_a_seed_are_the_same_to_the_last_digit(tmp_path):
    """robot-sim --lockstep and deploy --lockstep: no wall clock between them, so the run is the synchronous loop's
    over DDS; every command is one tick old when applied, and a second run of the seed repeats the first exactly."""
    summaries = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        out.mkdir()
        robot = _robot_sim(out, 74, "--duration", "2", "--push_force", "150", "--push_interval", "0.8", "--seed", "5",
                           "--lockstep")
        deploy = subprocess.Popen([sys.executable, "-m", "g1mpc", "deploy", "--domain", "74", "--lockstep", "--latency_ms", "20",
                                   "--num_samples", "8", "--num_elites", "2", "--nthread", "1",
                                   "--precompiled_dir", str(tmp_path / "pre"), "--report", str(out / "deploy.json")],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _finish(robot, timeout=400)
        _finish(deploy)
        summaries.append((json.loads((out / "robot.json").read_text())["summary"],
                          json.loads((out / "deploy.json").read_text())["summary"]))
    (robot_a, deploy_a), (robot_b, deploy_b) = summaries
    assert robot_a["stopped_by"] == "duration" and robot_a["steps"] == 1000 and len(robot_a["push_times"]) == 2
    assert robot_a["command_age_p50_ms"] == robot_a["command_age_max_ms"] == 2.0  # each answer applied the next tick
    assert deploy_a["latency_p50_ms"] == pytest.approx(20.0) and deploy_a["latency_p95_ms"] == pytest.approx(20.0)
    assert robot_a["joint_rms_rad"] == robot_b["joint_rms_rad"]  # the same run, to the last digit
    # and the controller made the same plans (the estimator's error against the debug truth is not compared: which
    # truth samples have arrived when it is measured is DDS's timing)
    assert deploy_a["cycles"] == deploy_b["cycles"] and deploy_a["samples_by_cycles"] == deploy_b["samples_by_cycles"]
    assert deploy_a["torque_clamps"] == deploy_b["torque_clamps"] and deploy_a["joint_rms_rad"] == deploy_b["joint_rms_rad"]
