"""The planner in its own process (``deploy --planner_process on``): a real precompiled controller in a spawned
child plans exactly what the same controller plans in this process, and a child that fails or dies says so."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from g1mpc.cli import _model_path, build_parser, run_config_from_args
from g1mpc.planning.plan import hold_plan
from g1mpc.precompiled.aot import prepare_precompiled
from g1mpc.precompiled.controller_loader import PrecompiledController, load_precompiled_controller
from g1mpc.running.clips import clip_menu
from g1mpc.running.planner_process import PlannerProcess, PlannerProcessError
from tests.helpers import ROOT

SMALL = ["--num_samples", "8", "--num_elites", "2", "--seed", "3"]


def _failing_loader(spec):
    raise FileNotFoundError(f"no build for {spec}")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """(spec, in-process assembly, params) of a small precompiled build in a fresh folder."""
    args = build_parser().parse_args(["deploy", *SMALL, "--precompiled_dir", str(tmp_path_factory.mktemp("pre"))])
    config = run_config_from_args(args, "hybrid")
    assembly, params, _ = prepare_precompiled(config, _model_path(args), args.precompiled_dir, log=lambda line: None)
    yield PrecompiledController(config, str(_model_path(args)), args.precompiled_dir, nthread=2), assembly, params
    assembly.close()


def _plans(controller, assembly, initial_ctrl):
    """Three consecutive plans from the clip's first poses, each 6 plant steps ahead of its state (as the
    latency compensation plans), under a held plan's targets meanwhile."""
    held = hold_plan(initial_ctrl, 0.0, assembly.spec.plant_dt)
    applied = lambda t, steps, dt: np.stack([held.control_at(t + k * dt) for k in range(steps)])
    controller.reset(initial_ctrl)
    out = []
    for i, t in enumerate((0.0, 0.02, 0.04)):
        qpos, qvel = assembly.reference.qpos[i].copy(), np.zeros(assembly.plant.nv)
        plan, timing = controller.replan(t, qpos, qvel, start_time=t + 6 * assembly.spec.plant_dt, applied=applied)
        assert timing.total > 0
        out.append(plan)
    return out


def test_the_child_plans_what_the_same_controller_plans_here(build):
    spec, assembly, params = build
    initial = assembly.reference.ctrl[0].copy()
    motion = clip_menu(assembly)["generated motion 3"]()
    weights = np.full(len(spec.config.task.weight_values()), 2.0)
    local = assembly.controller(params)
    here = _plans(local, assembly, initial)
    local.tune(weights, 0.5)
    local.use_reference(motion, 0.0)
    here += _plans(local, assembly, initial)
    with PlannerProcess(load_precompiled_controller, spec, spec.config.controller, assembly.spec.plant_dt,
                        assembly.arrays) as remote:
        assert remote.pid != os.getpid() and remote.active_samples == 8
        there = _plans(remote, assembly, initial)
        remote.tune(weights, 0.5)  # the live tuning and a clip switch reach the child, and the copy here follows
        remote.use_reference(motion, 0.0)
        there += _plans(remote, assembly, initial)
        assert remote.pushed == local.pushed  # how pushed the last state counted reaches --calm_samples here
        assert float(remote.arrays.noise_scale) == 0.5 and int(remote.arrays.frame_count) == int(local.arrays.frame_count)
        np.testing.assert_array_equal(np.asarray(remote.arrays.ref_qpos), np.asarray(local.arrays.ref_qpos))
        for a, b in zip(here, there):
            assert (a.start_time, a.state_time) == (b.start_time, b.state_time)
            np.testing.assert_allclose(b.controls, a.controls, atol=1e-6)
            np.testing.assert_allclose(b.knots, a.knots, atol=1e-6)
        assert np.max(np.abs(here[0].controls - here[3].controls)) > 1e-3  # the tuning and clip changed the plans
        remote.set_active_samples(4)
        assert remote.active_samples == 4
        with pytest.raises(PlannerProcessError, match="active samples must be between"):
            remote.set_active_samples(1)  # the child's own check, raised here; the child stays
        remote.set_active_samples(None)
        assert remote.active_samples == 8
        # the child dies (killed): the next plan says so instead of waiting for ever
        os.kill(remote.pid, signal.SIGKILL)
        with pytest.raises(PlannerProcessError, match=r"exited|gone"):
            remote.replan(0.0, assembly.reference.qpos[0].copy(), np.zeros(assembly.plant.nv))


def test_a_child_that_cannot_load_its_controller_says_why(build):
    spec, assembly, _ = build
    with pytest.raises(PlannerProcessError, match="FileNotFoundError: no build for"):
        PlannerProcess(_failing_loader, "this spec", spec.config.controller, assembly.spec.plant_dt)


@pytest.mark.slow
def test_run_aot_plans_the_same_controls_with_the_planner_in_its_own_process(build, tmp_path):
    """The synchronous precompiled run, in this process and with --planner_process on: the same servo targets."""
    spec, _, _ = build
    ctrl = {}
    for mode in ("off", "on"):
        report = tmp_path / f"{mode}.json"
        out = subprocess.run([sys.executable, "run_policy_aot.py", *SMALL, "--headless", "--no_realtime", "--duration", "0.3",
                              "--warmup", "1", "--precompiled_dir", spec.precompiled_dir, "--planner_process", mode,
                              "--report", str(report)], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        assert ("planner in its own process" in out.stdout) == (mode == "on")
        ctrl[mode] = np.array([c["ctrl"] for c in json.loads(report.read_text())["cycles"]])
    assert ctrl["on"].shape == ctrl["off"].shape == (15, 29)
    np.testing.assert_allclose(ctrl["on"], ctrl["off"], atol=1e-6)
