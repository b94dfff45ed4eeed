"""Faults in the loop: non-finite plans, a diverging plant, SIGTERM mid-run; fuzzed loaders and flags."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g1mpc.common.errors import UserError
from g1mpc.running.sim import SimConfig

ROOT = Path(__file__).resolve().parents[1]


class _Timing:
    total = nn = cem = other = 0.0


class NaNEveryThirdCycle:
    """A planner that returns non-finite controls on every third cycle, reference targets otherwise."""

    def __init__(self, reference):
        self.reference, self.calls, self.resets = reference, 0, 0

    def plan(self, t, qpos, qvel):
        self.calls += 1
        ctrl = np.repeat(self.reference.ctrl[int(t * self.reference.fps) % len(self.reference.ctrl)][None], 10, 0)
        if self.calls % 3 == 0:
            ctrl[:, 4] = np.nan
        return ctrl, _Timing()

    def reset(self, *args):
        self.resets += 1


def test_non_finite_plans_are_replaced_and_counted(small_assembly):
    a = small_assembly
    planner = NaNEveryThirdCycle(a.reference)
    sim = a.simulation(SimConfig(duration=0.6, realtime=False, print_every=0))
    result = sim.run(planner, log=None)
    assert len(result.cycles) == 30
    assert result.planner_faults == 10 and planner.resets == 10
    assert not result.falls and np.all(np.isfinite(sim.data.qpos))
    assert all(np.all(np.isfinite(c.ctrl)) for c in result.cycles)


def test_diverging_plant_is_detected_and_reset(small_assembly):
    """A plant that really blows up (negative joint damping): MuJoCo resets it, the run counts a plant fault
    and a fall each time, resets to the reference and goes on."""
    import copy

    from g1mpc.running.sim import Simulation

    a = small_assembly
    unstable = copy.deepcopy(a.plant)
    unstable.dof_damping[6:] = -1e3

    class Hold:
        def plan(self, t, qpos, qvel):
            return np.repeat(a.reference.ctrl[0][None], 10, axis=0), _Timing()

        def reset(self, *args):
            pass

    sim = Simulation(unstable, a.reference, SimConfig(duration=0.2, realtime=False, print_every=0, reset_on_fall=True),
                     frequency=50.0, fall_test=a.config.task.fall_test(unstable, a.robot), push_body="pelvis")
    logged = []
    result = sim.run(Hold(), log=logged.append)
    assert result.plant_faults >= 1 and len(result.falls) >= result.plant_faults
    assert any("the plant diverged" in line for line in logged)
    assert len(result.cycles) == 10  # reset_on_fall: the run goes on to its end
    # the same controls on the shipped plant: no fault at all, so the faults above are the divergence
    steady = a.simulation(SimConfig(duration=0.2, realtime=False, print_every=0)).run(Hold(), log=None)
    assert steady.plant_faults == 0 and steady.falls == []


def test_sigterm_mid_run_writes_a_valid_partial_report(tmp_path):
    report = tmp_path / "run.json"
    proc = subprocess.Popen(
        [sys.executable, "run_policy.py", "--cem_only", "--headless", "--loop", "sync", "--duration", "60", "--num_samples", "4",
         "--num_elites", "2", "--plan_horizon", "0.1", "--report", str(report)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.time() + 120
    for line in proc.stdout:  # wait until the loop is running (first rolling line)
        if line.startswith("t=") or time.time() > deadline:
            break
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    data = json.loads(report.read_text())
    assert data["summary"]["interrupted"] is True
    assert 0 < data["summary"]["cycles"] < 3000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=400))
def test_fuzzed_reference_bytes_fail_cleanly(tmp_path_factory, plant, payload):
    from g1mpc.motion.reference import load_reference
    from g1mpc.robots.g1 import G1

    path = tmp_path_factory.mktemp("fuzz") / "ref.npz"
    path.write_bytes(payload)
    try:
        load_reference(path, plant, G1)
    except UserError as exc:
        assert "ref.npz" in str(exc) and "\n" not in str(exc)


_QPOS = st.one_of(
    st.tuples(st.integers(0, 4), st.sampled_from([36, 35, 50])).map(lambda s: np.zeros(s)),  # rows, widths
    st.just(np.zeros(36)), st.just(np.zeros((2, 36, 1))), st.just(np.array(["a", "b"])),
    st.just(np.array([{"x": 1}], dtype=object)),  # needs pickle: must be refused, not unpickled
)
_FPS = st.sampled_from([30.0, 0.0, -5.0, float("nan"), float("inf")]) | st.just(np.array([30.0, 60.0]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qpos=_QPOS, fps=_FPS, keys=st.sampled_from([("qpos", "fps"), ("qpos",), ("fps",), ("qpos", "fps", "extra")]),
       poison=st.sampled_from([None, np.nan, np.inf]))
def test_fuzzed_reference_arrays_load_or_fail_with_one_line(tmp_path_factory, plant, qpos, fps, keys, poison):
    """Well-formed .npz files whose arrays are wrong in shape, dtype, value or presence."""
    from g1mpc.motion.reference import load_reference
    from g1mpc.robots.g1 import G1

    qpos = qpos.copy()
    if poison is not None and qpos.dtype.kind == "f" and qpos.size:
        qpos.flat[qpos.size // 2] = poison
    arrays = {"qpos": qpos, "fps": np.asarray(fps), "extra": np.ones(3)}
    path = tmp_path_factory.mktemp("fuzz") / "ref.npz"
    np.savez(path, **{k: arrays[k] for k in keys})
    try:
        ref = load_reference(path, plant, G1)
    except UserError as exc:
        assert "ref.npz" in str(exc) and "\n" not in str(exc) and str(exc).startswith("--reference: ")
        return
    assert ref.qpos.shape[1] == plant.nq and len(ref.qpos) >= 1 and np.all(np.isfinite(ref.qpos)) and ref.fps > 0


@settings(max_examples=60, deadline=None)
@given(
    samples=st.integers(-3, 40), elites=st.integers(-3, 50), knots=st.integers(-1, 8),
    horizon=st.floats(-1, 2) | st.just(float("nan")), frequency=st.floats(-10, 200) | st.just(float("nan")),
    spline=st.sampled_from(["zero", "linear", "cubic"]),
)
def test_fuzzed_flags_are_accepted_or_rejected_with_one_line(samples, elites, knots, horizon, frequency, spline):
    from g1mpc.cli import build_parser, run_config_from_args

    args = build_parser().parse_args(["run", "--spline", spline, "--sigma_start", "0.05", "--sigma_min", "0.01"])
    args.num_samples, args.num_elites, args.num_knots, args.plan_horizon, args.frequency = samples, elites, knots, horizon, frequency
    try:
        run_config_from_args(args, "cem")
    except UserError as exc:
        assert str(exc).startswith("--") and "\n" not in str(exc)
        return
    assert 2 <= samples and 1 <= elites <= samples and horizon >= 0.02 and frequency > 0
    assert knots >= (1 if spline == "zero" else 2)


@pytest.mark.slow
def test_sigterm_during_collect_keeps_finished_shards_valid(tmp_path):
    from g1mpc.learning.dataset import load_dataset

    out = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "g1mpc", "collect", "--out", str(out), "--episodes", "50", "--episode_duration", "0.5",
         "--num_samples", "4", "--num_elites", "2", "--plan_horizon", "0.1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.time() + 180
    while not list(out.glob("shard-*.npz")) and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 130), err[-2000:]
    shards = sorted(out.glob("shard-*.npz"))
    assert 1 <= len(shards) < 50
    assert not list(out.glob("*.tmp"))
    features, knots, _ = load_dataset(out)  # every shard left behind loads
    assert len(features) == len(shards)
