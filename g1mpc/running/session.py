"""A closed-loop run session: warm-up, viewer and recorder hooks, rolling log, summary, report, plots."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from g1mpc.common.errors import ConfigError
from g1mpc.planning.pipeline import PlanSpec
from g1mpc.planning.planners.mppi import sample_count_scale
from g1mpc.robots.perturbation import Perturbation
from g1mpc.robots.plants import NOMINAL
from g1mpc.running.assembly import Assembly, ObserverFactory
from g1mpc.running.loop import run_loop
from g1mpc.running.sim import RunResult, SimConfig
from g1mpc.viewing.gl_backend import has_display

Log = Callable[[str], None]


@dataclass(frozen=True)
class RecordOptions:
    """Offscreen video of the run: simulated-time frame rate, frame size, and the camera."""

    path: str
    fps: float = 30.0
    width: int = 640
    height: int = 480
    camera: str = "track"  # follows the root body; or a camera name of the model

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise ConfigError("--record_fps must be > 0")
        if not (16 <= self.width <= 4096 and 16 <= self.height <= 4096):
            raise ConfigError("--record_size must look like 640x480")


@dataclass(frozen=True)
class RunOptions:
    """How a session runs and what it writes, beside the planner's :class:`~g1mpc.running.config.RunConfig`."""

    sim: SimConfig = SimConfig()
    warmup: int = 3  # planning rounds before the run so every code path has run
    headless: bool = False  # no viewer window (automatic without a display)
    show_reference: bool = False  # the reference ghost in the viewer
    record: RecordOptions | None = None
    report: str | None = None  # JSON report path
    plots: str | None = None  # directory for planning-time and tracking PNGs
    quiet: bool = False  # only the header and the summary
    viewer: str = "mujoco"  # mujoco: the local window (needs a display); web: the browser view (g1mpc.viewing.web)
    port: int = 8080  # --viewer web: the page's port (0: any free port)
    observer: ObserverFactory | None = None  # what the controller sees the plant through (None: its true state)

    def __post_init__(self) -> None:
        if self.warmup < 0:
            raise ConfigError("--warmup must be >= 0")
        if self.viewer not in ("mujoco", "web"):
            raise ConfigError(f"--viewer: '{self.viewer}' is not one of mujoco, web")
        if not 0 <= self.port <= 65535:
            raise ConfigError("--port must be between 0 and 65535")


def far_step_text(spec: PlanSpec) -> str:
    """How the planner step lengthens over the horizon, for the run's description ('' when it does not)."""
    if spec.near_steps == spec.horizon_steps:
        return ""
    return f" for {spec.near_steps * spec.planner_dt:g} s, then {spec.far_dt:g} s"


def header_lines(assembly: Assembly, extra: Sequence[str] = ()) -> list[str]:
    """What the run is: mode, planner, robot, timing, sizes."""
    spec, cfg, plant = assembly.spec, assembly.config, assembly.plant
    c = cfg.controller
    lines = [f"mode {c.mode} | planner {c.planner} | backend {c.backend} | robot {cfg.robot} (nu={spec.nu}) | task {cfg.task.name}",
             *extra,
             f"target {cfg.frequency:g} Hz: replan period {1e3 / cfg.frequency:.1f} ms, "
             f"{round(1 / cfg.frequency / plant.opt.timestep)} sim steps per replan, plant dt {plant.opt.timestep:g} s, "
             f"planner dt {spec.planner_dt:g} s{far_step_text(spec)}, horizon {spec.horizon:g} s ({spec.horizon_steps} steps), "
             f"{spec.num_knots} {spec.spline} knots"]
    if c.mode != "nn":
        mppi = f"temperature {c.temperature:g}" + (f" ({c.calm_temperature:g} calm)" if c.calm_temperature is not None else "")
        scale = float(sample_count_scale(c.temperature_samples, c.num_samples))
        if c.planner == "mppi" and scale < 1:
            mppi += f" at {c.temperature_samples} samples, {c.temperature * scale:g} at {c.num_samples}"
        update = {"cem": f"elites {c.num_elites}", "mppi": mppi, "ps": "best sample"}[c.planner]
        fixed_sigma = c.planner == "ps" or (c.planner == "mppi" and c.mppi_sigma == "fixed")
        sigma = f"sigma {c.sigma_start:g} (fixed)" if fixed_sigma else f"sigma {c.sigma_start:g}->{c.sigma_min:g}"
        lines.append(f"samples {c.num_samples}, {update}, iterations {c.iterations}, "
                     f"{sigma}, explore {c.explore_fraction:g}"
                     + (f", around previous plan {c.anchor_fraction:g}" if c.mode == "hybrid" else "")
                     + (f" ({c.calm_anchor_fraction:g} calm)" if c.mode == "hybrid" and c.calm_anchor_fraction is not None else "")
                     + (f", noise correlated ({Path(c.noise_correlation).name}, shrinkage {c.noise_shrinkage:g})"
                        if c.noise_correlation else "")
                     + (", in mirrored pairs" if c.antithetic == "on" else "")
                     + (f", noise x{c.calm_noise:g} below {c.calm_speed:g} m/s base speed (to x1 at {c.pushed_speed:g})"
                        if c.noise_schedule.active else "")
                     + (f", joints pushed from {c.calm_joint_speed:g} to {c.pushed_joint_speed:g} rad/s"
                        if c.pushed_joint_speed is not None else "")
                     + (f", base acceleration pushed from {c.calm_accel:g} to {c.pushed_accel:g} m/s^2"
                        if c.pushed_accel > 0 else "")
                     + (f", push observer (deadband {c.push_deadband:g} m/s^2)" if c.push_observer == "on" else ""))
    lines.append(f"state qpos ({spec.nq},) qvel ({spec.nv},) -> plan ({spec.plan_steps}, {spec.nu}) per cycle, "
                 f"{spec.steps_per_replan} steps per replan")
    return lines


def summary_lines(summary: dict) -> list[str]:
    s = summary
    return [
        f"[summary] {s['cycles']} cycles, {s['sim_time_s']:.2f} s simulated in {s['wall_time_s']:.2f} s wall | planning "
        f"mean {s['planning_mean_ms']:.2f} / p50 {s['planning_p50_ms']:.2f} / p95 {s['planning_p95_ms']:.2f} / "
        f"max {s['planning_max_ms']:.2f} ms (nn {s['nn_mean_ms']:.2f}, cem {s['cem_mean_ms']:.2f}, other {s['other_mean_ms']:.2f})",
        f"[summary] achieved {s['achieved_frequency_hz']:.1f} Hz of {s['target_frequency_hz']:g} Hz target "
        f"({100 * s['target_share']:.1f} %), planning-limited {s['planning_limited_frequency_hz']:.1f} Hz | "
        f"joint RMS error {s['joint_rms_rad']:.4f} rad | falls {s['falls']}",
        f"[summary] loop {s['loop']} | plan latency p50 {_ms(s['latency_p50_ms'])} / p95 {_ms(s['latency_p95_ms'])} | "
        f"missed deadlines {s['missed_deadlines']} of {s['cycles']} (planning over one period)"
        + (f" | plant behind wall-clock {s['plant_overruns']} times" if s["plant_overruns"] else "")
        + collector_note(s),
    ] + (["[summary] samples per plan: "
          + ", ".join(f"{n} in {k} plans" for n, k in s["samples_by_cycles"].items())
          + (f" | changed {len(s['sample_changes'])} times, first at t={s['sample_changes'][0][0]:.2f} s"
             if s["sample_changes"] else " | never changed")]
         if s.get("samples_by_cycles") else [])


def collector_note(summary: dict) -> str:
    """' | collector: N pauses (K full), longest X ms' for a real-time loop's summary (empty where none were counted)."""
    if not summary.get("gc_collections"):
        return ""
    return (f" | collector: {summary['gc_collections']} pauses ({summary['gc_full_collections']} full), "
            f"longest {summary['gc_pause_max_ms']:.1f} ms")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _web_viewer(assembly: Assembly, options: RunOptions, sim, log: Log):
    import mujoco

    from g1mpc.running.clips import clip_menu
    from g1mpc.viewing.web.viewer import WebViewer

    feet = [mujoco.mj_name2id(assembly.planner_model, mujoco.mjtObj.mjOBJ_SITE, f.name) for f in assembly.robot.feet if f.kind == "site"]
    c = assembly.config.controller
    return WebViewer(sim, assembly.planner_model, feet, assembly.config.task.weight_values(), port=options.port,
                     show_reference=True, log=log, clips=clip_menu(assembly),
                     status={"mode": c.mode, "samples": c.num_samples if c.mode != "nn" else "-"})


def _hooks(assembly: Assembly, options: RunOptions, model, data, log: Log):
    """The per-cycle hooks (recorder, viewer), the objects to close after the run, and the video recorder (or None)."""
    hooks, closers, recorder = [], [], None
    if options.record is not None:
        from g1mpc.viewing.render import FrameRenderer, VideoRecorder

        r = options.record
        recorder = VideoRecorder(r.path, FrameRenderer(model, r.width, r.height, r.camera, show_reference=True), r.fps)
        hooks.append(recorder)
        closers.append(recorder)
    local_window = not options.headless and options.viewer == "mujoco"  # the web view is made by run_session
    if local_window and not has_display():
        log("[g1mpc] no display (DISPLAY/WAYLAND_DISPLAY unset): running headless")
    elif local_window:
        from g1mpc.viewing.viewer import PassiveViewer

        try:
            viewer = PassiveViewer(model, data, show_reference=options.show_reference,
                                   track_body=assembly.robot.root_body)
            hooks.append(viewer.update)
            closers.append(viewer)
        except Exception as exc:  # a display that cannot be opened: carry on headless
            log(f"[g1mpc] cannot open the viewer ({type(exc).__name__}: {exc}); running headless")
    return hooks, closers, recorder


def run_session(assembly: Assembly, network_params: dict | None, options: RunOptions, log: Log = print,
                header: Sequence[str] = (), flags: dict | None = None, make_controller: Callable[[], Any] | None = None) -> RunResult:
    """Warm up, run the closed loop (viewer and recorder when asked), log the summary, write report and plots.

    ``header``: extra header lines (model, precompiled directory); ``flags``: recorded in the report;
    ``make_controller``: the controller to run instead of ``assembly.controller(network_params)`` (a planner
    process, :mod:`g1mpc.running.planner_process`); its ``close()``, where it has one, runs at the end.
    """
    for line in header_lines(assembly, header):
        log(f"[g1mpc] {line}")
    controller = assembly.controller(network_params) if make_controller is None else make_controller()
    sim = assembly.simulation(options.sim, options.observer)
    if options.observer is not None:
        log("[g1mpc] the controller plans from the floating base estimated from simulated IMU and encoders (--base estimate)")
    info = sim.plant_info
    if info["name"] != NOMINAL or info["perturb"]:
        changed = Perturbation(**info["perturbation"]).changed()
        log(f"[g1mpc] plant {info['name']} (the planner plans with its own model)"
            + (f", perturbed {info['perturb']}: " + ", ".join(f"{k} {v:.3g}" for k, v in changed.items())
               if info["perturb"] else ""))
    if options.warmup:
        controller.warmup(sim.data.time, sim.data.qpos.copy(), sim.data.qvel.copy(), options.warmup)
    controller.reset(sim.data.ctrl.copy() if sim.data.ctrl.any() else assembly.reference.ctrl[0])
    hooks, closers, recorder = _hooks(assembly, options, sim.model, sim.data, log)
    if hasattr(controller, "close"):  # a planner process: stopped with the viewers
        closers.append(controller)
    if options.viewer == "web" and not options.headless:
        web = _web_viewer(assembly, options, sim, log)
        controller = web.watch(controller)
        hooks.append(web.update)
        closers.append(web)

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
        result = run_loop(sim, controller, on_cycle=on_cycle if hooks else None, log=None if options.quiet else log)
    finally:
        for closer in closers:
            closer.close()
    for line in summary_lines(result.summary()):
        log(line)
    if recorder is not None:
        log(f"[g1mpc] video: {recorder.count} frames at {options.record.fps:g} fps written to {options.record.path}")
    if options.report:
        from g1mpc.running.reporting import build_report, write_json_atomic

        write_json_atomic(options.report, build_report(flags if flags is not None else asdict(options), assembly.config, result))
        log(f"[g1mpc] report written to {options.report}")
    if options.plots:
        from g1mpc.viewing.plots import write_plots

        paths = write_plots(result, 1.0 / assembly.config.frequency, options.plots)
        log(f"[g1mpc] plots written: {', '.join(str(p) for p in paths)}")
    return result
