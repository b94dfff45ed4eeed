"""Expert data collection: a strong sampling planner (CEM, or the hybrid with a network), pushed around,
recorded per replan.

Each episode starts at a random time of the reference clip with a perturbed
state, is pushed with a random force, and records the network input (state and
reference look-ahead), the plan the expert's update started from (its warm start)
and the expert's knots after every replan. Episodes that
fall are discarded and retried with a new seed. One shard per episode, so an
interrupted collection resumes where it stopped.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from g1mpc.common.errors import ConfigError
from g1mpc.learning.dataset import shard_path, write_shard
from g1mpc.planning.controller import ControllerConfig
from g1mpc.robots.base import FreeBase
from g1mpc.robots.perturbation import PerturbationRanges
from g1mpc.robots.plants import NOMINAL
from g1mpc.running.assembly import Assembly, assemble
from g1mpc.running.cluster import ClusterConfig, run_jobs
from g1mpc.running.config import RunConfig
from g1mpc.running.sim import PushConfig, SimConfig


@dataclass(frozen=True)
class CollectConfig:
    """An expert-data collection: episodes, their pushes and perturbations, and DAgger.

    Attributes:
        episodes, episode_duration: successful episodes to collect, and their length (s).
        push_force: (low, high) newtons, drawn per episode.
        push_interval, push_duration: seconds between pushes and their length.
        joint_noise, velocity_noise: initial perturbation of the joints (rad) and all velocities.
        max_retries: tries of an episode whose robot fell before it is skipped.
        seed: base seed of every episode's seed.
        dagger_checkpoint: DAgger: this network's hybrid controller drives and the expert labels.
        dagger_samples: samples of the DAgger driver.
        first_episode: index of the first shard (to add rounds to a dataset).
        motions: each episode tracks its own generated motion (:mod:`g1mpc.motion.generated`, drawn from ``seed`` and
            the episode index, ``motion_duration`` s) instead of the run's reference.
        label_from_driver_plan: DAgger: each labelled update starts from the driver's plan, not the expert's
            own (labels for a plan-conditioned network: what the expert makes of the plans the learner holds).
        expert_checkpoint: the expert is the hybrid controller with this network (at the run's sample count)
            instead of CEM alone: labels that improve on a network by sampling around it.
        cold_labels: every labelled update starts afresh (no plan or sigma carried from earlier cycles; with a
            DAgger driver, the driver's last control as the previous one), so a label depends on the state only.
        plant, perturb: the robot the episodes' simulation steps (a plant variant of the run's robot) and the
            factors applied to it, drawn from each episode's seed (data from a robot other than the planner's).
    """

    episodes: int = 30
    episode_duration: float = 8.0
    push_force: tuple[float, float] = (50.0, 200.0)
    push_interval: float = 1.5
    push_duration: float = 0.1
    joint_noise: float = 0.03
    velocity_noise: float = 0.1
    max_retries: int = 3
    seed: int = 0
    dagger_checkpoint: str | None = None
    dagger_samples: int = ControllerConfig.num_samples  # the real-time hybrid drives
    first_episode: int = 0
    motions: bool = False
    motion_duration: float = 20.0
    label_from_driver_plan: bool = False
    expert_checkpoint: str | None = None
    cold_labels: bool = False
    plant: str = NOMINAL
    perturb: PerturbationRanges = PerturbationRanges()

    def __post_init__(self) -> None:
        low, high = self.push_force
        checks = [
            (self.episodes >= 1, "--episodes must be >= 1"),
            (self.episode_duration > 0, "--episode_duration must be > 0"),
            (0 <= low <= high, "--push_min must be >= 0 and <= --push_max"),
            (self.dagger_samples >= 2, "--dagger_samples must be at least 2"),
            (self.first_episode >= 0, "--first_episode must be >= 0"),
            (not self.label_from_driver_plan or self.dagger_checkpoint is not None,
             "--label_from_driver_plan needs --dagger_model (a driver whose plan the expert starts from)"),
            (not (self.cold_labels and self.label_from_driver_plan),
             "--cold_labels and --label_from_driver_plan exclude each other (a fresh start or the driver's plan)"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)


DAGGER_DROP_BEFORE_FALL = 0.5  # seconds of a DAgger episode discarded before a fall


class _Recorder:
    """Records (features, the plan the expert's update starts from, its knots) each cycle; the expert drives
    unless a learner is given (DAgger), and starts from the learner's plan with ``from_learner_plan`` or
    afresh with ``cold``."""

    def __init__(self, expert, assembly, learner=None, from_learner_plan: bool = False, cold: bool = False):
        self.expert, self.assembly, self.learner, self.from_learner_plan = expert, assembly, learner, from_learner_plan
        self.cold = cold
        self.features: list[np.ndarray] = []
        self.warm_starts: list[np.ndarray] = []
        self.knots: list[np.ndarray] = []

    def reset(self, *args):
        self.expert.reset(*args)
        if self.learner is not None:
            self.learner.reset(*args)

    def plan(self, t, qpos, qvel):
        a = self.assembly
        feats = a.stages.features(np.asarray(qpos, np.float32), np.asarray(qvel, np.float32), np.float32(t), a.arrays)
        if self.from_learner_plan:
            self.expert.mean = np.array(self.learner.mean, np.float32)
        if self.cold:
            self.expert.forget_plan()
            if self.learner is not None:
                self.expert.prev_ctrl = np.array(self.learner.prev_ctrl, np.float32)
        out = self.expert.plan(t, qpos, qvel)
        self.features.append(np.asarray(feats))
        self.warm_starts.append(np.asarray(self.expert.last_warm_start))
        self.knots.append(np.asarray(self.expert.mean))
        return out if self.learner is None else self.learner.plan(t, qpos, qvel)


def _load_network(checkpoint: str | None, spec: dict) -> dict | None:
    """The checkpoint's parameters for a run of ``spec``, or None without one (torch is imported only then)."""
    if checkpoint is None:
        return None
    from g1mpc.network.torch_mlp import load_network

    return load_network(checkpoint, spec)


class Episode(NamedTuple):
    """One collected episode: network inputs (T, F), expert knots (T, K, nu), its metadata, and the plans
    (T, K, nu) the expert's updates started from."""

    features: np.ndarray
    knots: np.ndarray
    metadata: dict
    warm_starts: np.ndarray


class EpisodeCollector:
    """Runs collection episodes by index; the same in this process and in a Ray worker.

    An episode's seed, start time, perturbation and push force depend only on ``config.seed`` and the
    episode index, so any number of workers produces the same episodes. Returns None for an episode whose
    robot fell in every try, and an :class:`Episode` with ``metadata["interrupted"]`` on Ctrl-C.
    """

    def __init__(self, run: RunConfig, config: CollectConfig, nthread: int | None = None):
        if config.expert_checkpoint is not None:
            run = replace(run, controller=replace(run.controller, mode="hybrid"))
        self.run, self.config = run, config
        self.assembly = assemble(run, nthread=nthread)
        self.spec = self.assembly.network_spec()
        self.expert_params = _load_network(config.expert_checkpoint, self.spec)
        self.learner = None
        if config.dagger_checkpoint is not None:
            samples = config.dagger_samples
            learner_run = replace(run, controller=replace(  # the real-time hybrid, whatever the expert's settings
                run.controller, mode="hybrid", num_samples=samples, num_elites=max(2, samples // 8),
                iterations=ControllerConfig.iterations, anchor_fraction=ControllerConfig.anchor_fraction))
            learner_assembly = assemble(learner_run, nthread=nthread)
            self.learner = (learner_assembly, _load_network(config.dagger_checkpoint, learner_assembly.network_spec()))

    def _motion(self, episode: int) -> tuple[Assembly, tuple | None, int | None]:
        """The expert's and the learner's assemblies for this episode's clip, and the motion's seed."""
        if not self.config.motions:
            return self.assembly, self.learner, None
        from g1mpc.motion.generated import MotionConfig, motion_reference

        a, seed = self.assembly, self.config.seed * 100_003 + episode * 101
        reference = motion_reference(a.plant, a.robot, seed, MotionConfig(duration=self.config.motion_duration))
        learner = None if self.learner is None else (self.learner[0].with_reference(reference), self.learner[1])
        return a.with_reference(reference), learner, seed

    def __call__(self, episode: int) -> Episode | None:
        config, run = self.config, self.run
        assembly, learner, motion_seed = self._motion(episode)
        discarded = 0
        for attempt in range(config.max_retries + 1):
            seed = config.seed * 100_003 + episode * 101 + attempt
            result, recorder = _run_episode(assembly, run, config, seed, learner, self.expert_params)
            if result.interrupted or not result.falls:
                break
            if self.learner is not None:  # DAgger: states before the learner's fall are the valuable ones;
                drop = int(DAGGER_DROP_BEFORE_FALL * run.frequency)  # the last moments are beyond recovery
                recorder.features, recorder.knots = recorder.features[:-drop], recorder.knots[:-drop]
                recorder.warm_starts = recorder.warm_starts[:-drop]
                break
            discarded += 1
        else:
            return None
        metadata = {
            "task_spec": self.spec, "run_config": run.as_dict(), "collect_config": asdict(config),
            "episode": episode, "seed": seed, "motion_seed": motion_seed, "attempts": attempt + 1, "discarded_falls": discarded,
            "summary": result.summary(), "dagger_checkpoint": config.dagger_checkpoint, "fell": bool(result.falls),
            "interrupted": result.interrupted, "expert_checkpoint": config.expert_checkpoint,
        }
        return Episode(np.array(recorder.features, np.float32), np.array(recorder.knots, np.float32), metadata,
                       np.array(recorder.warm_starts, np.float32))

    def close(self) -> None:
        self.assembly.close()
        if self.learner is not None:
            self.learner[0].close()


def collect(out_dir: str | Path, run: RunConfig, config: CollectConfig, nthread: int | None = None,
            progress: bool = True, cluster: ClusterConfig | None = None) -> dict:
    """Collect ``config.episodes`` successful episodes into ``out_dir`` (skipping shards already there).

    Episodes run in this process, or on Ray workers with ``cluster``; either way this process writes each
    shard atomically as its episode arrives, so an interrupted or crashed run keeps every finished shard
    and a rerun collects only the missing ones. With ``config.dagger_checkpoint`` the hybrid controller
    (that network, ``dagger_samples`` samples) drives and the expert only labels the states it visits.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    indices = range(config.first_episode, config.first_episode + config.episodes)
    todo = [e for e in indices if not shard_path(out_dir, e).exists()]
    stats = {"episodes": 0, "skipped_existing": len(indices) - len(todo), "discarded_falls": 0, "samples": 0,
             "skipped_all_fell": 0, "workers": 0}
    bars: list[tqdm] = []  # opened once the workers run, so a setup error is the only thing printed
    start = time.perf_counter()

    def open_bar() -> tqdm:
        bars.append(tqdm(total=len(todo), desc="collect", unit="episode", disable=not (progress and sys.stderr.isatty())))
        return bars[0]

    def keep(episode: int, data: Episode | None) -> None:
        bar = bars[0]
        if data is None:
            stats["skipped_all_fell"] += 1
            bar.write(f"[collect] episode {episode}: fell in all {config.max_retries + 1} tries; skipped")
        elif data.metadata["interrupted"]:
            raise KeyboardInterrupt
        else:
            write_shard(shard_path(out_dir, episode), data.features, data.knots, data.metadata, data.warm_starts)
            stats["episodes"] += 1
            stats["samples"] += len(data.features)
            stats["discarded_falls"] += data.metadata["discarded_falls"]
        bar.update(1)
        rate = f"{stats['samples'] / (time.perf_counter() - start):.0f}"
        bar.set_postfix(labels=stats["samples"], labels_per_s=rate)
        if progress and bar.disable:  # a log file, not a terminal: one line per episode instead of a redrawn bar
            done = stats["episodes"] + stats["skipped_all_fell"]
            print(f"[collect] {done}/{len(todo)} episodes, {stats['samples']} labels, {rate} labels/s", file=sys.stderr, flush=True)

    def started(workers: int, threads: int, nodes: int) -> None:
        stats["workers"], stats["threads_per_worker"], stats["nodes"] = workers, threads, nodes
        bar = open_bar()
        if cluster is not None:
            bar.write(f"[collect] {workers} Ray workers x {threads} rollout threads on {nodes} node(s)")

    try:
        run_jobs(EpisodeCollector, (run, config), todo, cluster, keep, started, nthread)
    except KeyboardInterrupt:  # Ctrl-C / SIGTERM: the shards written so far stay valid
        tqdm.write(f"[collect] interrupted: {stats['episodes']} new shards kept in {out_dir}; run again to resume")
        stats["interrupted"] = True
    finally:
        for bar in bars:
            bar.close()
    stats["wall_s"] = time.perf_counter() - start
    stats["labels_per_s"] = stats["samples"] / max(stats["wall_s"], 1e-9)
    return stats


def _run_episode(assembly, run: RunConfig, config: CollectConfig, seed: int, learner=None, expert_params=None):
    rng = np.random.default_rng(seed)
    force = float(rng.uniform(*config.push_force))
    sim_config = SimConfig(
        duration=config.episode_duration, realtime=False, print_every=0.0,
        pushes=PushConfig(force=force, interval=config.push_interval, duration=config.push_duration, seed=seed),
        plant=config.plant, perturb=config.perturb,
    )
    controller = assembly.controller(expert_params)
    controller.config = replace(controller.config, seed=seed)
    sim = assembly.simulation(sim_config)
    start = float(rng.uniform(0, assembly.reference.duration))
    sim.reset(start)
    sim.data.qpos[FreeBase.JOINTS] += rng.normal(0, config.joint_noise, assembly.plant.nq - FreeBase.NQ)
    sim.data.qvel[:] += rng.normal(0, config.velocity_noise, assembly.plant.nv)
    driver = None
    if learner is not None:
        driver = learner[0].controller(learner[1])
        driver.config = replace(driver.config, seed=seed)
    recorder = _Recorder(controller, assembly, driver, config.label_from_driver_plan, config.cold_labels)
    recorder.reset(assembly.reference.ctrl[0])
    return sim.run(recorder, log=None), recorder
