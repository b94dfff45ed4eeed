"""The planner in its own process (``deploy --planner_process on``): a real precompiled controller in a spawned
child plans exactly what the same controller plans in this process, and a child that fails or dies says so."""

import os
import signal

import numpy as np
import pytest

from g1mpc.cli import _model_path, build_parser, run_config_from_args
from g1mpc.planning.plan import hold_plan
from g1mpc.precompiled.aot import prepare_precompiled
from g1mpc.precompiled.controller_loader import PrecompiledController, load_precompiled_controller
from g1mpc.running.planner_process import PlannerProcess, PlannerProcessError

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
    here = _plans(assembly.controller(params), assembly, initial)
    with PlannerProcess(load_precompiled_controller, spec, spec.config.controller, assembly.spec.plant_dt) as remote:
        assert remote.pid != os.getpid() and remote.active_samples == 8
        there = _plans(remote, assembly, initial)
        for a, b in zip(here, there):
            assert (a.start_time, a.state_time) == (b.start_time, b.state_time)
            np.testing.assert_allclose(b.controls, a.controls, atol=1e-6)
            np.testing.assert_allclose(b.knots, a.knots, atol=1e-6)
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
