"""Command line: ``g1mpc run|run-aot|robot-sim|deploy|collect|train|reference`` and the ``run_policy*.py`` wrappers.

It only parses flags into the library's typed configs (which validate themselves and hold every
default) and prints; the work is done by :mod:`g1mpc.running.session`, :mod:`g1mpc.precompiled.aot`, :mod:`g1mpc.learning.collect`
and :mod:`g1mpc.learning.train`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import get_args

from g1mpc.common.errors import UserError
from g1mpc.common.paths import DEFAULT_PRECOMPILED_DIR, DEFAULT_SIZING_CACHE, default_checkpoint, shipped_noise_correlation
from g1mpc.learning.collect import CollectConfig
from g1mpc.learning.train import TrainConfig
from g1mpc.lowlevel.estimator import BASE_VIEWS
from g1mpc.motion.generated import MotionConfig
from g1mpc.planning.controller import Backend, ControllerConfig, Mode, MppiSigma, PlannerName, Switch
from g1mpc.planning.splines import SplineKind
from g1mpc.registry import TASKS, get_robot, get_task, robot_choices
from g1mpc.robots.models import PLANNER_MODELS, Contacts, PlannerModelConfig, Solver
from g1mpc.robots.perturbation import FACTORS, PerturbationRanges
from g1mpc.robots.plants import NOMINAL
from g1mpc.running.cluster import ClusterConfig
from g1mpc.running.config import PRESET_FIELDS, PRESETS, RunConfig, named_planner_model, preset
from g1mpc.running.session import RecordOptions, RunOptions
from g1mpc.running.sim import Compensation, Loop, PushConfig, SimConfig

C, R, S, PU = ControllerConfig, RunConfig, SimConfig, PushConfig


def add_calm_samples_flag(p) -> None:
    p.add_argument("--calm_samples", type=float, default=None, metavar="SHARE",
                   help="real-time loops: roll out this share of the samples while the robot is calm (fewer samples plan "
                        "sooner), all of them once the noise schedule counts it pushed (default: the preset's; the G1's cpu "
                        f"preset: {preset('cpu', get_robot('g1'))['calm_samples']:g}, else {S.calm_samples:g}, all always)")
    p.add_argument("--calm_floor", type=int, default=S.calm_floor, metavar="N",
                   help=f"real-time loops: calm plans roll out no fewer than N samples while three in four plans of N fit the period "
                        f"(default {S.calm_floor}; 0: no floor)")


def add_planner_process_flag(p: argparse.ArgumentParser, beside: str, default: str = "off") -> None:
    p.add_argument("--planner_process", choices=("on", "off"), default=default,
                   help=f"on: plan in a process of its own, so {beside} do not hold the planner's interpreter lock; "
                        f"off: a thread beside them (default: {default})")


def add_planner_flags(p: argparse.ArgumentParser, default_preset: str = "cpu") -> None:
    g = p.add_argument_group("planner")
    g.add_argument("--model_path", default=None, help="network checkpoint (default: the one shipped for --robot)")
    g.add_argument("--robot", default=R.robot, help=f"{robot_choices()}; or a MuJoCo XML path (a G1 variant)")
    g.add_argument("--task", choices=tuple(TASKS), default=R.task.name, help="task")
    g.add_argument("--reference", default=R.reference, help=".npz with qpos (T x nq) and fps; default: the task's clip for the robot")
    g.add_argument("--backend", choices=get_args(Backend), default=C.backend, help="rollouts: native MuJoCo (CPU) or MJX (GPU)")
    g.add_argument("--planner", choices=get_args(PlannerName), default=None,
                   help="sampling planner (default: the preset's; the G1's cpu preset: mppi, else cem)")
    sizes = "; ".join(f"{name}: {preset(name)['num_samples']} samples" for name in PRESETS)
    g.add_argument("--preset", choices=tuple(PRESETS), default=None,
                   help=f"{sizes} (default: {default_preset}, gpu for --backend mjx)")
    g.add_argument("--frequency", type=float, default=R.frequency, help=f"replanning frequency in Hz (default {R.frequency:g})")
    g.add_argument("--num_samples", type=_samples, default=None,
                   help="samples per iteration, or 'auto': the largest count whose rollouts fit 80%% of the replan period on "
                        "this machine, measured once and cached (default: auto for the cpu preset's runs, else the preset's)")
    for name, kind, helptext in (("num_elites", int, "CEM elites"),
                                 ("plan_horizon", float, "planning horizon in seconds"),
                                 ("num_knots", int, "spline knots over the horizon"),
                                 ("iterations", int, "sampling iterations per replan")):
        g.add_argument(f"--{name}", type=kind, default=None, help=f"{helptext} (default: the preset's)")
    g.add_argument("--spline", choices=get_args(SplineKind), default=R.spline)
    g.add_argument("--sigma_start", type=float, default=C.sigma_start, help="initial / exploration noise (rad)")
    g.add_argument("--sigma_min", type=float, default=C.sigma_min, help="CEM noise floor (rad)")
    g.add_argument("--explore_fraction", type=float, default=C.explore_fraction, help="share of samples drawn with sigma_start")
    g.add_argument("--nn_weight", type=float, default=C.nn_weight,
                   help="hybrid: weight of the network's knots in the CEM start; the rest is the previous plan")
    g.add_argument("--anchor_fraction", type=float, default=None,
                   help="hybrid: share of samples drawn around the previous refined plan, the rest around the network's "
                        "knots (default: the preset's)")
    g.add_argument("--calm_anchor_fraction", type=float, default=None,
                   help="hybrid: that share while nothing pushes, rising to --anchor_fraction as the base's speed goes from "
                        "--calm_speed to --pushed_speed (default: the preset's; unset: --anchor_fraction always)")
    g.add_argument("--temperature", type=float, default=C.temperature, help="MPPI temperature (relative to the cost spread)")
    g.add_argument("--calm_temperature", type=float, default=None,
                   help="MPPI temperature while nothing pushes, rising to --temperature as the base's speed goes from "
                        "--calm_speed to --pushed_speed (default: the preset's; unset: --temperature always)")
    g.add_argument("--temperature_samples", type=int, default=None,
                   help="the sample count --temperature and --calm_temperature are meant for: with N samples rolled out, "
                        "more than this, they scale by this / N, so MPPI's average keeps about as many samples "
                        "(0: as given at every count; default: the preset's)")
    g.add_argument("--mppi_sigma", choices=get_args(MppiSigma), default=None,
                   help="MPPI's sampling spread: fixed at sigma_start, or refit to the weighted spread of the samples "
                        "(floored at --sigma_min); default: the preset's")
    g.add_argument("--noise_correlation", default=None, metavar="PATH|shipped|none",
                   help="sampling noise correlated across knots and actuators: an .npz with a 'correlation' matrix, "
                        "'shipped' for the one measured for --robot (g1), or none (independent noise); default: the preset's")
    g.add_argument("--noise_shrinkage", type=float, default=None,
                   help="weight of independent noise blended into --noise_correlation (0: as measured, 1: independent; "
                        "default: the preset's)")
    g.add_argument("--antithetic", choices=get_args(Switch), default=None,
                   help="on: the noisy samples come in mirrored pairs (+e, -e) around one centre; default: the preset's")
    g.add_argument("--calm_noise", type=float, default=None,
                   help="multiplier on the sampling noise while the robot's base moves as the reference's (1: the full "
                        "spread always); it rises to 1 as the base's speed relative to the reference's goes from "
                        "--calm_speed to --pushed_speed (default: the preset's)")
    g.add_argument("--calm_speed", type=float, default=None,
                   help="m/s: at or below, the noise is --calm_noise's (default: the preset's)")
    g.add_argument("--pushed_speed", type=float, default=None, help="m/s: at or above, the full noise (default: the preset's)")
    g.add_argument("--pushed_joint_speed", type=float, default=None,
                   help="rad/s: joints moving this much faster than the reference's (RMS) count as pushed too, for the "
                        "noise and --calm_anchor_fraction, from --calm_joint_speed up (default: the preset's; unset: the "
                        "base's speed alone)")
    g.add_argument("--calm_joint_speed", type=float, default=C.calm_joint_speed,
                   help="rad/s: at or below, the joints count as calm")
    g.add_argument("--pushed_accel", type=float, default=None,
                   help="m/s^2: the base accelerating this hard (measured between two states) counts as pushed too, "
                        "from --calm_accel up, so a hard push widens the samples in its first cycle (0: off; default: "
                        "the preset's)")
    g.add_argument("--calm_accel", type=float, default=None,
                   help="m/s^2: at or below, the base's acceleration counts as calm (default: the preset's)")
    g.add_argument("--push_hold", type=float, default=None,
                   help="seconds over which a pushed state fades to calm once the base (and joints) have slowed: the "
                        "noise and --calm_anchor_fraction stay wide for the recovery (0: no memory; default: the preset's)")
    g.add_argument("--push_observer", choices=get_args(Switch), default=C.push_observer,
                   help="plans that start ahead of their state (latency compensation) add the base acceleration the "
                        "last prediction missed, a push the model does not know (docs/realtime.md)")
    g.add_argument("--push_deadband", type=float, default=C.push_deadband,
                   help="m/s^2: smaller accelerations missed by the prediction are taken as model error")
    g.add_argument("--push_lead", type=float, default=C.push_lead,
                   help="s: how long past a plan's start the push observer assumes a push goes on")
    models = "; ".join(f"{name}: dt {m.timestep:g} s, {m.iterations}/{m.ls_iterations} solver/line-search iterations, "
                       f"{m.contacts} contacts" for name, m in PLANNER_MODELS.items())
    g.add_argument("--planner_model", choices=tuple(PLANNER_MODELS), default=None,
                   help=f"the planner's model of the robot ({models}; default: coarse, coarse_feet for --backend mjx); "
                        "the flags below override single settings")
    g.add_argument("--planner_plant", default=R.planner_plant,
                   help="the build the planner's model is made from: nominal (the robot's scene) or a plant variant of --robot "
                        "(g1: as_built; see --plant)")
    g.add_argument("--planner_dt", type=float, default=None,
                   help="planner model timestep (s) (default: the preset's; the G1's cpu preset: "
                        f"{preset('cpu', get_robot('g1'))['planner_dt']:g}, else the planner model's)")
    g.add_argument("--planner_far_dt", type=float, default=None,
                   help="a longer planner step (s) for the horizon after --planner_far_after: the rollouts step a copy of the "
                        "model at it there, fine where the plan acts and cheap where it only judges where it leads "
                        "(default: none, every step --planner_dt)")
    g.add_argument("--planner_far_after", type=float, default=None,
                   help=f"s of the horizon planned at --planner_dt before --planner_far_dt takes over (default "
                        f"{PlannerModelConfig.far_after:g})")
    g.add_argument("--planner_contacts", "--mjx_contacts", dest="planner_contacts", choices=get_args(Contacts), default=None,
                   help="planner model contacts: every contact, robot-floor only, or feet-floor only")
    g.add_argument("--planner_frictionloss", type=float, default=None,
                   help="every joint's friction loss in the planner model (N m; 0: none, a cheaper step; default: the preset's; "
                        "the G1's cpu preset: 0, else the plant's)")
    g.add_argument("--planner_solver", choices=get_args(Solver), default=None,
                   help="MuJoCo's constraint solver in the planner model's rollouts (default: the preset's, else the "
                        "model's newton)")
    g.add_argument("--planner_hull_vertices", type=int, default=None,
                   help="each colliding mesh of the planner model reduced to this many of its convex hull's vertices "
                        "(a cheaper narrow phase; default: the meshes as shipped; the plant keeps them)")
    g.add_argument("--planner_iterations", type=int, default=None, help="planner model constraint-solver iterations")
    g.add_argument("--planner_ls_iterations", type=int, default=None, help="planner model line-search iterations")
    g.add_argument("--mjx_unroll", type=int, default=C.mjx_unroll, help="--backend mjx: planner steps per compiled loop trip")
    g.add_argument("--gains", default=R.gains,
                   help="servo gains the controller commands, in the planner's model and the plant alike: model (the scene's; "
                        "kp 500 on every G1 joint) or a gain set of --robot (g1: motor, per motor from its rotor inertia, "
                        "kp 14-99 as holosoma's G1 policies run; unitree, Unitree's training gains, kp 40-200; docs/plants.md)")
    g.add_argument("--seed", type=int, default=C.seed)
    g.add_argument("--nthread", type=int, default=None, help="rollout threads (default: the cores this process may use)")
    g.add_argument("--sizing_cache", default=DEFAULT_SIZING_CACHE,
                   help="--num_samples auto: where the measured sizing is kept per machine and settings")
    g.add_argument("--resize", action="store_true", help="--num_samples auto: measure again even if a sizing is cached")
    p.set_defaults(default_preset=default_preset)


def add_sim_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("simulation")
    g.add_argument("--duration", type=float, default=S.duration, help=f"simulated seconds (default {S.duration:g})")
    g.add_argument("--push_force", type=float, default=PU.force, help="push magnitude in N (0: no pushes)")
    g.add_argument("--push_interval", type=float, default=PU.interval, help="seconds between pushes")
    g.add_argument("--push_duration", type=float, default=PU.duration, help="push length in seconds")
    g.add_argument("--push_directions", type=float, nargs="+", default=list(PU.directions), metavar="DEG",
                   help="world-frame angles each push's direction is drawn from (90 270: left or right; "
                        "0 is +x, the robot's front at the start; default: any direction)")
    g.add_argument("--reset_on_fall", action="store_true", help="reset and continue after a fall (default: stop)")
    g.add_argument("--no_realtime", action="store_true", help="do not sleep to keep wall-clock pace (the synchronous loop)")
    g.add_argument("--loop", choices=get_args(Loop), default=None,
                   help="async (default for real-time runs): the plant steps in wall-clock time in its own thread and runs the "
                        "newest plan that reached it, as on a robot; sync (default with --no_realtime): the plant waits for "
                        "each plan (deterministic)")
    g.add_argument("--latency_ms", type=float, default=S.latency * 1e3,
                   help="--loop sync: each plan takes effect this long after the state it was planned from (ms)")
    g.add_argument("--compensation", choices=get_args(Compensation), default=S.compensation,
                   help="predict: plan from the state predicted at the time the plan takes effect, and start it there; "
                        "none: plan from the measured state")
    g.add_argument("--adapt_samples", choices=("on", "off"), default="on" if S.adapt_samples else "off",
                   help="--loop async: on: roll out fewer of the --num_samples when plans miss their deadline and more "
                        "again when they fit, between cycles, without a rebuild; off (default): always all of them "
                        "(measured: meeting deadlines with fewer samples fell more)")
    add_calm_samples_flag(g)
    add_plant_flags(g, default_help="nominal")
    g.add_argument("--base", choices=BASE_VIEWS, default="truth",
                   help="what the controller plans from: truth (default), the plant's state; estimate: the floating base "
                        "estimated from simulated IMU and encoders with the robot-sim's noise, as deploy estimates a robot's "
                        "(docs/g1.md)")
    g.add_argument("--show_reference", action="store_true", help="draw a translucent ghost of the reference in the viewer")
    g.add_argument("--headless", "--no_viewer", dest="headless", action="store_true", help="no viewer at all")
    g.add_argument("--viewer", choices=("mujoco", "web"), default=RunOptions.viewer,
                   help="mujoco: the local window (needs a display); web: a page served on --port, watched and driven from "
                        "a browser (works without a display)")
    g.add_argument("--port", type=int, default=RunOptions.port, help="--viewer web: the page's port")
    g.add_argument("--warmup", type=int, default=RunOptions.warmup, help="planning rounds before the run so every path is compiled/loaded")
    g.add_argument("--report", default=None, help="write a JSON report here")
    g.add_argument("--plots", default=None, help="write planning-time and tracking PNGs into this directory")
    g.add_argument("--record", default=None, help="render offscreen (EGL/OSMesa) to this .mp4")
    g.add_argument("--record_fps", type=float, default=RecordOptions.fps, help="video frame rate (simulated time)")
    g.add_argument("--record_size", default=f"{RecordOptions.width}x{RecordOptions.height}", help="video WIDTHxHEIGHT")
    g.add_argument("--camera", default=RecordOptions.camera, help="'track' (follows the robot) or a camera name of the model")
    g.add_argument("--quiet", action="store_true", help="only the final summary")


def add_plant_flags(g, default_help: str) -> None:
    """--plant and --plant_perturb (the run commands and robot-sim)."""
    g.add_argument("--plant", default=None,
                   help=f"the robot the simulation steps: {NOMINAL} (the planner's own model) or a plant variant of --robot "
                        f"(g1: as_built, Unitree's build: motor armature, joint friction, sole capsules, ankle linkage); "
                        f"default: {default_help} (docs/plants.md)")
    g.add_argument("--plant_perturb", default="", metavar="NAME=V[:V2],...",
                   help=f"perturb the plant: factors {', '.join(f for f in FACTORS if f != 'delay_ms')} (times the plant's), "
                        "delay_ms (state seen late); a value, or low:high drawn per run from --seed "
                        "(e.g. mass=0.9:1.1,friction=0.7,delay_ms=10)")


def plant_from_args(args, default: str) -> tuple[str, PerturbationRanges]:
    """(plant name, perturbation ranges) from the flags, the plant checked against --robot."""
    plant = args.plant or default
    get_robot(args.robot).require_plant(plant)
    return plant, PerturbationRanges.parse(args.plant_perturb)


def _samples(text: str) -> int | str:
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid value: '{text}' (a whole number, or auto)") from None


def preset_name_of_args(args) -> str:
    """The preset the flags select: ``--preset``, else gpu for ``--backend mjx``, else the command's default."""
    return args.preset or ("gpu" if args.backend == "mjx" else args.default_preset)


def size_samples_if_auto(args, mode: Mode, log=print) -> dict | None:
    """Resolve ``--num_samples auto`` (the cpu preset's default for the run commands) in ``args``; returns the
    sizing as recorded in the report, or None when the sample count was given or does not apply."""
    preset_name = preset_name_of_args(args)
    auto = args.num_samples == "auto" or (args.num_samples is None and args.preset is None and preset_name == "cpu")
    if not auto or mode == "nn" or args.backend != "mujoco":
        if args.num_samples == "auto":
            args.num_samples = None  # the NN alone samples nothing; MJX keeps its preset
        return None
    from g1mpc.running.sizing import IN_PROCESS, size_num_samples

    sizes = preset(preset_name, get_robot(args.robot))
    args.num_samples = sizes["num_samples"]  # a valid config to size; replaced by the choice below
    sizing, reused = size_num_samples(run_config_from_args(args, mode), args.nthread, sizes, args.sizing_cache,
                                      remeasure=args.resize, context=getattr(args, "sizing_context", IN_PROCESS))
    args.num_samples = sizing.num_samples
    if args.num_elites is None:
        args.num_elites = sizing.num_elites
    line = sizing.line(reused)
    log(f"[g1mpc] {line}")
    return {"line": line, "reused": reused, **asdict(sizing)}


def preset_of_args(args) -> dict[str, float | str]:
    """The preset's settings (``PRESET_FIELDS``) with the flags given on the command line applied."""
    sizes = preset(preset_name_of_args(args), get_robot(args.robot), getattr(args, "gains", None))
    sizes.update({k: getattr(args, k) for k in PRESET_FIELDS if getattr(args, k, None) is not None})
    return sizes


def planner_model_from_args(args, sizes: dict) -> PlannerModelConfig:
    """The named planner model with the single-setting flags and the preset's step and joint friction (``sizes``, as
    :func:`preset_of_args` gives them: ``--planner_dt``, ``--planner_frictionloss`` and ``--planner_solver`` applied; None:
    the model's own)."""
    changes = {field: value for field, value in (("timestep", sizes["planner_dt"]),
                                                  ("frictionloss", sizes["planner_frictionloss"]),
                                                  ("solver", sizes["planner_solver"]),
                                                  ("contacts", args.planner_contacts),
                                                  ("iterations", args.planner_iterations),
                                                  ("ls_iterations", args.planner_ls_iterations),
                                                  ("far_timestep", args.planner_far_dt),
                                                  ("far_after", args.planner_far_after),
                                                  ("hull_vertices", args.planner_hull_vertices)) if value is not None}
    return replace(named_planner_model(args.planner_model, args.backend), **changes)


def noise_correlation_path(value: str, robot: str) -> str:
    """``--noise_correlation`` as a file path: 'shipped' is the robot's own file, checked to exist; 'none' (or
    empty) is independent noise, the empty path."""
    if value in ("none", ""):
        return ""
    if value != "shipped":
        return value
    path = shipped_noise_correlation(robot)
    if not path.is_file():
        raise UserError(f"--noise_correlation shipped: no correlation is shipped for robot '{robot}'; give an .npz path")
    return str(path)


def run_config_from_args(args, mode: Mode) -> RunConfig:
    """The flags as a validated :class:`RunConfig`; unset preset flags (sizes, planner, sampling noise) come from the preset."""
    sizes = preset_of_args(args)
    return RunConfig(
        robot=args.robot, task=get_task(args.task)(), reference=args.reference, frequency=args.frequency,
        spline=args.spline, num_knots=sizes["num_knots"], plan_horizon=sizes["plan_horizon"],
        planner_model=planner_model_from_args(args, sizes),
        gains=args.gains, planner_plant=args.planner_plant,
        controller=ControllerConfig(
            mode=mode, planner=sizes["planner"], num_samples=sizes["num_samples"], num_elites=sizes["num_elites"],
            iterations=sizes["iterations"], sigma_start=args.sigma_start, sigma_min=args.sigma_min,
            explore_fraction=args.explore_fraction, temperature=args.temperature,
            calm_temperature=sizes["calm_temperature"], temperature_samples=sizes["temperature_samples"],
            backend=args.backend, seed=args.seed,
            nn_weight=args.nn_weight, anchor_fraction=sizes["anchor_fraction"],
            calm_anchor_fraction=sizes["calm_anchor_fraction"], mjx_unroll=args.mjx_unroll,
            noise_correlation=noise_correlation_path(sizes["noise_correlation"], args.robot),
            noise_shrinkage=sizes["noise_shrinkage"], antithetic=sizes["antithetic"], mppi_sigma=sizes["mppi_sigma"],
            calm_noise=sizes["calm_noise"],
            calm_speed=sizes["calm_speed"], pushed_speed=sizes["pushed_speed"], calm_joint_speed=args.calm_joint_speed,
            pushed_joint_speed=sizes["pushed_joint_speed"], push_hold=sizes["push_hold"], calm_accel=sizes["calm_accel"],
            pushed_accel=sizes["pushed_accel"], push_observer=args.push_observer,
            push_deadband=args.push_deadband, push_lead=args.push_lead,
        ),
    )


def _record_size(text: str) -> tuple[int, int]:
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise UserError("--record_size must look like 640x480")
    return int(parts[0]), int(parts[1])


def run_options_from_args(args) -> RunOptions:
    record = None
    if args.record:
        width, height = _record_size(args.record_size)
        record = RecordOptions(args.record, args.record_fps, width, height, args.camera)
    pushes = PushConfig(force=args.push_force, interval=args.push_interval, duration=args.push_duration, seed=args.seed,
                        directions=tuple(args.push_directions))
    plant, perturb = plant_from_args(args, NOMINAL)
    observer = None
    if args.base == "estimate":
        from g1mpc.lowlevel.estimated_base import estimated_base  # DDS's binding loads only where it is used

        observer = estimated_base
    return RunOptions(
        sim=SimConfig(duration=args.duration, realtime=not args.no_realtime, pushes=pushes,
                      reset_on_fall=args.reset_on_fall, print_every=0.0 if args.quiet else 1.0,
                      loop=args.loop or ("sync" if args.no_realtime or args.latency_ms > 0 else "async"), latency=args.latency_ms / 1e3,
                      compensation=args.compensation, adapt_samples=args.adapt_samples == "on",
                      calm_samples=preset_of_args(args)["calm_samples"], calm_floor=args.calm_floor,
                      plant=plant, perturb=perturb),
        warmup=args.warmup, headless=args.headless, show_reference=args.show_reference, record=record,
        report=args.report, plots=args.plots, quiet=args.quiet, viewer=args.viewer, port=args.port,
        observer=observer,
    )


def add_dds_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("DDS")
    g.add_argument("--interface", default="lo", help="network interface of the robot's topics (lo: a robot-sim on this machine)")
    g.add_argument("--domain", type=int, default=0, help="DDS domain id (0 on a G1)")


def add_cluster_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Ray (without these flags everything runs in this process)")
    g.add_argument("--workers", type=int, default=None, help="parallel Ray workers (default with --ray_address: one per cluster CPU)")
    g.add_argument("--ray_address", default=None, help="join this Ray cluster ('auto' or host:port) instead of starting Ray here")
    g.add_argument("--threads_per_worker", type=int, default=None,
                   help="rollout threads per worker (default: the local cores shared out; 1 on a cluster)")


def cluster_from_args(args) -> ClusterConfig | None:
    """None (run in this process) unless a Ray flag is given."""
    if args.workers is None and args.ray_address is None:
        return None
    return ClusterConfig(workers=args.workers, address=args.ray_address, threads_per_worker=args.threads_per_worker)


def _flags(args) -> dict:
    return {k: v for k, v in vars(args).items() if k not in ("func", "default_preset")}


def _mode(args) -> Mode:
    if getattr(args, "cem_only", False):
        return "cem"
    return "hybrid" if getattr(args, "hybrid", False) else "nn"


def _model_path(args) -> str:
    """--model_path, or the network shipped for --robot (a one-line error where none ships)."""
    if args.model_path:
        return args.model_path
    path = default_checkpoint(args.robot)
    if not path.exists():
        raise UserError(f"--robot {args.robot}: no network ships for this robot ({path.name}); pass --model_path "
                        "(see docs/training.md) or run --cem_only")
    return str(path)


def cmd_run(args) -> int:
    from g1mpc.running.assembly import assemble
    from g1mpc.running.session import run_session

    mode = _mode(args)
    sizing = size_samples_if_auto(args, mode)
    config, options = run_config_from_args(args, mode), run_options_from_args(args)
    model_path = _model_path(args) if mode != "cem" else None
    assembly = assemble(config, nthread=args.nthread)
    try:
        params = None
        if mode != "cem":
            from g1mpc.network.torch_mlp import load_network

            params = load_network(model_path, assembly.network_spec())
        run_session(assembly, params, options, header=[f"model {model_path}"] if mode != "cem" else [],
                    flags={**_flags(args), "sizing": sizing})
    finally:
        assembly.close()
    return 0


def cmd_run_aot(args) -> int:
    from g1mpc.precompiled.aot import prepare_precompiled
    from g1mpc.running.session import run_session

    sizing = size_samples_if_auto(args, "hybrid")
    config, options = run_config_from_args(args, "hybrid"), run_options_from_args(args)
    model_path = _model_path(args)
    assembly, params, header = prepare_precompiled(config, model_path, args.precompiled_dir, args.recompile, args.nthread)
    make_controller = None
    if args.planner_process == "on":  # the planner away from the plant thread's and the web view's interpreter lock
        make_controller = lambda: _planner_process(args, config, assembly, warmup=0)  # the session warms it up
        header = [*header, "planner in its own process (--planner_process on)"]
    try:
        run_session(assembly, params, options, header=[f"model {model_path}", *header], flags={**_flags(args), "sizing": sizing},
                    make_controller=make_controller)
    finally:
        assembly.close()
    return 0


def _planner_process(args, config: RunConfig, assembly, warmup: int):
    """The precompiled controller of ``config`` (built already) in a process of its own (``--planner_process on``)."""
    from g1mpc.precompiled.controller_loader import PrecompiledController, load_precompiled_controller
    from g1mpc.running.planner_process import PlannerProcess

    spec = PrecompiledController(config, str(_model_path(args)), str(args.precompiled_dir), args.nthread, warmup)
    return PlannerProcess(load_precompiled_controller, spec, config.controller, assembly.spec.plant_dt, assembly.arrays)


def _write_report(path: str | None, payload: dict) -> None:
    if path:
        from g1mpc.running.reporting import write_json_atomic

        write_json_atomic(path, payload)
        print(f"[g1mpc] report written to {path}")


def cmd_robot_sim(args) -> int:
    from g1mpc.lowlevel.dds import DdsConfig
    from g1mpc.lowlevel.robot_sim import RobotSim, RobotSimConfig, SensorNoise
    from g1mpc.robots.perturbation import simulated_plant
    from g1mpc.running.assembly import load_task_models
    from g1mpc.running.session import collector_note

    config = RunConfig(robot=args.robot, task=get_task(args.task)(), reference=args.reference)
    pushes = PushConfig(force=args.push_force, interval=args.push_interval, duration=args.push_duration, seed=args.seed,
                        directions=tuple(args.push_directions))
    sim_config = RobotSimConfig(duration=args.duration, pushes=pushes, noise=SensorNoise().scaled(args.sensor_noise),
                                dds=DdsConfig(args.interface, args.domain), seed=args.seed, wait_for_command=args.wait,
                                publish_truth_every=args.truth_every, lockstep=args.lockstep)
    robot = config.robot_description
    plant_name, perturb = plant_from_args(args, robot.sim_plant)
    plant, perturbation, plant_info = simulated_plant(robot, plant_name, perturb, args.seed)
    if perturbation.delay_ms or perturbation.kp != 1 or perturbation.kd != 1:
        raise UserError("--plant_perturb: delay_ms, kp and kd are for in-process runs; the robot-sim's motors apply the gains "
                        "each rt/lowcmd carries, and its state is as late as DDS and the controller's loop make it")
    _, _, reference = load_task_models(config)
    sim = RobotSim(plant, reference, config.task.fall_test(plant, robot), robot.root_body, sim_config)
    print(f"[robot-sim] plant: {plant_name}" + (f", perturbed {perturbation.changed()}" if not perturbation.is_none else ""))
    print(f"[robot-sim] {config.robot} publishing rt/lowstate at {1 / plant.opt.timestep:g} Hz on interface {args.interface}, "
          f"domain {args.domain}; waiting up to {args.wait:g} s for rt/lowcmd")
    result = sim.run()
    s = result.summary()
    print(f"[robot-sim] {s['stopped_by']}: {s['sim_time_s']:.2f} s simulated in {s['wall_time_s']:.2f} s | falls {s['falls']} | "
          f"joint RMS {s['joint_rms_rad'] or 0:.4f} rad | commands applied {s['commands_applied']}, rejected crc "
          f"{s['rejected_crc']} / out of order {s['rejected_out_of_order']} / invalid {s['rejected_invalid']} | round trip p50 "
          f"{s['roundtrip_p50_ms'] or float('nan'):.2f} / p95 {s['roundtrip_p95_ms'] or float('nan'):.2f} ms | command age p95 "
          f"{s['command_age_p95_ms'] or float('nan'):.0f} / max {s['command_age_max_ms'] or float('nan'):.0f} ms | loop CPU "
          f"{100 * (s['loop_cpu_share'] or 0):.0f} % of a core" + collector_note(s))
    _write_report(args.report, {"version": 1, "kind": "robot-sim", "flags": _flags(args), "plant": plant_info, "summary": s})
    return 0


def cmd_deploy(args) -> int:
    from g1mpc.lowlevel.dds import DdsConfig
    from g1mpc.lowlevel.deploy import DeployConfig, Deployment
    from g1mpc.lowlevel.estimator import EstimatorConfig
    from g1mpc.lowlevel.safety import SafetyConfig
    from g1mpc.precompiled.aot import prepare_precompiled
    from g1mpc.precompiled.controller_loader import warmed_up_controller
    from g1mpc.running.session import header_lines, summary_lines

    get_robot(args.robot).require_plant(args.servo_plant, "--servo_plant")  # before anything slow loads
    if args.latency_ms is not None and not args.lockstep:
        raise UserError("deploy --latency_ms is for --lockstep runs: in real time the plans' latency is what the machine gives")
    safety = SafetyConfig(ramp_time=args.ramp_time, stale_after=args.stale_ms / 1e3, damping_kd=args.damping_kd,
                          torque_clamp=args.torque_clamp == "on")
    deploy_config = DeployConfig(dds=DdsConfig(args.interface, args.domain), duration=args.duration, safety=safety,
                                 estimator=EstimatorConfig(stance=args.estimator_stance),
                                 compensation=args.compensation, wait_for_state=args.wait, base=args.base,
                                 adapt_samples=args.adapt_samples == "on", calm_samples=preset_of_args(args)["calm_samples"],
                                 calm_floor=args.calm_floor, command_every=args.command_every, servo_plant=args.servo_plant,
                                 lockstep=args.lockstep,
                                 **({} if args.latency_ms is None else {"latency": args.latency_ms / 1e3}))
    sizing = size_samples_if_auto(args, "hybrid")
    config = run_config_from_args(args, "hybrid")
    assembly, params, header = prepare_precompiled(config, _model_path(args), args.precompiled_dir, args.recompile, args.nthread)
    controller = None
    try:
        for line in header_lines(assembly, header):
            print(f"[g1mpc] {line}")
        if args.planner_process == "on":  # the planner away from the command loop's interpreter lock
            controller = _planner_process(args, config, assembly, warmup=args.warmup)
            print(f"[g1mpc] planner in its own process (pid {controller.pid}; --planner_process on)")
        else:
            controller = warmed_up_controller(assembly, params, args.warmup)
        result = Deployment(assembly, controller, deploy_config).run()
    finally:
        if controller is not None and hasattr(controller, "close"):
            controller.close()
        assembly.close()
    s = result.summary()
    for line in summary_lines(s):
        print(line)
    est = s["estimator_speed_error_rms_mps"]
    print(f"[deploy] states {s['states_received']}, commands {s['commands_sent']} | command latency p50 "
          f"{s['command_latency_p50_ms'] or float('nan'):.2f} / p95 {s['command_latency_p95_ms'] or float('nan'):.2f} ms | "
          f"clamps: joint {s['joint_limit_clamps']}, torque {s['torque_clamps']} | safety: {', '.join(s['safety_actions']) or '-'}"
          f" | command loop CPU {100 * (s['command_loop_cpu_share'] or 0):.0f} % of a core"
          + ("" if est is None else f" | estimator: height RMS {s['estimator_height_rms_m'] * 100:.2f} cm, velocity RMS "
                                    f"{est:.3f} m/s ({s['estimator_samples']} samples)"))
    _write_report(args.report, {"version": 1, "kind": "deploy", "flags": {**_flags(args), "sizing": sizing},
                                "config": config.as_dict(), "summary": s, "safety_events": result.safety_events,
                                "estimator_trace": result.estimator_trace, "cycles": [asdict(c) for c in result.run.cycles]})
    if result.error:
        print(f"error: deploy stopped on {result.error} (the motors were sent damping)", file=sys.stderr)
        return 1
    return 0


def cmd_precompiled(args) -> int:
    from g1mpc.precompiled.aot import list_builds, remove_builds

    if args.action == "list":
        rows = list_builds(args.precompiled_dir)
        print(f"{'key':<17} {'robot':<9} {'task':<8} {'backend':<7} {'samples':>7} {'elites':>6} {'size MB':>8}  "
              f"{'model (shared)':<17} {'MB':>6}  created")
        for r in rows:
            if r["ok"]:
                model_mb = "missing" if r["model_mb"] is None else f"{r['model_mb']:.1f}"
                print(f"{r['key']:<17} {r['robot']!s:<9} {r['task']!s:<8} {r['backend']!s:<7} {r['samples']!s:>7} "
                      f"{r['elites']!s:>6} {r['size_mb']:>8.1f}  {r['model']:<17} {model_mb:>6}  {r['created']}")
            else:
                print(f"{r['key']:<17} damaged ({r['problem']}); {r['size_mb']:.1f} MB")
        print(f"[g1mpc] {len(rows)} build(s) in {args.precompiled_dir}")
        return 0
    keys = [r["key"] for r in list_builds(args.precompiled_dir)] if args.all else args.keys
    if not keys and not args.all:
        raise UserError("precompiled remove: name the builds to remove (keys from 'g1mpc precompiled list') or give --all")
    removed = remove_builds(args.precompiled_dir, keys)
    print(f"[g1mpc] removed {len(removed)} build(s) from {args.precompiled_dir}: {' '.join(removed) or '-'}")
    return 0


def cmd_reference(args) -> int:
    from g1mpc.motion.reference import save_reference
    from g1mpc.robots.models import load_plant_model

    config = RunConfig(robot=args.robot, task=get_task(args.task)())
    robot = config.robot_description
    model = load_plant_model(robot)
    if args.motion is None:
        qpos, fps = config.task.reference_clip(model, robot)
    else:
        from g1mpc.motion.generated import random_motion

        motion = MotionConfig(duration=args.motion_duration)
        qpos, fps = random_motion(model, robot, args.motion, motion), motion.fps
    save_reference(args.out, qpos, fps)
    print(f"[g1mpc] wrote {len(qpos)} frames at {fps:g} fps ({len(qpos) / fps:.1f} s) to {args.out}")
    return 0


def cmd_collect(args) -> int:
    from g1mpc.learning.collect import collect

    plant, perturb = plant_from_args(args, NOMINAL)
    config = CollectConfig(
        episodes=args.episodes, episode_duration=args.episode_duration, push_force=(args.push_min, args.push_max),
        seed=args.seed, dagger_checkpoint=args.dagger_model, dagger_samples=args.dagger_samples,
        first_episode=args.first_episode, motions=args.motions, label_from_driver_plan=args.label_from_driver_plan,
        expert_checkpoint=args.expert_model, cold_labels=args.cold_labels, plant=plant, perturb=perturb,
    )
    stats = collect(args.out, run_config_from_args(args, "cem"), config, nthread=args.nthread, cluster=cluster_from_args(args))
    print(f"[collect] {json.dumps(stats)}")
    return 0


def cmd_train(args) -> int:
    from g1mpc.learning.train import plot_losses, train

    config = TrainConfig(hidden=tuple(args.hidden), epochs=args.epochs, batch_size=args.batch_size,
                         learning_rate=args.lr, weight_decay=args.weight_decay, patience=args.patience, seed=args.seed,
                         plan_input=args.plan_input, init_checkpoint=args.init_model)
    result = train(args.data, args.ckpt_dir, config)
    plot_losses(result, Path(args.ckpt_dir) / "loss_curve.png")
    print(f"[train] {result.samples} samples, {result.epochs_run} epochs in {result.seconds:.1f} s; "
          f"best val loss {result.best_val_loss:.4f}: {result.best_path}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one :class:`UserError` line (``error: argument --flag: ...``)."""

    def error(self, message: str):
        raise UserError(f"{message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="g1mpc", description="Hybrid neural + CEM MPC for humanoids (Unitree G1 by default)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="closed-loop run, planner compiled just in time (= run_policy.py)")
    add_planner_flags(run)
    add_sim_flags(run)
    modes = run.add_mutually_exclusive_group()
    modes.add_argument("--hybrid", action="store_true", help="network knots as the CEM mean, refined by sampling")
    modes.add_argument("--cem_only", action="store_true", help="sampling planner alone, no network")
    run.set_defaults(func=cmd_run)
    aot = sub.add_parser("run-aot", help="closed-loop hybrid run from the precompiled pipeline (= run_policy_aot.py)")
    add_planner_flags(aot)
    add_sim_flags(aot)
    aot.add_argument("--precompiled_dir", default=DEFAULT_PRECOMPILED_DIR, help="where the precompiled pipeline lives")
    aot.add_argument("--recompile", action="store_true", help="rebuild the precompiled pipeline even if it matches")
    add_planner_process_flag(aot, "the plant thread and the web view")
    aot.set_defaults(func=cmd_run_aot)
    rsim = sub.add_parser("robot-sim", help="a simulated G1 reachable only through rt/lowstate and rt/lowcmd (DDS)")
    rsim.add_argument("--robot", default=R.robot, help="g1 (the interface is the G1's)")
    rsim.add_argument("--task", choices=tuple(TASKS), default=R.task.name)
    rsim.add_argument("--reference", default=R.reference, help="clip whose start pose it stands in and whose falls it judges")
    rsim.add_argument("--duration", type=float, default=20.0, help="simulated seconds from the first command")
    for flag, default, helptext in (("--push_force", PU.force, "push magnitude in N (0: no pushes)"),
                                    ("--push_interval", PU.interval, "seconds between pushes"),
                                    ("--push_duration", PU.duration, "push length in seconds")):
        rsim.add_argument(flag, type=float, default=default, help=helptext)
    rsim.add_argument("--push_directions", type=float, nargs="+", default=list(PU.directions), metavar="DEG")
    rsim.add_argument("--seed", type=int, default=C.seed, help="push directions and sensor noise")
    rsim.add_argument("--sensor_noise", type=float, default=1.0, help="factor on the default IMU and encoder noise (0: none)")
    add_plant_flags(rsim, default_help="the robot's simulated plant (g1: as_built)")
    add_dds_flags(rsim)
    rsim.add_argument("--wait", type=float, default=300.0, help="seconds to wait for the first rt/lowcmd")
    rsim.add_argument("--truth_every", type=int, default=5, help="plant steps between debug truth messages (1: every state)")
    rsim.add_argument("--lockstep", action="store_true",
                      help="from the first command on, step only once a command answers the last state, not on the wall "
                           "clock (with deploy --lockstep: a deterministic sim-to-sim run, as the synchronous loop)")
    rsim.add_argument("--report", default=None, help="write a JSON report here")
    rsim.set_defaults(func=cmd_robot_sim)
    dep = sub.add_parser("deploy", help="the hybrid controller behind rt/lowstate and rt/lowcmd (a G1, or g1mpc robot-sim)")
    add_planner_flags(dep)
    add_dds_flags(dep)
    dep.add_argument("--duration", type=float, default=None, help="seconds to control (default: until the robot stops publishing)")
    dep.add_argument("--compensation", choices=get_args(Compensation), default=S.compensation)
    dep.add_argument("--adapt_samples", choices=("on", "off"), default="on" if S.adapt_samples else "off",
                     help="on: roll out fewer of the --num_samples when plans miss their deadline, more again when they fit; "
                          "off (default)")
    add_calm_samples_flag(dep)
    add_planner_process_flag(dep, "the 500 Hz command loop and the DDS reader")
    dep.add_argument("--ramp_time", type=float, default=1.0, help="seconds to blend from the measured pose into the plan")
    dep.add_argument("--stale_ms", type=float, default=50.0, help="damping when no rt/lowstate came for this long")
    dep.add_argument("--damping_kd", type=float, default=4.0, help="kd (N m s/rad) of the damping command")
    dep.add_argument("--torque_clamp", choices=("on", "off"), default="on",
                     help="on: clamp each target so the servo torque at the state it answers stays within the motor's "
                          "limit; off: leave the limit to the motor drivers (the G1's apply it themselves)")
    dep.add_argument("--command_every", type=int, default=1, metavar="N",
                     help="answer every Nth rt/lowstate with a command (the estimator still folds in each state): 1 "
                          "(default) every state, the robot's 500 Hz; 2: 250 Hz, less CPU for the planner on a slow machine")
    dep.add_argument("--servo_plant", default=NOMINAL, metavar="PLANT",
                     help="whose servo gains to command: nominal (default), the planner model's; or a plant of --robot "
                          "(g1: as_built, the damping its motors' reflected inertia asks for at the same damping ratio). "
                          "Only kd differs, and only under --gains model (docs/g1.md)")
    dep.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the first rt/lowstate")
    dep.add_argument("--lockstep", action="store_true",
                     help="against robot-sim --lockstep only: the robot's clock from the state ticks, each plan made before "
                          "answering the state it starts from, taking effect --latency_ms after it (a deterministic check)")
    dep.add_argument("--latency_ms", type=float, default=None,
                     help="with --lockstep: ms from a plan's state to its first command (default 20)")
    from g1mpc.lowlevel.estimator import BASE_SOURCES, STANCE_RULES

    # the noise schedule's speeds and the push observer are the run commands' (the robot's preset): measured over DDS
    # against deploy's own wider speeds without the observer (docs/g1.md, "The in-process settings over DDS"); the
    # acceleration ramp stays off (an option measured in-process only; docs/realtime.md, "A hard push from its first cycle")
    dep.set_defaults(pushed_accel=0.0, sizing_context="deploy")

    dep.add_argument("--estimator_stance", choices=STANCE_RULES, default=STANCE_RULES[0],
                     help="how the estimator reads the legs: prediction (default): the sole corner agreeing best with the "
                          "IMU's prediction; consensus: the pelvis velocity the feet's low sole corners agree on (their median)")
    dep.add_argument("--base", choices=BASE_SOURCES, default="estimate",
                     help="the floating base: estimated from the IMU and legs, or a robot-sim's debug truth (diagnostics; "
                          "run robot-sim with --truth_every 1): all of it, only the pelvis's linear velocity, only its position")
    dep.add_argument("--warmup", type=int, default=RunOptions.warmup, help="planning rounds before the run")
    dep.add_argument("--precompiled_dir", default=DEFAULT_PRECOMPILED_DIR, help="where the precompiled pipeline lives")
    dep.add_argument("--recompile", action="store_true", help="rebuild the precompiled pipeline even if it matches")
    dep.add_argument("--report", default=None, help="write a JSON report here")
    dep.set_defaults(func=cmd_deploy)
    serve = sub.add_parser("serve", help="the precompiled hybrid driven from a browser: run-aot with --viewer web, an hour, "
                                          "reset after a fall")
    add_planner_flags(serve)
    add_sim_flags(serve)
    serve.add_argument("--precompiled_dir", default=DEFAULT_PRECOMPILED_DIR, help="where the precompiled pipeline lives")
    serve.add_argument("--recompile", action="store_true", help="rebuild the precompiled pipeline even if it matches")
    add_planner_process_flag(serve, "the plant thread and the web view")
    serve.set_defaults(func=cmd_run_aot, viewer="web", duration=3600.0, reset_on_fall=True)
    pre = sub.add_parser("precompiled", help="list or remove the precompiled builds in a --precompiled_dir")
    pre.add_argument("action", choices=("list", "remove"))
    pre.add_argument("keys", nargs="*", help="remove: the builds' keys (from list)")
    pre.add_argument("--all", action="store_true", help="remove: every build")
    pre.add_argument("--precompiled_dir", default=DEFAULT_PRECOMPILED_DIR)
    pre.set_defaults(func=cmd_precompiled)
    ref = sub.add_parser("reference", help="write the task's default clip, or a generated motion, for a robot as .npz")
    ref.add_argument("--robot", default=R.robot)
    ref.add_argument("--task", choices=tuple(TASKS), default=R.task.name)
    ref.add_argument("--motion", type=int, default=None, metavar="SEED",
                     help="a random motion (squats, bends, shifts, arm motions, twists) drawn from this seed")
    ref.add_argument("--motion_duration", type=float, default=MotionConfig.duration, help="seconds of generated motion")
    ref.add_argument("--out", required=True)
    ref.set_defaults(func=cmd_reference)
    col = sub.add_parser("collect", help="collect expert data (CEM, or the hybrid with --expert_model)")
    add_planner_flags(col, default_preset="expert")
    CC = CollectConfig
    col.add_argument("--out", required=True, help="dataset directory (one shard per episode; resumable)")
    col.add_argument("--episodes", type=int, default=CC.episodes)
    col.add_argument("--episode_duration", type=float, default=CC.episode_duration)
    col.add_argument("--push_min", type=float, default=CC.push_force[0])
    col.add_argument("--push_max", type=float, default=CC.push_force[1])
    col.add_argument("--dagger_model", default=None, help="DAgger: this checkpoint's hybrid controller drives, the expert labels")
    col.add_argument("--dagger_samples", type=int, default=CC.dagger_samples, help="samples of the DAgger driver (hybrid)")
    col.add_argument("--label_from_driver_plan", action="store_true",
                     help="DAgger: the expert's updates start from the driver's plan (data for a --plan_input network)")
    col.add_argument("--expert_model", default=None,
                     help="the expert is the hybrid controller with this checkpoint (at the preset's sample count) "
                          "instead of CEM alone")
    col.add_argument("--cold_labels", action="store_true",
                     help="every labelled update starts afresh (nothing carried from earlier cycles, with --iterations "
                          "to refine it), so a label depends on the state only")
    col.add_argument("--first_episode", type=int, default=CC.first_episode, help="index of the first shard (to add rounds to a dataset)")
    col.add_argument("--motions", action="store_true", help="each episode tracks its own generated motion (drawn from its seed)")
    add_plant_flags(col, default_help=f"{NOMINAL}; perturbations are drawn per episode")
    add_cluster_flags(col)
    col.set_defaults(func=cmd_collect)
    TC = TrainConfig
    tr = sub.add_parser("train", help="train the knot network")
    tr.add_argument("--data", required=True)
    tr.add_argument("--ckpt_dir", default="nn_ckpt")
    tr.add_argument("--hidden", type=int, nargs="+", default=list(TC.hidden))
    tr.add_argument("--epochs", type=int, default=TC.epochs)
    tr.add_argument("--batch_size", type=int, default=TC.batch_size)
    tr.add_argument("--lr", type=float, default=TC.learning_rate)
    tr.add_argument("--weight_decay", type=float, default=TC.weight_decay)
    tr.add_argument("--patience", type=int, default=TC.patience)
    tr.add_argument("--seed", type=int, default=TC.seed)
    tr.add_argument("--plan_input", action="store_true",
                    help="plan-conditioned network: it also reads the planner's warm start and predicts the change to it")
    tr.add_argument("--init_model", default=None,
                    help="fine-tune: start from this checkpoint (its widths and normalisation; --hidden is ignored)")
    tr.set_defaults(func=cmd_train)
    return parser


def _sigterm_as_interrupt() -> None:
    """SIGTERM ends a run like Ctrl-C: partial results are written; a second signal exits at once."""
    import signal

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. called from a test runner thread)
        pass


def main(argv: list[str] | None = None, command: str | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _sigterm_as_interrupt()
    if command is not None:
        argv = [command, *argv]
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run_policy_main() -> int:
    return main(command="run")


def run_policy_aot_main() -> int:
    return main(command="run-aot")
