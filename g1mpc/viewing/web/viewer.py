"""The browser view of a running controller (``--viewer web``), served by viser.

Every browser that opens the page sees the robot and the reference ghost (the model's own meshes), the
planner's chosen plan as traces over its horizon (feet, centre of mass, capture point), live plots of
planning time against the budget, joint error and pelvis height, and the run's status. One browser at a
time drives: it can push the robot, pause, reset, switch clips (:mod:`g1mpc.running.clips`), and tune the cost
weights and the sampling noise. Clips and tuning are inputs of the compiled stages
(:meth:`~g1mpc.planning.controller.Controller.use_reference`, :meth:`~g1mpc.planning.controller.Controller.tune`): no
rebuild. The others watch, and the page says who drives.

The loop calls :meth:`WebViewer.update` after every replan period (the session's cycle hook) and plans
through :meth:`WebViewer.watch` (a wrapper that hands each plan to the page). Drawing runs in the
viewer's own thread at ``fps``, right after a plan (when the planner waits for its next period), so the control loop
only copies a few arrays and the page's work falls in the planner's slack. The view's threads keep within 2 %
of the CPU time the rest of the process (the planner, its rollout threads, the plant) uses: their rates (scene
frames, traces, plots) scale down on a machine where they would not (:mod:`g1mpc.viewing.web.frame_rate`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from g1mpc.motion.reference import Reference
from g1mpc.planning.pipeline import ClipTooLong, check_clip_fits
from g1mpc.viewing.web.frame_rate import PlanPacer, RateGovernor, ThreadsCpuClock
from g1mpc.viewing.web.meshes import visual_meshes
from g1mpc.viewing.web.poses import local_poses, scene_paths
from g1mpc.viewing.web.traces import TRACE_INTERVAL_S, PlanTracer

if TYPE_CHECKING:
    from g1mpc.running.sim import Simulation

Log = Callable[[str], None]
HISTORY = 250  # cycles in the live plots (5 s at 50 Hz)
SCENE_FPS = 20.0  # scene frames per second: each frame wakes the page's websocket thread beside the planner
PANEL_HZ = 5.0  # plots and status updates per second (the scene moves at ``fps``)
VIEW_CPU_SHARE = 0.02  # the view's threads' CPU time per CPU second of the rest of the process, at most (issue 36)
RATE_WINDOW_S = 1.0  # how often the view measures itself and sets its rates
SEND_TOLERANCE = 1e-3  # m, and quaternion components: a body moved less than this is not sent again


@dataclass
class _Frame:
    """What the drawing thread needs from one cycle."""

    time: float
    xpos: np.ndarray
    xquat: np.ndarray
    ref_qpos: np.ndarray


class _Watched:
    """A controller whose plans and timings the viewer sees; everything else passes through."""

    def __init__(self, controller, viewer: WebViewer):
        self._controller, self._viewer = controller, viewer

    def replan(self, t, qpos, qvel, start_time=None, applied=None):
        arrays = self._controller.arrays  # the tuning this cycle plans with
        plan, timing = self._controller.replan(t, qpos, qvel, start_time=start_time, applied=applied)
        self._viewer.on_plan(plan, timing, qpos, qvel, arrays)
        return plan, timing

    def __getattr__(self, name):
        return getattr(self._controller, name)


class WebViewer:
    """The page for one run (see the module docstring); ``close()`` stops the server."""

    def __init__(self, sim: Simulation, planner_model: mujoco.MjModel, feet: list[int], weights: dict[str, float], *,
                 port: int = 8080,
                 host: str = "127.0.0.1", show_reference: bool = True, fps: float = SCENE_FPS, label: str = "g1mpc",
                 status: dict | None = None, log: Log | None = print,
                 clips: Mapping[str, Callable[[], Reference]] | None = None):
        import viser

        self.sim, self.model, self.log = sim, sim.model, log
        self.period = sim.period
        self.status = dict(status or {})
        before = set(threading.enumerate())
        self.server = viser.ViserServer(host=host, port=port, label=label, verbose=False)
        self._server_threads = [t for t in threading.enumerate() if t not in before]  # its websocket loop
        self._watchers = 0  # browsers connected: traces are computed only while someone watches
        self.rates = RateGovernor(share=VIEW_CPU_SHARE)
        self.port = self.server.get_port()
        self.url = f"http://{host}:{self.port}"
        self._ghost_data = mujoco.MjData(self.model)  # the drawing thread's own
        self._ghost_poses_of: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (ref qpos, xpos, xquat)
        self._pacer = PlanPacer()
        self._lock = threading.Lock()
        self._frame: _Frame | None = None
        self._paused = threading.Event()
        self._reset_requested = threading.Event()
        self._driver: int | None = None
        self._history = {k: deque(maxlen=HISTORY) for k in ("t", "plan_ms", "joint_rms", "height")}
        self._cycle_ms: deque[float] = deque(maxlen=50)
        self.pushes_from_page = 0
        self.weights = dict(weights)  # the configured cost weights, by name, in cost_scale's order
        self._scale = np.ones(len(self.weights))
        self._noise = 1.0
        self._controller = None
        self._pending_tuning: tuple[str, float] | None = None  # (what changed, when), until a cycle plans with it
        self.clips = dict(clips or {})  # clip name -> builder; the first is the run's own clip
        if self.clips:
            sim.clip_name = next(iter(self.clips))
        self._pending_clip: tuple[str, float] | None = None  # (name, when), until a cycle plans with it
        self._clip_note = None
        self.tuning_log: list[dict] = []  # every change from the page and the time of the first plan that used it
        self.tracer = PlanTracer(planner_model, feet)
        self._drawn_traces = None
        self._sent: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # poses last sent, per scene part
        self._world: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # world poses of the last frame drawn, per part
        self._build_scene(show_reference)
        self._build_gui()
        self.server.on_client_connect(self._on_connect)
        self.server.on_client_disconnect(self._on_disconnect)
        self._stop = threading.Event()
        self.fps = fps
        self._thread = threading.Thread(target=self._draw_loop, name="g1mpc-web", daemon=True)
        self._thread.start()
        if log:
            log(f"[g1mpc] web view at {self.url} (from another machine: ssh -L {self.port}:localhost:{self.port} HOST, "
                f"then open http://localhost:{self.port})")

    # scene and page -----------------------------------------------------------------------------------
    def _build_scene(self, show_reference: bool) -> None:
        scene = self.server.scene
        scene.set_up_direction("+z")
        camera = self.server.initial_camera
        camera.position, camera.look_at = (1.6, -1.6, 1.2), (0.0, 0.0, 0.65)  # the robot fills the view
        scene.add_grid("/floor", width=6.0, height=6.0, cell_size=0.25, position=(0.0, 0.0, 0.0))
        meshes = visual_meshes(self.model)
        paths = scene_paths(self.model, sorted({m.body for m in meshes}), "")  # every body a child of its parent
        self._tree = np.array(list(paths))
        self._parents = self.model.body_parentid.copy()
        self._parts = {"robot": scene.add_frame("/robot", show_axes=False),
                       "ghost": scene.add_frame("/ghost", show_axes=False, visible=show_reference)}
        self._robot = {b: scene.add_frame(f"/robot{path}", show_axes=False) for b, path in paths.items()}
        self._ghost = {b: scene.add_frame(f"/ghost{path}", show_axes=False) for b, path in paths.items()}
        for i, m in enumerate(meshes):
            scene.add_mesh_simple(f"/robot{paths[m.body]}/g{i}", m.vertices, m.faces, color=m.color, position=m.position,
                                  wxyz=m.quaternion)
            scene.add_mesh_simple(f"/ghost{paths[m.body]}/g{i}", m.vertices, m.faces, color=(120, 200, 255), opacity=0.3,
                                  position=m.position, wxyz=m.quaternion, cast_shadow=False, receive_shadow=False)
        self._traces = {name: scene.add_spline_catmull_rom(f"/plan/{name}", np.zeros((2, 3)), color=color, thickness=3.0,
                                                           thickness_units="screen")
                        for name, color in (("left_foot", (230, 90, 60)), ("right_foot", (60, 140, 230)),
                                            ("com", (40, 180, 90)), ("capture_point", (200, 160, 30)))}

    def _build_gui(self) -> None:
        gui = self.server.gui
        self._status_md = gui.add_markdown("**status**: starting")
        with gui.add_folder("View"):
            show_robot = gui.add_checkbox("show robot", initial_value=True)
            show_ghost = gui.add_checkbox("show reference ghost", initial_value=self._parts["ghost"].visible)

        @show_robot.on_update
        def _(_event) -> None:
            self._parts["robot"].visible = show_robot.value

        @show_ghost.on_update
        def _(_event) -> None:
            self._sent.pop("ghost", None)  # shown again: send every body
            self._parts["ghost"].visible = show_ghost.value

        self._plots = {
            "plan_ms": gui.add_uplot(*self._series("planning ms", "budget ms"), title="planning time vs budget (ms)",
                                     aspect=2.0, scales=self._scales()),
            "joint_rms": gui.add_uplot(*self._series("joint rms (rad)"), title="joint error (rad)", aspect=2.0, scales=self._scales()),
            "height": gui.add_uplot(*self._series("pelvis height (m)"), title="pelvis height (m)", aspect=2.0, scales=self._scales()),
        }
        gui.add_markdown("Traces over the plan's horizon: left foot (red), right foot (blue), centre of mass (green), "
                         "capture point (yellow). Controls act only for the browser that drives.")

    @staticmethod
    def _scales() -> dict:
        import viser.uplot as uplot

        return {"x": uplot.Scale(time=False, auto=True), "y": uplot.Scale(auto=True)}

    @staticmethod
    def _series(*names: str):
        import viser.uplot as uplot

        data = tuple(np.zeros(1) for _ in range(len(names) + 1))
        colors = ("#2a7ae2", "#c0392b")[:len(names)]
        series = (uplot.Series(label="t (s)"), *(uplot.Series(label=n, stroke=c, width=2) for n, c in zip(names, colors, strict=True)))
        return data, series

    def _on_connect(self, client) -> None:
        gui = client.gui
        with gui.add_folder("Drive"):
            take = gui.add_button("Take control")
            direction = gui.add_slider("push direction (deg)", min=0, max=359, step=1, initial_value=90)
            force = gui.add_slider("push force (N)", min=0, max=400, step=10, initial_value=150)
            push = gui.add_button("Push (0.1 s)")
            pause = gui.add_checkbox("Pause", initial_value=self._paused.is_set())
            reset = gui.add_button("Reset to the reference")
            if self.clips:
                clip = gui.add_dropdown("clip", tuple(self.clips), initial_value=self.sim.clip_name)
                switch = gui.add_button("Switch to this clip")
        with gui.add_folder("Tune (live, no rebuild)"):
            noise = gui.add_slider("sampling noise ×", min=0.0, max=3.0, step=0.05, initial_value=self._noise)
            sliders = {}
            for name, base in self.weights.items():
                if base > 0:  # a weight of 0 is compiled out of the rollouts' cost
                    sliders[name] = gui.add_slider(f"weight {name}", min=0.0, max=float(3 * base), step=float(base / 20),
                                                   initial_value=float(base * self._scale[self._index(name)]))
            gui.add_markdown("Cost weights and the sampling noise are inputs of the compiled planner: a change acts on "
                             "the next cycle, JIT or precompiled. The sample count, horizon and knots are compiled in: "
                             "change them with --num_samples / --plan_horizon / --num_knots and restart (rebuilding "
                             "while the robot runs would stall it). Weights that are 0 in the configuration are "
                             "compiled out. A clip switches live, as an input of the compiled stages, when it fits the "
                             f"run's clip capacity ({self._capacity_text()}); a longer one needs --reference and a restart.")
            if self.clips:
                self._clip_note = gui.add_markdown("")

        def driving() -> bool:
            return self._driver == client.client_id

        @take.on_click
        def _(_event) -> None:
            self._driver = client.client_id
            self._say_driver()

        @push.on_click
        def _(_event) -> None:
            if driving():
                angle = np.radians(direction.value)
                self.sim.request_push(force.value * np.array([np.cos(angle), np.sin(angle), 0.0]), 0.1)
                self.pushes_from_page += 1

        @pause.on_update
        def _(_event) -> None:
            if driving():
                (self._paused.set if pause.value else self._paused.clear)()
            else:
                pause.value = self._paused.is_set()

        @reset.on_click
        def _(_event) -> None:
            if driving():
                self._reset_requested.set()

        if self.clips:
            @switch.on_click
            def _(_event) -> None:
                if driving():
                    self._switch_clip(clip.value)
                else:
                    clip.value = self.sim.clip_name

        @noise.on_update
        def _(_event) -> None:
            if driving():
                self._tune(noise=noise.value)
            else:
                noise.value = self._noise

        for name, slider in sliders.items():
            def on_weight(_event, name=name, slider=slider) -> None:
                if driving():
                    self._tune(weight=(name, slider.value))
                else:
                    slider.value = self.weights[name] * self._scale[self._index(name)]

            slider.on_update(on_weight)

        if self._driver is None:
            self._driver = client.client_id
        self._say_driver()

    def _index(self, name: str) -> int:
        return list(self.weights).index(name)

    def _tune(self, weight: tuple[str, float] | None = None, noise: float | None = None) -> None:
        """Apply a change from the page to the controller (from its next replan on)."""
        if weight is not None:
            name, value = weight
            self._scale[self._index(name)] = value / self.weights[name]
            what = f"weight {name} {self.weights[name]:g} -> {value:g}"
        else:
            self._noise = float(noise)
            what = f"sampling noise x{self._noise:g}"
        if self._controller is not None:
            self._controller.tune(self._scale.copy(), self._noise)
        self._pending_tuning = (what, time.time())
        self.tuning_log.append({"change": what, "wall_time": time.time(), "first_plan_time_s": None})

    def _capacity_text(self) -> str:
        if self._controller is None:
            return "set by RunConfig.clip_capacity"
        arrays = self._controller.arrays
        return f"{arrays.ref_qpos.shape[0]} frames, {arrays.ref_qpos.shape[0] / float(arrays.fps):.0f} s"

    def _switch_clip(self, name: str) -> None:
        """Build the chosen clip (in the page's thread, not the loop's) and have the loop switch to it at the
        end of the cycle; a clip that does not fit the compiled arrays is refused on the page."""
        reference = self.clips[name]()
        if self._controller is not None:
            try:
                check_clip_fits(reference, self._controller.arrays.ref_qpos.shape[0])
            except ClipTooLong as exc:
                if self._clip_note is not None:
                    self._clip_note.content = f"'{name}': {exc}"
                if self.log:
                    self.log(f"[web] clip '{name}': {exc}")
                return
        self.sim.request_clip(reference, name)
        self._pending_clip = (name, time.time())
        self.tuning_log.append({"change": f"clip {name}", "wall_time": time.time(), "first_plan_time_s": None})
        if self._clip_note is not None:
            self._clip_note.content = f"switching to '{name}' ({len(reference.qpos) / reference.fps:.1f} s)"

    def _on_disconnect(self, client) -> None:
        if self._driver == client.client_id:
            others = [cid for cid in self.server.get_clients() if cid != client.client_id]
            self._driver = others[0] if others else None
            self._say_driver()

    def _say_driver(self) -> None:
        self.status["driver"] = "nobody" if self._driver is None else f"browser {self._driver}"

    # the loop's side ----------------------------------------------------------------------------------
    def watch(self, controller):
        """``controller``, its plans and timings shown on the page, tuned from it."""
        self._controller = controller
        return _Watched(controller, self)

    def on_plan(self, plan, timing, qpos: np.ndarray, qvel: np.ndarray, arrays) -> None:
        with self._lock:
            self._cycle_ms.append(timing.total * 1e3)
        pending = self._pending_tuning
        if pending is not None and np.allclose(np.asarray(arrays.cost_scale), self._scale) and \
                np.isclose(float(arrays.noise_scale), self._noise):
            self._pending_tuning = None
            entry = next(e for e in reversed(self.tuning_log) if not e["change"].startswith("clip "))
            entry["first_plan_time_s"] = float(plan.state_time)
            if self.log:
                self.log(f"[web] {pending[0]}: in use from the plan at t={plan.state_time:.2f}s "
                         f"({1e3 * (time.time() - pending[1]):.0f} ms after the change)")
        clip = self._pending_clip
        if clip is not None and self.sim.clip_name == clip[0] and abs(float(arrays.clip_start) - self.sim.clip_start) < 1e-3:
            self._pending_clip = None
            entry = next(e for e in reversed(self.tuning_log) if e["change"] == f"clip {clip[0]}")
            entry["first_plan_time_s"] = float(plan.state_time)
            if self.log:
                self.log(f"[web] clip {clip[0]}: in use from the plan at t={plan.state_time:.2f}s "
                         f"({1e3 * (time.time() - clip[1]):.0f} ms after the switch)")
        if self._watchers:
            self.tracer.submit(plan, qpos, qvel)
        self._pacer.planned()

    def update(self, data: mujoco.MjData, ref_qpos: np.ndarray) -> bool:
        """The loop's cycle hook: copy the poses and the numbers for the page (the ghost's are computed when drawn);
        hold while paused; reset on request."""
        joint_rms = float(np.sqrt(np.mean((data.qpos[7:] - ref_qpos[7:]) ** 2)))
        with self._lock:
            self._frame = _Frame(data.time, data.xpos.copy(), data.xquat.copy(), np.array(ref_qpos))
            h = self._history
            h["t"].append(data.time)
            h["plan_ms"].append(self._cycle_ms[-1] if self._cycle_ms else np.nan)
            h["joint_rms"].append(joint_rms)
            h["height"].append(float(data.qpos[2]))
        while self._paused.is_set() and not self._stop.is_set():
            time.sleep(0.05)
        if self._reset_requested.is_set():
            self._reset_requested.clear()
            self.sim.request_reset()
        return True

    # drawing thread -----------------------------------------------------------------------------------
    def _draw_loop(self) -> None:
        fps, count, drawn = self.fps, 0, None
        clock = ThreadsCpuClock([threading.current_thread(), self.tracer.thread, *self._server_threads])
        window_start, process_start = time.perf_counter(), time.process_time()
        while self._pacer.wait(1.0 / (fps * self.rates.factor), self._stop):
            try:
                now, process = time.perf_counter(), time.process_time()
                if now - window_start >= RATE_WINDOW_S:  # the rest of the process: the planner, the plant, the loop
                    view = clock.lap()
                    factor = self.rates.update(view, process - process_start - view, now - window_start)
                    self.tracer.interval = TRACE_INTERVAL_S / factor
                    window_start, process_start = now, process
                self._watchers = len(self.server.get_clients())
                if not self._watchers:
                    continue  # nobody watches: send nothing
                drawn = self._draw_scene(drawn)
                count += 1
                if count % max(1, round(fps / PANEL_HZ)) == 0:  # every few frames: slower with them
                    self._draw_panel()
            except Exception as exc:  # a page problem must never stop the robot
                if self.log:
                    self.log(f"[g1mpc] web view: {type(exc).__name__}: {exc}")

    def _draw_scene(self, drawn: _Frame | None) -> _Frame | None:
        """Move the robot, the ghost and the traces to the newest cycle (nothing when it has not changed; the page's
        event loop is only woken when something is sent)."""
        with self._lock:
            frame = self._frame
        if frame is None or frame is drawn:
            return drawn
        moves = self._moves("robot", self._robot, frame.xpos, frame.xquat)
        if self._parts["ghost"].visible:
            moves += self._moves("ghost", self._ghost, *self._ghost_poses(frame.ref_qpos))
        traces = self.tracer.latest()
        new_traces = traces is not None and traces is not self._drawn_traces
        if moves or new_traces:
            with self.server.atomic():
                for node, attribute, value in moves:
                    setattr(node, attribute, value)
                if new_traces:
                    self._drawn_traces = traces
                    for name, points in traces.items():
                        self._traces[name].positions = points
            self.server.flush()  # sent now, in the planner's slack, not on the page's own window timer a plan later
        return frame

    def _ghost_poses(self, ref_qpos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The reference's body poses (nbody x 3, nbody x 4), computed again only when the reference moved."""
        last = self._ghost_poses_of
        if last is None or not np.array_equal(last[0], ref_qpos):
            g = self._ghost_data
            g.qpos[:] = ref_qpos
            mujoco.mj_kinematics(self.model, g)
            self._ghost_poses_of = last = (ref_qpos, g.xpos.copy(), g.xquat.copy())
        return last[1], last[2]

    def _moves(self, name: str, frames: dict, xpos: np.ndarray, xquat: np.ndarray) -> list[tuple[object, str, np.ndarray]]:
        """(scene node, ``position`` or ``wxyz``, value) for each body whose pose in its parent's frame changed by
        more than ``SEND_TOLERANCE`` since it was last sent: a hinge's child keeps its position, a joint that did
        not turn sends nothing, and a robot holding a pose, or a ghost in a held frame, sends nothing at all (less
        work beside the planner)."""
        world = self._world.get(name)
        if world is not None and np.array_equal(world[0], xpos) and np.array_equal(world[1], xquat):
            return []  # the same poses as the last frame drawn: a ghost in a held frame
        self._world[name] = (xpos, xquat)
        pos, quat = local_poses(self._parents, xpos, xquat)
        pos, quat = pos[self._tree], quat[self._tree]
        sent = self._sent.get(name)
        if sent is None:
            moved_pos = moved_quat = np.ones(len(self._tree), bool)
            self._sent[name] = sent = (pos.copy(), quat.copy())
        else:
            moved_pos = np.abs(pos - sent[0]).max(axis=1) > SEND_TOLERANCE
            moved_quat = np.abs(quat - sent[1]).max(axis=1) > SEND_TOLERANCE
            sent[0][moved_pos], sent[1][moved_quat] = pos[moved_pos], quat[moved_quat]
        return ([(frames[int(self._tree[i])], "position", pos[i]) for i in np.flatnonzero(moved_pos)]
                + [(frames[int(self._tree[i])], "wxyz", quat[i]) for i in np.flatnonzero(moved_quat)])

    def _draw_panel(self) -> None:
        """The plots and the status line (a few times a second)."""
        with self._lock:
            frame = self._frame
            hist = {k: np.array(v, dtype=float) for k, v in self._history.items()}
            plan_ms = list(self._cycle_ms)
        if frame is None:
            return
        with self.server.atomic():  # one wake of the websocket thread for the plots and the status together
            self._send_panel(frame, hist, plan_ms)
        self.server.flush()

    def _send_panel(self, frame: _Frame, hist: dict[str, np.ndarray], plan_ms: list[float]) -> None:
        if len(hist["t"]) >= 2:
            budget = np.full_like(hist["t"], self.period * 1e3)
            self._plots["plan_ms"].data = (hist["t"], hist["plan_ms"], budget)
            self._plots["joint_rms"].data = (hist["t"], hist["joint_rms"])
            self._plots["height"].data = (hist["t"], hist["height"])
        s = self.status
        self._status_md.content = (
            f"**t** {frame.time:.2f} s | **{'paused' if self._paused.is_set() else 'running'}** | "
            f"clip {self.sim.clip_name} | mode {s.get('mode', '?')} | samples {s.get('samples', '?')} | "
            f"planning p50 {np.median(plan_ms) if plan_ms else float('nan'):.1f} ms of {self.period * 1e3:.0f} ms | "
            f"view {self.fps * self.rates.factor:.0f} fps | falls {self.sim.fall_count} | "
            f"pushes from the page {self.pushes_from_page} | driver: {s.get('driver', 'nobody')} | "
            f"{len(self.server.get_clients())} browser(s)")

    def close(self) -> None:
        self._stop.set()
        self._pacer.planned()  # wake the drawing thread to see the stop
        self._paused.clear()
        self._thread.join(timeout=2.0)
        self.tracer.close()
        self.server.stop()
