"""A sample count sized to the machine (``--num_samples auto``).

Almost all of a replan is the rollout batch (see docs/realtime.md), so the sizing times that batch
here: the planner model, the run's horizon and rollout threads, from the reference's first state with
controls spread like the planner's samples, beside a thread that steps the plant in wall-clock time as
the real-time loop's plant thread does (its CPU and its share of the interpreter lock). It keeps the
largest candidate count whose 95th-percentile rollout time fits ``BUDGET_SHARE`` of the replan period,
as every smaller count does; the rest of the period is the margin for the JAX stages and a busier
machine. The candidates step by about 1.5 (8, 12, 16, 24, ...), so a machine between two powers of two plans
with the count between them rather than the one below (one core of the G1's test host: 12, where 16 misses the
budget, docs/realtime.md); the host's speed of the minute (readings vary by 20-30 %) can tip a choice between
neighbours a third apart. The choice is cached per machine and settings, so a second run does not measure
again; an explicit ``--num_samples`` always wins.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import mujoco
import numpy as np

from g1mpc.common.atomic import atomic_write
from g1mpc.common.paths import DEFAULT_SIZING_CACHE
from g1mpc.planning.backends.native import usable_cores
from g1mpc.running.async_loop import GIL_SWITCH_INTERVAL
from g1mpc.running.config import RunConfig

CANDIDATES = (8, 12, 16, 24, 32, 48, 64, 96, 128)
BUDGET_SHARE = 0.8
REPEATS = 15
MIN_SECONDS = 2.0  # per count: longer than the period of a bursty job beside it, so every count's readings see it
METHOD = "beside the plant thread, counts a half apart, 2 s each"  # part of the cache key: a change of method measures again
IN_PROCESS = "in-process"  # the sizing context of the run commands; deploy sizes itself apart (sizing_key)


@dataclass(frozen=True)
class Sizing:
    """The chosen sample count and what it came from.

    Attributes:
        num_samples, num_elites: the choice (elites at the preset's ratio, at least 2).
        budget_ms: the share of the replan period the rollouts may take.
        rollout_p95_ms: candidate count -> 95th-percentile rollout time measured here (ms).
        key: the machine and settings it is valid for; measured: when it was measured.
    """

    num_samples: int
    num_elites: int
    budget_ms: float
    rollout_p95_ms: dict[int, float]
    key: str
    measured: str

    def line(self, reused: bool) -> str:
        timings = ", ".join(f"{n}: {ms:.1f}" for n, ms in self.rollout_p95_ms.items())
        origin = f"measured {self.measured}, reused" if reused else "measured now"
        return (f"--num_samples auto: {self.num_samples} samples, {self.num_elites} elites (the largest whose rollout p95 beside "
                f"the plant fits {self.budget_ms:.1f} ms, {BUDGET_SHARE:.0%} of the period; p95 ms by samples {timings}; {origin})")


def choose_num_samples(rollout_p95_ms: dict[int, float], budget_ms: float) -> int:
    """The largest count whose time fits the budget as every smaller count's does (a larger count measured
    faster than a smaller one is noise, not a reason to plan with it); the smallest measured count if none fits."""
    chosen = min(rollout_p95_ms)
    for n in sorted(rollout_p95_ms):
        if rollout_p95_ms[n] > budget_ms:
            break
        chosen = n
    return chosen


class PlantBeside:
    """A context in which a thread steps ``model`` from ``qpos`` under ``ctrl`` at its timestep in wall-clock time,
    copying its state after every step, with the real-time loop's interpreter switch interval: the load the
    plant thread puts beside the planner in a real-time run."""

    def __init__(self, model: mujoco.MjModel, qpos: np.ndarray, ctrl: np.ndarray):
        self.model, self.data = model, mujoco.MjData(model)
        self.data.qpos[:], self.data.ctrl[:] = qpos, ctrl
        self.steps = 0
        self.state: tuple[float, np.ndarray, np.ndarray] | None = None  # (time, qpos, qvel) after the last step
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="g1mpc-sizing-plant", daemon=True)

    def _run(self) -> None:
        d, dt, start = self.data, self.model.opt.timestep, time.perf_counter()
        while not self._stop.is_set():
            lag = time.perf_counter() - (start + self.steps * dt)
            if lag < 0:
                time.sleep(-lag)
            mujoco.mj_step(self.model, d)
            self.state = (d.time, d.qpos.copy(), d.qvel.copy())
            self.steps += 1

    def __enter__(self) -> PlantBeside:
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        sys.setswitchinterval(self._switch)


def elites_for(num_samples: int, preset_samples: int, preset_elites: int) -> int:
    """Elites at the preset's ratio (at least 2, at most the samples)."""
    return int(min(num_samples, max(2, round(num_samples * preset_elites / preset_samples))))


def machine_fingerprint(nthread: int | None) -> dict:
    """What the timings depend on besides the settings: processor, usable cores, rollout threads, MuJoCo."""
    model_name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model_name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = usable_cores()
    return {"cpu": model_name, "cores": cores, "nthread": nthread or cores, "mujoco": mujoco.__version__}


def sizing_key(config: RunConfig, nthread: int | None, context: str = IN_PROCESS) -> str:
    """Hash of the machine, of the settings the rollout time depends on (the servo gains among them: softer servos
    change the contacts a rollout meets), and of the ``context`` the planner runs in
    (``deploy`` sizes itself apart: it shares the machine with what it drives, a robot-sim in sim-to-sim)."""
    settings = {"robot": config.robot, "reference": config.reference, "frequency": config.frequency,
                "plan_horizon": config.plan_horizon, "planner_model": asdict(config.planner_model), "gains": config.gains,
                "sigma_start": config.controller.sigma_start, "method": METHOD, "context": context}
    blob = json.dumps({"machine": machine_fingerprint(nthread), "settings": settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def measure_rollouts(rollout: Callable, qpos: np.ndarray, ctrl: np.ndarray, horizon_steps: int, noise: np.ndarray,
                     budget_ms: float, candidates: tuple[int, ...] = CANDIDATES, repeats: int = REPEATS,
                     min_seconds: float = MIN_SECONDS) -> dict[int, float]:
    """95th-percentile time (ms) of a rollout batch per candidate count, from ``qpos`` (nq,) at rest, with
    controls ``ctrl`` (nu,) plus Gaussian noise of per-actuator scale ``noise`` (nu,); each count is timed
    at least ``repeats`` times and for at least ``min_seconds``.

    Stops after the first count that takes over 1.5 budgets (larger ones only take longer).
    """
    rng = np.random.default_rng(0)
    qvel = np.zeros(rollout.model.nv)
    times: dict[int, float] = {}
    for n in candidates:
        controls = ctrl[None, None] + rng.normal(size=(n, horizon_steps, ctrl.shape[0])) * noise
        for _ in range(2):  # first calls allocate the output buffers
            rollout(0.0, qpos, qvel, controls)
        samples: list[float] = []
        spent = 0.0
        while len(samples) < repeats or spent < min_seconds:
            tic = time.perf_counter()
            rollout(0.0, qpos, qvel, controls)
            samples.append(time.perf_counter() - tic)
            spent += samples[-1]
        times[n] = float(np.percentile(samples, 95) * 1e3)
        if times[n] > 1.5 * budget_ms:
            break
    return times


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # no cache, or an unreadable one: measure again and rewrite it


def size_num_samples(config: RunConfig, nthread: int | None, preset_sizes: dict, cache: str | Path = DEFAULT_SIZING_CACHE,
                     remeasure: bool = False, context: str = IN_PROCESS) -> tuple[Sizing, bool]:
    """(the sizing for this machine, settings and ``context`` (see :func:`sizing_key`), whether it was reused from
    ``cache``)."""
    key = sizing_key(config, nthread, context)
    path = Path(cache)
    stored = _read_cache(path).get(key)
    if stored and not remeasure:
        try:
            stored["rollout_p95_ms"] = {int(n): float(ms) for n, ms in stored["rollout_p95_ms"].items()}
            return Sizing(**stored), True
        except (KeyError, TypeError, ValueError):
            pass
    from g1mpc.running.assembly import load_task_models, make_spec, native_rollout

    plant, planner_model, reference = load_task_models(config)
    spec = make_spec(config, plant, config.robot_description)
    robot = config.robot_description
    noise = config.controller.sigma_start * np.asarray(robot.noise_scale([plant.actuator(i).name for i in range(plant.nu)]))
    budget = BUDGET_SHARE * 1e3 / config.frequency
    with native_rollout(config, planner_model, spec, nthread) as rollout, PlantBeside(plant, reference.qpos[0], reference.ctrl[0]):
        times = measure_rollouts(rollout, reference.qpos[0], reference.ctrl[0], spec.horizon_steps, noise, budget)
    samples = choose_num_samples(times, budget)
    sizing = Sizing(samples, elites_for(samples, preset_sizes["num_samples"], preset_sizes["num_elites"]), budget, times, key,
                    datetime.now(timezone.utc).isoformat(timespec="seconds"))
    entries = _read_cache(path)
    entries[key] = asdict(sizing)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w") as f:
            json.dump(entries, f, indent=1)
    except OSError:
        pass  # an unwritable cache only means measuring again next time
    return sizing, False
