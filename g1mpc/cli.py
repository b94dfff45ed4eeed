"""Command line: ``g1mpc run|run-aot|collect|train|reference`` and the ``run_policy*.py`` wrappers."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from g1mpc.errors import UserError
from g1mpc.gl_backend import has_display

DEFAULT_CHECKPOINT = Path(__file__).parent / "data" / "g1_default.ckpt"
DEFAULT_PRECOMPILED_DIR = "exported_models/precompiled"
# name: (num_samples, num_elites, plan_horizon, num_knots, iterations)
PRESETS = {
    "cpu": (16, 2, 0.5, 4, 1),  # real time at 50 Hz on 2 CPU cores; 2 elites: fewer falls under pushes than 4
    "gpu": (500, 20, 0.5, 4, 1),  # the familiar GPU configuration (mjx default)
}


def add_planner_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("planner")
    g.add_argument("--model_path", default=None, help=f"network checkpoint (default: the shipped {DEFAULT_CHECKPOINT.name})")
    g.add_argument("--robot", default="g1", help="g1 (29 actuators), g1_hands (43) or a MuJoCo XML path")
    g.add_argument("--reference", default=None, help=".npz with qpos (T x nq) and fps; default: the generated balance clip")
    g.add_argument("--backend", choices=("mujoco", "mjx"), default="mujoco", help="rollouts: native MuJoCo (CPU) or MJX (GPU)")
    g.add_argument("--planner", choices=("cem", "mppi", "ps"), default="cem", help="sampling planner")
    g.add_argument("--preset", choices=tuple(PRESETS), default=None, help="cpu: 16 samples (default for mujoco); gpu: 500 (default for mjx)")
    g.add_argument("--frequency", type=float, default=50.0, help="replanning frequency in Hz (default 50)")
    g.add_argument("--num_samples", type=int, default=None, help="samples per iteration")
    g.add_argument("--num_elites", type=int, default=None, help="CEM elites")
    g.add_argument("--plan_horizon", type=float, default=None, help="planning horizon in seconds")
    g.add_argument("--num_knots", type=int, default=None, help="spline knots over the horizon")
    g.add_argument("--iterations", type=int, default=None, help="sampling iterations per replan")
    g.add_argument("--spline", choices=("zero", "linear", "cubic"), default="cubic")
    g.add_argument("--sigma_start", type=float, default=0.1, help="initial / exploration noise (rad)")
    g.add_argument("--sigma_min", type=float, default=0.02, help="CEM noise floor (rad)")
    g.add_argument("--explore_fraction", type=float, default=0.2, help="share of samples drawn with sigma_start")
    g.add_argument("--nn_weight", type=float, default=1.0,
                   help="hybrid: weight of the network's knots in the CEM start; the rest is the previous plan")
    g.add_argument("--anchor_fraction", type=float, default=0.8,
                   help="hybrid: share of samples drawn around the previous refined plan (the rest around the network's knots)")
    g.add_argument("--temperature", type=float, default=0.1, help="MPPI temperature (relative to the cost spread)")
    g.add_argument("--planner_dt", type=float, default=0.02, help="planner model timestep (s)")
    g.add_argument("--mjx_contacts", choices=("feet", "floor"), default="feet",
                   help="--backend mjx: floor contacts of the feet only, or of every body")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--nthread", type=int, default=None, help="rollout threads (default: all cores)")


def add_sim_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("simulation")
    g.add_argument("--duration", type=float, default=10.0, help="simulated seconds (default 10)")
    g.add_argument("--push_force", type=float, default=0.0, help="push magnitude in N (0: no pushes)")
    g.add_argument("--push_interval", type=float, default=2.0, help="seconds between pushes")
    g.add_argument("--push_duration", type=float, default=0.1, help="push length in seconds")
    g.add_argument("--reset_on_fall", action="store_true", help="reset and continue after a fall (default: stop)")
    g.add_argument("--no_realtime", action="store_true", help="do not sleep to keep wall-clock pace")
    g.add_argument("--show_reference", action="store_true", help="draw a translucent ghost of the reference in the viewer")
    g.add_argument("--headless", "--no_viewer", dest="headless", action="store_true", help="no viewer window")
    g.add_argument("--warmup", type=int, default=3, help="planning rounds before the run so every path is compiled/loaded")
    g.add_argument("--report", default=None, help="write a JSON report here")
    g.add_argument("--plots", default=None, help="write planning-time and tracking PNGs into this directory")
    g.add_argument("--record", default=None, help="render offscreen (EGL/OSMesa) to this .mp4")
    g.add_argument("--record_fps", type=float, default=30.0, help="video frame rate (simulated time)")
    g.add_argument("--record_size", default="640x480", help="video WIDTHxHEIGHT")
    g.add_argument("--camera", default="track", help="'track' (follows the pelvis) or a camera name of the model")
    g.add_argument("--quiet", action="store_true", help="only the final summary")


def resolve_preset(args) -> None:
    name = args.preset or ("gpu" if args.backend == "mjx" else "cpu")
    values = dict(zip(("num_samples", "num_elites", "plan_horizon", "num_knots", "iterations"), PRESETS[name]))
    for key, value in values.items():
        if getattr(args, key) is None:
            setattr(args, key, value)


def validate(args) -> None:
    """Impossible flag combinations -> one clear error."""
    from g1mpc.splines import min_knots

    checks = [
        (math.isfinite(args.frequency) and args.frequency > 0, "--frequency must be a positive number of Hz"),
        (args.num_samples >= 2, "--num_samples must be at least 2"),
        (1 <= args.num_elites <= args.num_samples, f"--num_elites must be between 1 and --num_samples ({args.num_samples})"),
        (args.iterations >= 1, "--iterations must be at least 1"),
        (args.num_knots >= min_knots(args.spline), f"--num_knots must be >= {min_knots(args.spline)} for --spline {args.spline}"),
        (math.isfinite(args.planner_dt) and args.planner_dt > 0, "--planner_dt must be > 0"),
        (math.isfinite(args.plan_horizon) and args.plan_horizon >= args.planner_dt,
         f"--plan_horizon ({args.plan_horizon}) must be at least one planner step (--planner_dt {args.planner_dt})"),
        (args.sigma_start > 0 and 0 < args.sigma_min <= args.sigma_start, "--sigma_min must be in (0, --sigma_start]"),
        (0 <= args.explore_fraction <= 1, "--explore_fraction must be in [0, 1]"),
        (args.temperature > 0, "--temperature must be > 0"),
        (0 <= getattr(args, "nn_weight", 1.0) <= 1, "--nn_weight must be in [0, 1]"),
        (0 <= getattr(args, "anchor_fraction", 0.8) <= 1, "--anchor_fraction must be in [0, 1]"),
    ]
    if hasattr(args, "duration"):
        checks += [
            (math.isfinite(args.duration) and args.duration > 0, "--duration must be > 0 seconds"),
            (args.push_force >= 0 and args.push_interval > 0 and 0 < args.push_duration < args.push_interval,
             "--push_force must be >= 0 and 0 < --push_duration < --push_interval"),
            (args.warmup >= 0, "--warmup must be >= 0"),
            (args.record_fps > 0, "--record_fps must be > 0"),
            (_size_ok(args.record_size), "--record_size must look like 640x480"),
        ]
    for ok, message in checks:
        if not ok:
            raise UserError(message)


def _size_ok(text: str) -> bool:
    parts = text.lower().split("x")
    return len(parts) == 2 and all(p.isdigit() and 16 <= int(p) <= 4096 for p in parts)


def run_config_from_args(args, mode: str):
    from g1mpc.assembly import RunConfig
    from g1mpc.controller import ControllerConfig
    from g1mpc.robot import PlannerModelConfig

    return RunConfig(
        robot=args.robot,
        reference=args.reference,
        frequency=args.frequency,
        spline=args.spline,
        num_knots=args.num_knots,
        plan_horizon=args.plan_horizon,
        planner_model=PlannerModelConfig(timestep=args.planner_dt, mjx_contacts=args.mjx_contacts),
        controller=ControllerConfig(
            mode=mode, planner=args.planner, num_samples=args.num_samples, num_elites=args.num_elites,
            iterations=args.iterations, sigma_start=args.sigma_start, sigma_min=args.sigma_min,
            explore_fraction=args.explore_fraction, temperature=args.temperature, backend=args.backend, seed=args.seed,
            nn_weight=args.nn_weight, anchor_fraction=args.anchor_fraction,
        ),
    )


def sim_config_from_args(args):
    from g1mpc.sim import PushConfig, SimConfig

    return SimConfig(
        duration=args.duration, frequency=args.frequency, realtime=not args.no_realtime,
        pushes=PushConfig(force=args.push_force, interval=args.push_interval, duration=args.push_duration, seed=args.seed),
        reset_on_fall=args.reset_on_fall, print_every=0.0 if args.quiet else 1.0,
    )


def load_network(model_path, assembly):
    """Checkpoint -> JAX params, after checking it was trained for this task."""
    from g1mpc.collect import task_spec
    from g1mpc.network import check_spec, load_checkpoint, to_jax_params

    model, hyper = load_checkpoint(model_path)
    check_spec(model_path, hyper, task_spec(assembly.config, assembly))
    return to_jax_params(model)


def print_header(log, args, mode: str, assembly, extra: list[str] = ()) -> None:
    spec = assembly.spec
    log(f"[g1mpc] mode {mode} | planner {args.planner} | backend {args.backend} | robot {args.robot} (nu={spec.nu})")
    if mode != "cem":
        log(f"[g1mpc] model {args.model_path}")
    for line in extra:
        log(f"[g1mpc] {line}")
    log(
        f"[g1mpc] target {args.frequency:g} Hz: replan period {1e3 / args.frequency:.1f} ms, "
        f"{round(1 / args.frequency / assembly.plant.opt.timestep)} sim steps per replan, plant dt {assembly.plant.opt.timestep:g} s, "
        f"planner dt {spec.planner_dt:g} s, horizon {spec.horizon:g} s ({spec.horizon_steps} steps), "
        f"{spec.num_knots} {spec.spline} knots"
    )
    if mode != "nn":
        log(f"[g1mpc] samples {args.num_samples}, elites {args.num_elites}, iterations {args.iterations}, "
            f"sigma {args.sigma_start:g}->{args.sigma_min:g}, explore {args.explore_fraction:g}"
            + (f", around previous plan {args.anchor_fraction:g}" if mode == "hybrid" else ""))
    log(f"[g1mpc] state qpos ({spec.nq},) qvel ({spec.nv},) -> controls ({spec.steps_per_replan}, {spec.nu}) per cycle")


def print_summary(log, summary: dict) -> None:
    s = summary
    log(
        f"[summary] {s['cycles']} cycles, {s['sim_time_s']:.2f} s simulated in {s['wall_time_s']:.2f} s wall | planning "
        f"mean {s['planning_mean_ms']:.2f} / p50 {s['planning_p50_ms']:.2f} / p95 {s['planning_p95_ms']:.2f} / "
        f"max {s['planning_max_ms']:.2f} ms (nn {s['nn_mean_ms']:.2f}, cem {s['cem_mean_ms']:.2f}, other {s['other_mean_ms']:.2f})"
    )
    log(
        f"[summary] achieved {s['achieved_frequency_hz']:.1f} Hz of {s['target_frequency_hz']:g} Hz target "
        f"({100 * s['target_share']:.1f} %), planning-limited {s['planning_limited_frequency_hz']:.1f} Hz | "
        f"joint RMS error {s['joint_rms_rad']:.4f} rad | falls {s['falls']}"
    )


def write_report(path, args, run_config, result) -> None:
    from g1mpc.reporting import build_report, write_json_atomic

    write_json_atomic(path, build_report(vars(args), run_config, result))


def simulate(args, mode: str, assembly, network_params, log=print, extra_header=()):
    """Warm up, run the closed loop (viewer when possible), print and save the summary."""
    from g1mpc.sim import Simulation

    print_header(log, args, mode, assembly, extra_header)
    controller = assembly.controller(network_params)
    sim = Simulation(assembly.plant, assembly.reference, sim_config_from_args(args), assembly.config.loop_reference)
    if args.warmup:
        controller.warmup(sim.data.time, sim.data.qpos.copy(), sim.data.qvel.copy(), args.warmup)
    controller.reset(sim.data.ctrl.copy() if sim.data.ctrl.any() else assembly.reference.ctrl[0])
    hooks = []
    recorder = viewer = None
    if args.record:
        from g1mpc.render import FrameRenderer, VideoRecorder

        width, height = (int(x) for x in args.record_size.lower().split("x"))
        frames = FrameRenderer(assembly.plant, width, height, args.camera, show_reference=True)
        recorder = VideoRecorder(args.record, frames, args.record_fps)
        hooks.append(recorder)
    if not args.headless and not has_display():
        log("[g1mpc] no display (DISPLAY/WAYLAND_DISPLAY unset): running headless")
    elif not args.headless:
        from g1mpc.viewer import PassiveViewer

        try:
            viewer = PassiveViewer(assembly.plant, sim.data, show_reference=args.show_reference)
            hooks.append(viewer.update)
        except Exception as exc:  # a display that cannot be opened: carry on headless
            log(f"[g1mpc] cannot open the viewer ({type(exc).__name__}: {exc}); running headless")

    def on_cycle(data, ref):
        keep_going = True
        for hook in list(hooks):
            try:
                keep_going &= hook(data, ref) is not False
            except Exception as exc:  # e.g. the display went away: drop the hook, finish the run and its report
                log(f"[g1mpc] {type(exc).__name__} in the viewer/recorder ({exc}); continuing without it")
                hooks.remove(hook)
        return keep_going

    try:
        result = sim.run(controller, on_cycle=on_cycle if hooks else None, log=None if args.quiet else log)
    finally:
        if recorder is not None:
            recorder.close()
        if viewer is not None:
            viewer.close()
    summary = result.summary()
    print_summary(log, summary)
    if recorder is not None:
        log(f"[g1mpc] video: {recorder.count} frames at {args.record_fps:g} fps written to {args.record}")
    if args.report:
        write_report(args.report, args, assembly.config, result)
        log(f"[g1mpc] report written to {args.report}")
    if args.plots:
        from g1mpc.plots import write_plots

        paths = write_plots(result, 1.0 / args.frequency, args.plots)
        log(f"[g1mpc] plots written: {', '.join(str(p) for p in paths)}")
    return result


def resolve_mode(args) -> str:
    if getattr(args, "cem_only", False):
        return "cem"
    mode = "hybrid" if getattr(args, "hybrid", False) else "nn"
    if args.model_path is None:
        args.model_path = str(DEFAULT_CHECKPOINT)
    return mode


def cmd_run(args) -> int:
    from g1mpc.assembly import assemble

    mode = resolve_mode(args)
    resolve_preset(args)
    validate(args)
    run_config = run_config_from_args(args, mode)
    assembly = assemble(run_config, nthread=args.nthread)
    try:
        params = load_network(args.model_path, assembly) if mode != "cem" else None
        simulate(args, mode, assembly, params)
    finally:
        assembly.close()
    return 0


def cmd_reference(args) -> int:
    from g1mpc.reference import DEFAULT_FPS, generate_reference_qpos, save_reference
    from g1mpc.robot import load_plant_model

    model = load_plant_model(args.robot)
    qpos = generate_reference_qpos(model)
    save_reference(args.out, qpos, DEFAULT_FPS)
    print(f"[g1mpc] wrote {len(qpos)} frames at {DEFAULT_FPS:g} fps ({len(qpos) / DEFAULT_FPS:.1f} s) to {args.out}")
    return 0


def cmd_collect(args) -> int:
    from g1mpc.collect import CollectConfig, collect

    resolve_preset(args)
    validate(args)
    run_config = run_config_from_args(args, "cem")
    config = CollectConfig(
        episodes=args.episodes, episode_duration=args.episode_duration, push_force=(args.push_min, args.push_max), seed=args.seed
    )
    stats = collect(args.out, run_config, config, nthread=args.nthread, dagger_checkpoint=args.dagger_model,
                    dagger_samples=args.dagger_samples, first_episode=args.first_episode)
    print(f"[collect] {json.dumps(stats)}")
    return 0


def cmd_train(args) -> int:
    from g1mpc.train import TrainConfig, plot_losses, train

    config = TrainConfig(hidden=tuple(args.hidden), epochs=args.epochs, batch_size=args.batch_size,
                         learning_rate=args.lr, weight_decay=args.weight_decay, patience=args.patience, seed=args.seed)
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
    parser = _Parser(prog="g1mpc", description="Hybrid neural + CEM MPC for the Unitree G1")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="closed-loop run, planner compiled just in time (= run_policy.py)")
    add_run_flags(run)
    run.set_defaults(func=cmd_run)
    aot = sub.add_parser("run-aot", help="closed-loop hybrid run from the precompiled pipeline (= run_policy_aot.py)")
    add_aot_flags(aot)
    aot.set_defaults(func=lambda a: __import__("g1mpc.aot_cli", fromlist=["x"]).cmd_run_aot(a))
    ref = sub.add_parser("reference", help="write the default balance reference clip as .npz")
    ref.add_argument("--robot", default="g1")
    ref.add_argument("--out", required=True)
    ref.set_defaults(func=cmd_reference)
    col = sub.add_parser("collect", help="collect expert CEM data")
    add_planner_flags(col)
    col.set_defaults(num_samples=128, num_elites=16)
    col.add_argument("--out", required=True, help="dataset directory (one shard per episode; resumable)")
    col.add_argument("--episodes", type=int, default=30)
    col.add_argument("--episode_duration", type=float, default=8.0)
    col.add_argument("--push_min", type=float, default=50.0)
    col.add_argument("--push_max", type=float, default=200.0)
    col.add_argument("--dagger_model", default=None, help="DAgger: this checkpoint's hybrid controller drives, the expert labels")
    col.add_argument("--dagger_samples", type=int, default=16, help="samples of the DAgger driver (hybrid)")
    col.add_argument("--first_episode", type=int, default=0, help="index of the first shard (to add rounds to a dataset)")
    col.set_defaults(func=cmd_collect)
    tr = sub.add_parser("train", help="train the knot network")
    tr.add_argument("--data", required=True)
    tr.add_argument("--ckpt_dir", default="nn_ckpt")
    tr.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    tr.add_argument("--epochs", type=int, default=200)
    tr.add_argument("--batch_size", type=int, default=256)
    tr.add_argument("--lr", type=float, default=1e-3)
    tr.add_argument("--weight_decay", type=float, default=1e-4)
    tr.add_argument("--patience", type=int, default=25)
    tr.add_argument("--seed", type=int, default=0)
    tr.set_defaults(func=cmd_train)
    return parser


def add_run_flags(p: argparse.ArgumentParser) -> None:
    add_planner_flags(p)
    add_sim_flags(p)
    modes = p.add_mutually_exclusive_group()
    modes.add_argument("--hybrid", action="store_true", help="network knots as the CEM mean, refined by sampling")
    modes.add_argument("--cem_only", action="store_true", help="sampling planner alone, no network")


def add_aot_flags(p: argparse.ArgumentParser) -> None:
    add_planner_flags(p)
    add_sim_flags(p)
    p.add_argument("--precompiled_dir", default=DEFAULT_PRECOMPILED_DIR, help="where the precompiled pipeline lives")
    p.add_argument("--recompile", action="store_true", help="rebuild the precompiled pipeline even if it matches")


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
