"""--num_samples auto: the sample count sized to this machine from timed rollouts, cached per machine and settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.config import RunConfig
from g1mpc.running.sizing import PlantBeside, choose_num_samples, elites_for, measure_rollouts, size_num_samples, sizing_key

ROOT = Path(__file__).resolve().parents[1]


def test_the_largest_count_that_fits_is_chosen():
    times = {8: 3.0, 16: 5.5, 24: 8.1, 32: 11.0}
    assert choose_num_samples(times, 8.1) == 24
    assert choose_num_samples(times, 100.0) == 32
    assert choose_num_samples(times, 1.0) == 8  # nothing fits: the smallest measured
    assert choose_num_samples({8: 3.0, 16: 5.5, 24: 8.5, 32: 8.0}, 8.1) == 16  # 32 read faster than 24: noise
    assert elites_for(24, 64, 8) == 3 and elites_for(8, 64, 8) == 2 and elites_for(2, 64, 8) == 2


def test_rollout_time_grows_with_the_batch_and_measuring_stops_past_the_budget(small_assembly):
    a = small_assembly
    noise = np.full(a.spec.nu, 0.1)
    times = measure_rollouts(a.rollout, a.reference.qpos[0], a.reference.ctrl[0], a.spec.horizon_steps, noise,
                             budget_ms=1e6, candidates=(4, 64), repeats=3, min_seconds=0.0)
    assert set(times) == {4, 64} and times[64] > times[4] > 0
    stopped = measure_rollouts(a.rollout, a.reference.qpos[0], a.reference.ctrl[0], a.spec.horizon_steps, noise,
                               budget_ms=1e-6, candidates=(4, 64), repeats=1, min_seconds=0.0)
    assert list(stopped) == [4]


def test_each_count_is_timed_for_at_least_min_seconds_so_a_bursty_neighbour_is_always_seen(small_assembly):
    import time

    a = small_assembly
    tic = time.perf_counter()
    measure_rollouts(a.rollout, a.reference.qpos[0], a.reference.ctrl[0], a.spec.horizon_steps, np.full(a.spec.nu, 0.1),
                     budget_ms=1e6, candidates=(4, 8), repeats=1, min_seconds=0.25)
    assert time.perf_counter() - tic >= 0.5  # two counts, each timed for at least 0.25 s (one call alone takes ~1 ms)


def test_the_rollouts_are_timed_beside_a_plant_stepping_in_wall_clock_time(plant, reference):
    """The plant thread's load during the measurement: it steps the real G1 from the reference's first state and
    holds the real-time loop's interpreter switch interval while it runs."""
    import sys
    import time

    before = sys.getswitchinterval()
    with PlantBeside(plant, reference.qpos[0], reference.ctrl[0]) as beside:
        assert sys.getswitchinterval() == pytest.approx(2e-4)
        time.sleep(0.3)
    assert sys.getswitchinterval() == before
    assert beside.steps > 0 and beside.state[0] == pytest.approx(beside.steps * plant.opt.timestep)
    assert beside.state[0] <= 0.3 + 10 * plant.opt.timestep  # never ahead of wall-clock time
    assert beside.state[1][2] > 0.6  # the servos hold it up: a plant, not a falling body


def test_a_sizing_is_measured_once_per_machine_and_settings(tmp_path):
    cache = tmp_path / "sizing.json"
    config = RunConfig(frequency=200.0, plan_horizon=0.2, controller=ControllerConfig(mode="hybrid"))
    preset = {"num_samples": 64, "num_elites": 8}
    first, reused = size_num_samples(config, 2, preset, cache)
    assert not reused and first.num_samples in first.rollout_p95_ms
    assert first.rollout_p95_ms[first.num_samples] <= first.budget_ms or first.num_samples == min(first.rollout_p95_ms)
    assert first.budget_ms == pytest.approx(0.8 * 1e3 / 200.0)
    again, reused = size_num_samples(config, 2, preset, cache)
    assert reused and again == first
    other, reused = size_num_samples(RunConfig(frequency=100.0, plan_horizon=0.2), 2, preset, cache)
    assert not reused and other.key != first.key and other.budget_ms == pytest.approx(8.0)
    deployed, reused = size_num_samples(config, 2, preset, cache, context="deploy")  # deploy measures its own
    assert not reused and deployed.key not in (first.key, other.key)
    assert set(json.loads(cache.read_text())) == {first.key, other.key, deployed.key}
    cache.write_text("{not json")  # a damaged cache is measured again and rewritten
    _, reused = size_num_samples(config, 2, preset, cache)
    assert not reused and first.key in json.loads(cache.read_text())


def test_runs_that_differ_only_in_their_servo_gains_are_sized_apart():
    config = RunConfig(controller=ControllerConfig(mode="hybrid"))
    keys = {sizing_key(RunConfig(controller=config.controller, gains=g), 2) for g in ("model", "motor", "unitree")}
    assert len(keys) == 3
    assert sizing_key(config, 2) == sizing_key(RunConfig(controller=ControllerConfig(mode="hybrid")), 2)


def _run(tmp_path, *flags):
    report = tmp_path / "run.json"
    out = subprocess.run([sys.executable, "run_policy.py", "--cem_only", "--headless", "--no_realtime", "--duration", "0.1",
                          "--plan_horizon", "0.2", "--frequency", "200", "--warmup", "1", "--sizing_cache", str(tmp_path / "s.json"),
                          "--report", str(report), *flags], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout, json.loads(report.read_text())


def test_auto_is_the_cpu_default_printed_and_reported_and_an_explicit_count_wins(tmp_path):
    stdout, report = _run(tmp_path)
    sizing = report["flags"]["sizing"]
    assert "--num_samples auto:" in stdout and sizing["reused"] is False
    assert report["config"]["controller"]["num_samples"] == sizing["num_samples"]
    assert f"samples {sizing['num_samples']}, " in stdout
    assert report["config"]["controller"]["num_elites"] == sizing["num_elites"]
    stdout, report = _run(tmp_path)
    assert report["flags"]["sizing"]["reused"] is True and "reused" in stdout
    stdout, report = _run(tmp_path, "--num_samples", "12", "--num_elites", "3")
    assert report["flags"]["sizing"] is None and "--num_samples auto" not in stdout
    assert report["config"]["controller"]["num_samples"] == 12


def test_g1mpc_sizing_cache_moves_the_default_cache_so_the_suite_keeps_the_users_clean(tmp_path):
    cache = tmp_path / "elsewhere.json"
    code = ("from g1mpc.cli import build_parser; "
            "print(build_parser().parse_args(['run', '--cem_only']).sizing_cache)")
    env = {**os.environ, "G1MPC_SIZING_CACHE": str(cache)}
    moved = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    assert moved.stdout.strip() == str(cache)
    env.pop("G1MPC_SIZING_CACHE")
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    assert plain.stdout.strip() == "exported_models/sizing.json"
