"""Closed-loop evaluation over seeds: one pushed run per seed, in this process or on Ray workers.

A run depends only on its configuration and seed (sampling and push directions), so a sweep spread over
any number of workers gives the same falls and tracking as a serial one; only timings differ.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import mujoco
import numpy as np

from g1mpc.baselines.locomotion_policy import LocomotionPolicy, check_plant, load_policy_spec
from g1mpc.robots.perturbation import PerturbationRanges
from g1mpc.robots.plants import NOMINAL
from g1mpc.running.assembly import ObserverFactory, assemble
from g1mpc.running.cluster import ClusterConfig, run_jobs
from g1mpc.running.config import RunConfig
from g1mpc.running.footsteps import FootTrack
from g1mpc.running.loop import run_loop
from g1mpc.running.sim import PushConfig, SimConfig


def fall_rate_interval(fallen: int, runs: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of the fall rate from ``fallen`` of ``runs`` (95 % for the default ``z``):
    how far a screen of a few runs can tell two controllers apart."""
    if not 0 <= fallen <= runs or runs < 1:
        raise ValueError(f"fallen ({fallen}) must be in [0, runs ({runs})] and runs >= 1")
    p, z2 = fallen / runs, z * z
    centre = (p + z2 / (2 * runs)) / (1 + z2 / runs)
    half = z * np.sqrt(p * (1 - p) / runs + z2 / (4 * runs * runs)) / (1 + z2 / runs)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


@dataclass(frozen=True)
class Evaluation:
    """What each seed's run is: the planner, the network (None for CEM only), length, pushes, warm-up rounds,
    the loop (``loop``, ``latency``, ``compensation`` as in :class:`~g1mpc.running.sim.SimConfig`; the
    asynchronous loop runs in wall-clock time, so its results depend on the machine), and the simulated
    plant (``plant``, ``perturb``: drawn per seed); ``observer`` (an :data:`~g1mpc.running.assembly.ObserverFactory`,
    picklable for Ray) what the controller sees the plant through (None: its true state). ``policy`` names a learned policy
    (:mod:`g1mpc.baselines.locomotion_policy`) that drives the robot instead of the planner, on the same
    pushes and fall test; ``config.gains`` must then be its gains."""

    config: RunConfig
    checkpoint: str | None = None
    duration: float = 20.0
    pushes: PushConfig = PushConfig()
    warmup: int = 2
    loop: str = "sync"
    latency: float = 0.0
    compensation: str = "none"
    plant: str = NOMINAL
    perturb: PerturbationRanges = PerturbationRanges()
    policy: str | None = None
    observer: ObserverFactory | None = None


class SeedRunner:
    """Builds the run's parts once, then runs one seed per call: ``runner(seed) -> dict`` of per-cycle arrays."""

    def __init__(self, evaluation: Evaluation, nthread: int | None = None):
        self.evaluation = evaluation
        self.assembly = assemble(evaluation.config, nthread=nthread)
        self.params, self.policy = None, None
        if evaluation.policy is not None:
            self.policy = LocomotionPolicy(load_policy_spec(evaluation.policy))
        elif evaluation.config.controller.mode != "cem":
            from g1mpc.network.torch_mlp import load_network

            self.params = load_network(evaluation.checkpoint, self.assembly.network_spec())

    def __call__(self, seed: int, watch: Callable[[mujoco.MjData, np.ndarray], object] | None = None) -> dict:
        """One seed's run; ``watch(data, reference_qpos)``, if given, also sees every cycle's end state."""
        e, a = self.evaluation, self.assembly
        sim = a.simulation(SimConfig(duration=e.duration, realtime=e.loop == "async", print_every=0,
                                     pushes=replace(e.pushes, seed=seed), loop=e.loop, latency=e.latency,
                                     compensation=e.compensation, plant=e.plant, perturb=e.perturb), e.observer)
        if self.policy is not None:
            check_plant(self.policy.spec, sim.model)
            controller = self.policy
        else:
            controller = a.controller(self.params)
            controller.config = replace(controller.config, seed=seed)
            controller.warmup(0.0, sim.data.qpos.copy(), sim.data.qvel.copy(), e.warmup)
        controller.reset(a.reference.ctrl[0])
        track = FootTrack(sim.model, a.robot)
        cpu_start = time.process_time()
        on_cycle = track if watch is None else (lambda d, ref: bool(track(d, ref)) and watch(d, ref) is not False)
        result = run_loop(sim, controller, on_cycle=on_cycle, log=None)
        cpu_s = time.process_time() - cpu_start
        return {**track.summary(), "track": track.arrays(), "cpu_s": cpu_s,
            "seed": seed, "planning_s": np.array([c.total for c in result.cycles]),
            "joint_rms": np.array([c.joint_rms for c in result.cycles]), "falls": list(result.falls),
            "latency_s": np.array([c.latency for c in result.cycles if c.latency is not None]),
            "replans_per_s": len(result.cycles) / result.wall_time if result.wall_time > 0 else 0.0,
            "interrupted": result.interrupted, "plant": result.plant,
        }

    def close(self) -> None:
        self.assembly.close()


def evaluate(evaluation: Evaluation, seeds: list[int], cluster: ClusterConfig | None = None,
             nthread: int | None = None) -> list[dict]:
    """One run per seed, ordered by seed; on Ray workers when ``cluster`` is given."""
    runs: dict[int, dict] = {}

    def keep(seed: int, run: dict) -> None:
        if run["interrupted"]:
            raise KeyboardInterrupt
        runs[seed] = run

    run_jobs(SeedRunner, (evaluation,), seeds, cluster, keep, nthread=nthread)
    return [runs[s] for s in seeds]
