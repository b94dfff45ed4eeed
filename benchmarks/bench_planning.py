"""Closed-loop planner benchmark: planning time vs bare rollouts, falls and tracking, with and without pushes.

Usage (prints a table, writes JSON):
    python benchmarks/bench_planning.py --modes cem:16 cem:64 hybrid:16 nn --seeds 5 --duration 20 --out bench.json
Each entry is MODE[:NUM_SAMPLES[:NUM_ELITES]] (elites default to --elites_ratio x samples, at least 2);
runs use --no_realtime so slow configurations still finish. --workers N (and --ray_address ADDR) spread
the seeds over Ray workers: the same falls and tracking as a serial run; timings then share the cores.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import jax
import numpy as np
from field_overrides import overrides

from g1mpc.common.paths import default_checkpoint
from g1mpc.lowlevel.estimated_base import estimated_base
from g1mpc.lowlevel.estimator import BASE_VIEWS
from g1mpc.planning.controller import ControllerConfig
from g1mpc.registry import ROBOTS
from g1mpc.robots.base import Robot
from g1mpc.robots.models import PLANNER_MODELS, PlannerModelConfig
from g1mpc.robots.perturbation import PerturbationRanges
from g1mpc.robots.plants import MODEL_GAINS, NOMINAL
from g1mpc.running.assembly import assemble
from g1mpc.running.cluster import ClusterConfig
from g1mpc.running.config import RunConfig, named_planner_model
from g1mpc.running.evaluate import Evaluation, evaluate, fall_rate_interval
from g1mpc.running.reporting import write_json_atomic
from g1mpc.running.sim import PushConfig
from g1mpc.tasks.balance import BalanceTask, CostWeights


def bare_rollout_ms(assembly, repeats: int = 30) -> float:
    """Median time of the native rollout alone for this batch (N x H)."""
    s, c = assembly.spec, assembly.config.controller
    q0 = assembly.reference.qpos[0]
    ctrl = np.repeat(assembly.reference.ctrl[:1][None], c.num_samples, 0).repeat(s.horizon_steps, 1)
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        assembly.rollout(0.0, q0, np.zeros(s.nv), ctrl)
        times.append(time.perf_counter() - tic)
    return float(np.median(times) * 1e3)


def run_entry(mode: str, samples: int, elites: int, push: float, seeds: list[int], duration: float,
              checkpoint: str | None = None, backend: str = "mujoco", controller_overrides: dict | None = None,
              weights: dict | None = None, robot: str = "g1", cluster: ClusterConfig | None = None,
              motions: list[int] | None = None, planner_model: PlannerModelConfig | None = None,
              plan_horizon: float = RunConfig.plan_horizon, num_knots: int = RunConfig.num_knots,
              push_directions: tuple[float, ...] = (), loop: str = "sync", latency_ms: float = 0.0,
              compensation: str = "none", task_settings: dict | None = None, plant: str = NOMINAL,
              perturb: str = "", gains: str = MODEL_GAINS, planner_plant: str = NOMINAL,
              frequency: float = RunConfig.frequency, base: str = "truth") -> dict:
    """One closed-loop configuration over ``seeds`` (on Ray workers with ``cluster``).

    ``checkpoint`` is the network of the nn and hybrid modes; ``push_directions`` (deg) restricts the pushes'
    directions (empty: any). ``loop``, ``latency_ms`` and ``compensation`` set the closed loop (``--loop async``
    runs in wall-clock time: its timings and falls depend on the machine and its load). With ``motions``, each seed runs on its own
    generated motion (``g1mpc.motion.generated``, drawn from that seed) instead of the default clip.
    ``plant`` and ``perturb`` set the simulated robot (perturbations drawn per seed), ``gains`` the servo gains;
    ``frequency`` the replans per second; ``base`` what the controller plans from: the plant's state (``truth``) or,
    as ``deploy`` over DDS, the base estimated from simulated IMU and encoders (``estimate``).
    """
    if base not in BASE_VIEWS:
        raise SystemExit(f"error: --base: '{base}' is not one of {', '.join(BASE_VIEWS)}")
    controller = ControllerConfig(mode=mode, num_samples=samples, num_elites=elites, backend=backend,
                                  **(controller_overrides or {}))
    task = BalanceTask(weights=CostWeights(**(weights or {})), **(task_settings or {}))
    config = RunConfig(robot=robot, controller=controller, plan_horizon=plan_horizon, num_knots=num_knots, task=task,
                       planner_model=planner_model or named_planner_model(None, backend), gains=gains,
                       planner_plant=planner_plant, frequency=frequency)
    bare = 0.0
    if mode != "nn" and backend == "mujoco":
        assembly = assemble(config)
        try:
            bare = bare_rollout_ms(assembly)
        finally:
            assembly.close()
    evaluation = Evaluation(config, checkpoint if mode != "cem" else None, duration,
                            PushConfig(force=push, directions=push_directions), loop=loop, latency=latency_ms / 1e3,
                            compensation=compensation, plant=plant, perturb=PerturbationRanges.parse(perturb),
                            observer=estimated_base if base == "estimate" else None)
    if motions is None:
        per_seed = evaluate(evaluation, seeds, cluster)
    else:
        per_seed = [evaluate(replace(evaluation, config=replace(config, reference=_motion_file(robot, seed))), [seed], cluster)[0]
                    for seed in seeds]
    planning = np.concatenate([r["planning_s"] for r in per_seed]) * 1e3
    rms = np.concatenate([r["joint_rms"] for r in per_seed])
    latency = np.concatenate([r["latency_s"] for r in per_seed]) * 1e3
    return {
        "robot": robot, "mode": mode, "num_samples": samples if mode != "nn" else 0,
        "num_elites": elites if mode != "nn" else 0, "push_n": push,
        "push_directions_deg": list(push_directions), "seeds": len(seeds), "seed_list": seeds, "duration_s": duration,
        "controller_overrides": controller_overrides or {},
        "weights": weights or {}, "task_settings": task_settings or {},
        "planning_p50_ms": float(np.percentile(planning, 50)), "planning_p95_ms": float(np.percentile(planning, 95)),
        "bare_rollout_ms": bare, "planning_limited_hz": float(1e3 / planning.mean()),
        "core_ms_per_cycle": float(1e3 * sum(r["cpu_s"] for r in per_seed) / max(1, sum(len(r["planning_s"]) for r in per_seed))),
        "falls": int(sum(len(r["falls"]) for r in per_seed)),
        "fell_at_s": [r["falls"][0] if r["falls"] else None for r in per_seed],
        "fall_rate_ci95": fall_rate_interval(sum(bool(r["falls"]) for r in per_seed), len(per_seed)),
        "joint_rms_rad": float(np.sqrt(np.mean(rms**2))),
        "joint_rms_per_seed": [float(np.sqrt(np.mean(r["joint_rms"] ** 2))) for r in per_seed],
        "steps_per_seed": [r["steps"] for r in per_seed], "walked_m_per_seed": [r["walked_m"] for r in per_seed],
        "workers": cluster.workers if cluster else 0, "motions": motions is not None,
        "planner_model": asdict(config.planner_model), "plan_horizon_s": plan_horizon, "num_knots": num_knots,
        "loop": loop, "latency_ms": latency_ms, "compensation": compensation, "frequency_hz": frequency,
        "plan_latency_p50_ms": float(np.percentile(latency, 50)) if latency.size else None,
        "plan_latency_p95_ms": float(np.percentile(latency, 95)) if latency.size else None,
        "missed_deadlines": int(np.sum(planning > 1e3 / config.frequency)),
        "replans_per_s": float(np.mean([r["replans_per_s"] for r in per_seed])),
        "plant": plant, "plant_perturb": perturb, "gains": gains, "planner_plant": planner_plant,
        "perturbation_per_seed": [r["plant"]["perturbation"] for r in per_seed], "base": base,
    }


def with_group_noise(robot: Robot, pairs: list[str]) -> Robot:
    """``robot`` with the noise scales of ``["legs=3", ...]`` in place of its actuator groups' own."""
    groups = dict(robot.actuator_groups)
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in groups:
            raise SystemExit(f"error: --group_noise: '{name}' is not a group of {robot.name} ({', '.join(groups)})")
        groups[name] = groups[name]._replace(noise=float(value))
    return replace(robot, actuator_groups=groups)


_MOTIONS_DIR = Path(tempfile.mkdtemp(prefix="g1mpc-motions-"))


def _motion_file(robot: str, seed: int) -> str:
    """A generated motion (``g1mpc reference --motion SEED``) as a .npz in this run's temporary directory."""
    path = _MOTIONS_DIR / f"{robot}-{seed}.npz"
    if not path.exists():
        from g1mpc.motion.generated import MotionConfig, random_motion
        from g1mpc.motion.reference import save_reference
        from g1mpc.robots.models import load_plant_model

        description = ROBOTS[robot]
        save_reference(path, random_motion(load_plant_model(description), description, seed), MotionConfig.fps)
    return str(path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--modes", nargs="+", default=["cem:16", "cem:64", "cem:160", "nn", "hybrid:16"])
    p.add_argument("--pushes", type=float, nargs="+", default=[0.0, 150.0])
    p.add_argument("--seeds", type=int, default=5, help="run seeds 0..N-1")
    p.add_argument("--seed_list", type=int, nargs="+", default=None, help="run exactly these seeds (overrides --seeds)")
    p.add_argument("--set", nargs="+", default=[], metavar="FIELD=VALUE", help="ControllerConfig fields, e.g. sigma_start=0.15")
    p.add_argument("--task_set", nargs="+", default=[], metavar="FIELD=VALUE",
                   help="BalanceTask settings, e.g. fall_floor_margin=0 (the fall test before it followed the reference)")
    p.add_argument("--weights", nargs="+", default=[], metavar="FIELD=VALUE", help="CostWeights fields, e.g. feet_height=50")
    p.add_argument("--planner_model", choices=tuple(PLANNER_MODELS), default=None,
                   help="the planner's model (default: coarse, coarse_feet for --backend mjx)")
    p.add_argument("--planner_set", nargs="+", default=[], metavar="FIELD=VALUE",
                   help="PlannerModelConfig fields over --planner_model, e.g. timestep=0.02 contacts=all")
    p.add_argument("--plan_horizon", type=float, default=RunConfig.plan_horizon, help="planning horizon (s)")
    p.add_argument("--num_knots", type=int, default=RunConfig.num_knots,
                   help="spline knots over the horizon (CEM only: a network is trained for one count)")
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--push_directions", type=float, nargs="+", default=[], metavar="DEG",
                   help="world-frame angles each push's direction is drawn from (e.g. 90 270: sideways; default any)")
    p.add_argument("--elites_ratio", type=float, default=0.125, help="elites per sample where an entry gives none")
    p.add_argument("--model_path", default=None, help="network checkpoint (default: the one shipped for --robot)")
    p.add_argument("--nn_weight", type=float, default=None,
                   help="hybrid: weight of the network in the CEM start (default: the controller's)")
    p.add_argument("--anchor_fraction", type=float, default=None,
                   help="hybrid: share of samples around the previous refined plan (default: the controller's)")
    p.add_argument("--backend", choices=("mujoco", "mjx"), default="mujoco", help="rollouts: native MuJoCo (CPU) or MJX")
    p.add_argument("--robot", choices=tuple(ROBOTS), default="g1", help="robot (networks ship for g1, g1_hands and t1)")
    p.add_argument("--group_noise", nargs="+", default=[], metavar="GROUP=SCALE",
                   help="sampling-noise scale of the robot's actuator groups, e.g. legs=3 (a screen of the robot "
                        "file's setting; in this process only, not on Ray workers)")
    p.add_argument("--motions", action="store_true", help="each seed runs on a generated motion drawn from it, not the default clip")
    p.add_argument("--workers", type=int, default=None, help="spread the seeds over this many Ray workers")
    p.add_argument("--ray_address", default=None, help="join this Ray cluster ('auto' or host:port)")
    p.add_argument("--loop", choices=("sync", "async"), default="sync",
                   help="async: the plant in wall-clock time in its own thread (timings and falls then depend on the machine)")
    p.add_argument("--latency_ms", type=float, default=0.0, help="--loop sync: each plan takes effect this long after its state")
    p.add_argument("--compensation", choices=("none", "predict"), default="none",
                   help="predict: plan from the state predicted at the time the plan takes effect")
    p.add_argument("--plant", default=NOMINAL, help="the simulated robot: nominal (the planner's model) or a plant variant "
                   "of --robot (g1: as_built, as_built_armature, as_built_friction, as_built_soles, as_built_linkage)")
    p.add_argument("--plant_perturb", default="", help="plant perturbation, as g1mpc run's (drawn per seed)")
    p.add_argument("--gains", default=MODEL_GAINS, help="servo gains: model, or a gain set of --robot (g1: motor)")
    p.add_argument("--planner_plant", default=NOMINAL, help="the build the planner's model is made from (as --plant)")
    p.add_argument("--base", choices=BASE_VIEWS, default="truth",
                   help="what the controller plans from: the plant's state, or the base estimated from simulated IMU and "
                        "encoders as deploy estimates it (g1mpc.lowlevel.estimated_base)")
    p.add_argument("--out", default="benchmarks/results/planning.json")
    args = p.parse_args()
    seeds = args.seed_list or list(range(args.seeds))
    if args.group_noise:
        ROBOTS[args.robot] = with_group_noise(ROBOTS[args.robot], args.group_noise)
    controller_overrides = overrides(ControllerConfig, args.set, "--set")
    if args.nn_weight is not None:
        controller_overrides["nn_weight"] = args.nn_weight
    if args.anchor_fraction is not None:
        controller_overrides["anchor_fraction"] = args.anchor_fraction
    weights = overrides(CostWeights, args.weights, "--weights")
    task_settings = overrides(BalanceTask, args.task_set, "--task_set")
    model = replace(named_planner_model(args.planner_model, args.backend),
                    **overrides(PlannerModelConfig, args.planner_set, "--planner_set"))
    cluster = None if args.workers is None and args.ray_address is None else ClusterConfig(args.workers, args.ray_address)
    network = Path(args.model_path or default_checkpoint(args.robot))
    network_sha256 = hashlib.sha256(network.read_bytes()).hexdigest() if network.is_file() else None
    rows = []
    header = (f"{'mode':>7} {'N':>4} {'E':>3} {'push N':>6} {'plan p50':>9} {'p95':>7} {'rollout':>8} {'Hz':>6} "
              f"{'falls':>8} {'95% CI':>9} {'joint rms':>9}")
    print(header)
    for entry in args.modes:
        mode, n, e = [*entry.split(":"), "", ""][:3]
        samples = int(n or 16)
        elites = int(e) if e else max(2, int(samples * args.elites_ratio))
        for push in args.pushes:
            row = run_entry(mode, samples, elites, push, seeds, args.duration, str(network), args.backend,
                            controller_overrides, weights, args.robot, cluster, seeds if args.motions else None, model,
                            args.plan_horizon, args.num_knots, tuple(args.push_directions), args.loop,
                            args.latency_ms, args.compensation, task_settings, args.plant, args.plant_perturb,
                            args.gains, args.planner_plant, base=args.base)
            rows.append(row)
            print(f"{row['mode']:>7} {row['num_samples']:>4} {row['num_elites']:>3} {push:>6.0f} {row['planning_p50_ms']:>7.2f}ms "
                  f"{row['planning_p95_ms']:>5.2f}ms {row['bare_rollout_ms']:>6.2f}ms {row['planning_limited_hz']:>6.1f} "
                  f"{row['falls']:>3}/{len(seeds):<4} {'{:.0%}-{:.0%}'.format(*row['fall_rate_ci95']):>9} "
                  f"{row['joint_rms_rad']:>9.4f}", flush=True)
            write_json_atomic(args.out, {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                                         "jax_devices": [str(d) for d in jax.devices()], "args": vars(args),
                                         "network_sha256": network_sha256,
                                         "complete": len(rows) == len(args.modes) * len(args.pushes), "rows": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
