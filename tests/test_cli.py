import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from g1mpc.cli import main


def _err(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    return code, err


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--cem_only", "--num_samples", "8", "--num_elites", "9"], "--num_elites"),
        (["--cem_only", "--spline", "cubic", "--num_knots", "1"], "--num_knots"),
        (["--cem_only", "--frequency", "0"], "--frequency"),
        (["--cem_only", "--frequency", "-5"], "--frequency"),
        (["--cem_only", "--plan_horizon", "0.01"], "--plan_horizon"),
        (["--cem_only", "--robot", "no_such_robot"], "--robot"),
        (["--cem_only", "--reference", "/nonexistent/ref.npz"], "--reference"),
        (["--model_path", "/nonexistent/model.ckpt"], "--model_path"),
        (["--cem_only", "--mjx_contacts", "hands"], "--mjx_contacts"),
        (["--cem_only", "--frequency", "abc"], "--frequency"),
        (["--hybrid", "--robot", "apollo"], "--robot apollo"),  # no network ships for the Apollo
        (["--cem_only", "--planner_iterations", "0"], "--planner_iterations"),
        (["--cem_only", "--planner_dt", "-0.01"], "--planner_dt"),
        (["--cem_only", "--planner_contacts", "hands"], "--planner_contacts"),
        (["--cem_only", "--backend", "mjx", "--planner_model", "legacy"], "--planner_contacts all"),
        (["--cem_only", "--mjx_unroll", "0"], "--mjx_unroll"),
        (["--cem_only", "--planner_dt", "0.04", "--planner_far_dt", "0.02"], "--planner_far_dt"),
        (["--cem_only", "--planner_far_dt", "0.04", "--planner_far_after", "0.001"], "--planner_far_after"),
        (["--cem_only", "--antithetic", "yes"], "--antithetic"),
        (["--cem_only", "--planner_frictionloss", "-1"], "--planner_frictionloss"),
        (["--cem_only", "--calm_floor", "-1"], "--calm_floor"),
        (["--cem_only", "--planner_hull_vertices", "2"], "--planner_hull_vertices"),
        (["--cem_only", "--planner_solver", "newtonian"], "--planner_solver"),
        (["--cem_only", "--backend", "mjx", "--planner_solver", "pgs"], "--planner_solver pgs"),
    ],
)
def test_bad_flags_give_one_line_and_exit_2(capsys, argv, flag):
    code, err = _err(capsys, ["run", "--headless", "--duration", "0.1", *argv])
    assert code == 2
    assert err.startswith("error: ") and flag in err
    assert len(err.splitlines()) == 1


def test_deploy_refuses_an_unknown_servo_plant_before_loading_anything(capsys):
    code, err = _err(capsys, ["deploy", "--servo_plant", "no_such_build", "--wait", "0.1"])
    assert code == 2 and err.startswith("error: --servo_plant") and len(err.splitlines()) == 1


def test_deploy_refuses_a_plan_latency_outside_lockstep_before_loading_anything(capsys):
    code, err = _err(capsys, ["deploy", "--latency_ms", "30", "--wait", "0.1"])
    assert code == 2 and err.startswith("error: deploy --latency_ms is for --lockstep") and len(err.splitlines()) == 1


def test_reference_with_wrong_width_names_file_and_nq(tmp_path, capsys):
    path = tmp_path / "ref.npz"
    np.savez(path, qpos=np.zeros((10, 20)), fps=30.0)
    code, err = _err(capsys, ["run", "--cem_only", "--headless", "--reference", str(path)])
    assert code == 2 and str(path) in err and "nq=36" in err


def test_non_finite_reference_is_rejected(tmp_path, capsys):
    path = tmp_path / "ref.npz"
    q = np.zeros((10, 36))
    q[3, 5] = np.nan
    np.savez(path, qpos=q, fps=30.0)
    code, err = _err(capsys, ["run", "--cem_only", "--headless", "--reference", str(path)])
    assert code == 2 and "non-finite" in err


def test_script_exits_nonzero_without_traceback():
    out = subprocess.run(
        [sys.executable, "run_policy.py", "--cem_only", "--num_samples", "4", "--num_elites", "5"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == ["error: --num_elites must be between 1 and --num_samples (4)"]


def test_reference_round_trip(tmp_path, capsys, plant):
    from g1mpc.motion.reference import load_reference
    from g1mpc.robots.g1 import G1

    path = tmp_path / "clip.npz"
    assert main(["reference", "--out", str(path)]) == 0
    ref = load_reference(path, plant, G1)
    from g1mpc.robots.models import actuated_qpos_indices
    from g1mpc.tasks.balance import BalanceTask

    generated, fps = BalanceTask().reference_clip(plant, G1)
    assert ref.fps == fps == 30.0
    np.testing.assert_array_equal(ref.qpos, generated)  # the file holds the clip, value for value
    np.testing.assert_array_equal(ref.ctrl, generated[:, actuated_qpos_indices(plant)])
    assert np.ptp(ref.qpos[:, 7:], axis=0).max() > 0.5  # a moving clip, not a constant pose


def _run_config(*flags: str, mode: str = "cem"):
    """The RunConfig ``g1mpc run FLAGS`` builds."""
    from g1mpc.cli import build_parser, run_config_from_args

    return run_config_from_args(build_parser().parse_args(["run", *flags]), mode)


def test_planner_model_flags_reach_the_planner_model_config():
    from g1mpc.common.errors import ConfigError
    from g1mpc.robots.models import PLANNER_MODELS, PlannerModelConfig

    parse = lambda *flags: _run_config(*flags).planner_model
    assert parse("--preset", "expert") == parse("--robot", "t1") == PlannerModelConfig() == PLANNER_MODELS["coarse"]
    # the G1's cpu preset plans at the finer step (docs/realtime.md, "The 0.02 s step by default") without joint
    # friction ("A planner model without joint friction") and with the PGS solver ("The planner's constraint solver")
    frictionless = replace(PLANNER_MODELS["coarse"], frictionloss=0.0)
    preset = replace(frictionless, solver="pgs")
    assert parse() == replace(preset, timestep=0.02) and parse("--planner_dt", "0.04") == preset
    assert parse("--planner_frictionloss", "0.3").frictionloss == 0.3  # the plant's, as before
    # ... but not under Unitree's soft servos, where the samples matter more (and the Newton solver: with PGS the sizing overshoots there)
    # (docs/plants.md, "The planner's step under Unitree's gains")
    assert parse("--gains", "unitree") == frictionless and parse("--gains", "motor") == parse()
    assert parse("--gains", "unitree", "--planner_dt", "0.02").timestep == 0.02
    assert parse("--backend", "mjx") == PLANNER_MODELS["coarse_feet"]  # MJX lacks mesh-mesh contacts
    assert parse("--planner_model", "legacy") == replace(PLANNER_MODELS["legacy"], frictionloss=0.0, solver="pgs") != preset
    for value in ("feet", "floor"):  # the old flag name still works
        assert parse("--backend", "mjx", "--mjx_contacts", value).contacts == value
    legacy_coarse_steps = parse("--planner_model", "legacy", "--planner_dt", "0.04", "--planner_iterations", "2",
                                "--planner_ls_iterations", "5")
    assert (legacy_coarse_steps.timestep, legacy_coarse_steps.iterations, legacy_coarse_steps.ls_iterations,
            legacy_coarse_steps.contacts) == (0.04, 2, 5, "all")
    with pytest.raises(ConfigError, match="--planner_contacts all"):
        _run_config("--backend", "mjx", "--planner_model", "legacy")
    # a step that lengthens over the horizon: off by default, on with --planner_far_dt (docs/realtime.md)
    assert parse().far_timestep is None
    far = parse("--planner_far_dt", "0.04", "--planner_far_after", "0.12")
    assert (far.timestep, far.far_timestep, far.far_after) == (0.02, 0.04, 0.12)
    # colliding meshes reduced to a few of their hull's vertices: off by default (docs/realtime.md)
    assert parse().hull_vertices is None and parse("--planner_hull_vertices", "32").hull_vertices == 32
    assert parse("--planner_solver", "newton").solver == "newton" and parse("--preset", "expert").solver == "newton"


def test_a_robot_can_size_its_own_cpu_preset():
    """The G1 with hands is costlier to roll out: its CPU preset fits 32 samples, not the G1's 64; flags win."""
    def sizes(*flags):
        controller = _run_config(*flags, mode="hybrid").controller
        return controller.num_samples, controller.num_elites

    assert sizes() == (64, 8)
    assert sizes("--robot", "g1_hands") == (32, 4)
    assert sizes("--robot", "g1_hands", "--num_samples", "24") == (24, 4)
    assert sizes("--robot", "g1_hands", "--preset", "expert") == (128, 16)


def test_the_g1_cpu_preset_samples_with_mppi_narrow_when_calm_and_flags_win():
    """The G1's real-time preset refines the network's plan with MPPI, its noise at a quarter while nothing
    pushes; the expert (collect's labels), the other robots and explicit flags keep what they say."""
    from g1mpc.planning.controller import make_planner

    controller = lambda *flags: _run_config(*flags, mode="hybrid").controller
    planner = lambda *flags: controller(*flags).planner

    assert planner() == "mppi"
    assert planner("--planner", "cem") == "cem"
    assert planner("--preset", "expert") == "cem"
    assert planner("--robot", "t1") == planner("--robot", "g1_hands") == "cem"
    assert controller().calm_noise == 0.25 and controller().noise_schedule.active
    assert controller("--calm_noise", "1").calm_noise == 1.0 and not controller("--calm_noise", "1").noise_schedule.active
    assert controller("--preset", "expert").calm_noise == controller("--robot", "t1").calm_noise == 1.0
    # every sample around the held plan (docs/realtime.md, "Sampling around the plan it holds")
    assert controller().anchor_fraction == 1.0 and controller("--anchor_fraction", "0.8").anchor_fraction == 0.8
    assert controller("--preset", "expert").anchor_fraction == controller("--robot", "t1").anchor_fraction == 0.8
    assert controller().calm_anchor_fraction is None and controller("--calm_anchor_fraction", "0.5").calm_anchor_fraction == 0.5
    assert controller("--calm_temperature", "0.03").calm_temperature == 0.03
    # mirrored sample pairs reach the planner from the flag (docs/realtime.md, "Samples in mirrored pairs")
    assert controller("--antithetic", "on").antithetic == "on"
    assert make_planner(controller("--antithetic", "on")).antithetic and not make_planner(controller("--antithetic", "off")).antithetic
    # MPPI's temperature is meant for 16 samples, cooler with more (docs/realtime.md, "MPPI's temperature")
    assert controller().temperature_samples == 16 and controller("--temperature_samples", "0").temperature_samples == 0
    assert controller("--preset", "expert").temperature_samples == controller("--robot", "t1").temperature_samples == 0
    # the push ramps: the speed's by default, the acceleration's an option (docs/realtime.md, "A hard push from its first cycle")
    ramps = lambda *flags: (lambda c: (c.calm_speed, c.pushed_speed, c.calm_accel, c.pushed_accel))(controller(*flags))
    assert ramps("--preset", "expert") == ramps("--robot", "t1") == (0.05, 0.2, 0.0, 0.0)
    assert ramps() == (0.15, 0.3, 0.0, 0.0)  # the G1's pushed ramp starts later (docs/realtime.md, "Fewer samples while calm")
    assert ramps("--gains", "unitree") == (0.05, 0.2, 0.0, 0.0)
    flags = ("--calm_speed", "0.3", "--pushed_speed", "0.8", "--calm_accel", "9", "--pushed_accel", "15")
    assert ramps(*flags) == (0.3, 0.8, 9.0, 15.0)


def test_deploy_plans_with_the_run_commands_noise_schedule_and_push_observer_and_flags_win():
    """deploy's noise schedule and push observer are the in-process runs' (the robot's preset, per gain set); it leaves
    the acceleration ramp off; explicit flags win."""
    from g1mpc.cli import build_parser, run_config_from_args

    controller = lambda *argv: run_config_from_args(build_parser().parse_args(list(argv)), "hybrid").controller
    schedule = lambda *argv: controller(*argv).noise_schedule
    deploy, in_process = schedule("deploy"), schedule("run-aot")
    assert (deploy.calm_speed, deploy.pushed_speed) == (in_process.calm_speed, in_process.pushed_speed) == (0.15, 0.3)
    assert deploy.calm == in_process.calm == 0.25
    unitree = schedule("deploy", "--gains", "unitree")
    assert (unitree.calm_speed, unitree.pushed_speed) == (0.05, 0.2)  # that gain set's preset, as in-process
    assert controller("deploy").push_observer == controller("run-aot").push_observer == "on"
    assert controller("deploy", "--push_observer", "off").push_observer == "off"
    assert deploy.pushed_accel == in_process.pushed_accel == 0.0  # the acceleration ramp: an option
    assert schedule("deploy", "--pushed_accel", "15").pushed_accel == schedule("run-aot", "--pushed_accel", "15").pushed_accel == 15.0
    explicit = schedule("deploy", "--calm_speed", "0.05", "--pushed_speed", "0.2")
    assert (explicit.calm_speed, explicit.pushed_speed) == (0.05, 0.2)


def test_real_time_runs_default_to_the_asynchronous_loop_with_compensation():
    from g1mpc.cli import build_parser, run_options_from_args
    from g1mpc.common.errors import ConfigError

    sim = lambda *flags: run_options_from_args(build_parser().parse_args(["run", *flags])).sim
    assert (sim().loop, sim().compensation, sim().latency) == ("async", "predict", 0.0)
    # the G1's cpu preset rolls out half its samples while calm; other robots, other presets and the flag say otherwise
    assert sim().calm_samples == 0.5 and sim("--calm_samples", "1").calm_samples == 1.0
    assert sim("--robot", "t1").calm_samples == sim("--preset", "expert").calm_samples == sim("--gains", "unitree").calm_samples == 1.0
    assert sim("--gains", "unitree", "--calm_samples", "0.5").calm_samples == 0.5
    assert sim("--no_realtime").loop == "sync"  # deterministic runs keep the synchronous loop
    assert (sim("--latency_ms", "20").loop, sim("--latency_ms", "20").latency) == ("sync", 0.02)
    assert sim("--compensation", "none").compensation == "none"
    for flags, message in ((["--loop", "async", "--no_realtime"], "--loop async runs in wall-clock time"),
                           (["--loop", "async", "--latency_ms", "20"], "--latency_ms is for --loop sync"),
                           (["--latency_ms", "-5"], "--latency_ms must be between")):
        with pytest.raises(ConfigError, match=message):
            sim(*flags)


def test_base_estimate_plans_through_the_estimator_and_truth_is_the_default():
    from g1mpc.cli import build_parser, run_options_from_args
    from g1mpc.common.errors import UserError
    from g1mpc.lowlevel.estimated_base import estimated_base

    options = lambda *flags: run_options_from_args(build_parser().parse_args(["run", *flags]))
    assert options().observer is None
    assert options("--base", "estimate").observer is estimated_base
    with pytest.raises(UserError, match="--base: invalid choice: 'guess'"):
        options("--base", "guess")
