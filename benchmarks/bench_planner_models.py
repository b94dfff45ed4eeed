"""Planner-model levers side by side: rollout time for the same batch, and how far each model's rollouts
drift from the plant's under the same controls.

Usage (prints a table, writes JSON; run it alone, timings share the cores):
    python benchmarks/bench_planner_models.py --samples 64 --out benchmarks/results/planner_models_speed.json
    python benchmarks/bench_planner_models.py --backend mjx --samples 500 --unroll 1 4 --out OUT.json   # GPU

Each lever is a planner model (``g1mpc.robots.models.PlannerModelConfig``). The batch is what the planner
really proposes: ``--samples`` spline plans drawn by the CEM proposal stage around the reference (its
starting noise), from ``--states`` reference frames. Speed: median time of the native rollout of that
batch on all cores (``--backend mjx``: the jitted MJX rollout, after compiling, per ``--unroll``; levers
that keep every contact are skipped, MJX lacks mesh-mesh pairs). Fidelity: the same knots rolled out on
the plant (dt 0.002, every contact, as shipped) over the same horizon; errors are taken at the planner's
step times.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import time
from dataclasses import asdict, replace

import numpy as np

from g1mpc.planning.backends.native import NativeRollout
from g1mpc.planning.controller import ControllerConfig
from g1mpc.planning.pipeline import knots_to_controls
from g1mpc.robots.models import PLANNER_MODELS, PlannerModelConfig
from g1mpc.running.assembly import assemble
from g1mpc.running.config import RunConfig
from g1mpc.running.reporting import write_json_atomic

LEGACY, COARSE = PLANNER_MODELS["legacy"], PLANNER_MODELS["coarse"]
LEVERS: dict[str, PlannerModelConfig] = {
    "legacy: every contact, 3/10 iterations, dt 0.02 x 25": LEGACY,
    "dt 0.02, robot-floor contacts only": replace(LEGACY, contacts="floor"),
    "dt 0.02, feet-floor contacts only": replace(LEGACY, contacts="feet"),
    "dt 0.02, feet only, 2/5 iterations": replace(LEGACY, contacts="feet", iterations=2, ls_iterations=5),
    "dt 0.02, feet only, 1/4 iterations": replace(LEGACY, contacts="feet", iterations=1, ls_iterations=4),
    "coarse: every contact, dt 0.04 x 12": COARSE,
    "coarse, 2/5 iterations": replace(COARSE, iterations=2, ls_iterations=5),
    "coarse, robot-floor contacts only": replace(COARSE, contacts="floor"),
    "coarse_feet: feet-floor contacts only": PLANNER_MODELS["coarse_feet"],
    "coarse_feet, 2/5 iterations": replace(COARSE, contacts="feet", iterations=2, ls_iterations=5),
    "coarse_feet, 1/4 iterations": replace(COARSE, contacts="feet", iterations=1, ls_iterations=4),
    "every contact, dt 0.05 x 10": replace(COARSE, timestep=0.05),
    "every contact, dt 0.02 x 25 (the G1's cpu preset)": replace(COARSE, timestep=0.02),
    "every contact, dt 0.02 x 5, then 0.04 x 10": replace(COARSE, timestep=0.02, far_timestep=0.04, far_after=0.1),
    "every contact, dt 0.02 x 25, no joint friction loss": replace(COARSE, timestep=0.02, frictionloss=0.0),
    "coarse, no joint friction loss": replace(COARSE, frictionloss=0.0),
    **{f"dt 0.02 x 25, no friction, hulls of {n} vertices": replace(COARSE, timestep=0.02, frictionloss=0.0, hull_vertices=n)
       for n in (16, 32, 64, 128)},
    **{f"dt 0.02 x 25, no friction, {solver} solver": replace(COARSE, timestep=0.02, frictionloss=0.0, solver=solver)
       for solver in ("cg", "pgs")},
    "dt 0.02 x 25, no friction, pgs solver, hulls of 32 vertices": replace(COARSE, timestep=0.02, frictionloss=0.0,
                                                                           solver="pgs", hull_vertices=32),
}


def _mjx_rollout(model, unroll: int):
    """The jitted MJX rollout with numpy outputs (timed to completion)."""
    import jax

    from g1mpc.planning.backends.mjx_backend import make_mjx_rollout

    rollout = jax.jit(make_mjx_rollout(model, unroll=unroll))
    return lambda *args: tuple(np.asarray(x) for x in jax.block_until_ready(rollout(*args)))


def lever_row(name: str, model_config: PlannerModelConfig, samples: int, states: int, repeats: int, seed: int,
              backend: str = "mujoco", unroll: int = 1) -> dict:
    config = RunConfig(planner_model=model_config, controller=ControllerConfig(mode="cem", num_samples=samples,
                                                                                num_elites=max(2, samples // 8)))
    assembly = assemble(config)
    spec, stages, arrays = assembly.spec, assembly.stages, assembly.arrays
    plant_rollout = NativeRollout(copy.deepcopy(assembly.plant))
    rollout = assembly.rollout if backend == "mujoco" else _mjx_rollout(assembly.planner_model, unroll)
    mean, sigma = assembly.initial_state
    frames = np.linspace(0, len(assembly.reference.qpos) - 1, states + 1).astype(int)[:-1]
    times, pelvis_err, joint_err, unstable = [], [], [], 0
    try:
        for i, frame in enumerate(frames):
            t0 = frame / assembly.reference.fps
            qpos, qvel = assembly.reference.qpos[frame], np.zeros(spec.nv)
            knots, controls = (np.asarray(x) for x in stages.propose(
                mean, sigma, mean, np.int32(seed), np.int32(i), np.float32(t0), qvel.astype(np.float32), np.float32(1.0),
                arrays)[:2])  # held 1: counted pushed, the full sampling noise
            rollout(t0, qpos, qvel, controls)  # warm (compiles for mjx)
            for _ in range(repeats):
                tic = time.perf_counter()
                q_model = np.array(rollout(t0, qpos, qvel, controls)[0], np.float64)
                times.append(time.perf_counter() - tic)
            step_ends = np.cumsum(spec.step_durations)  # (H,) the planner's step times, fine then far where it lengthens
            plant_steps = int(round(step_ends[-1] / spec.plant_dt))
            plant_times = spec.plant_dt * np.arange(plant_steps, dtype=np.float32)
            plant_ctrl = np.asarray(knots_to_controls(spec, arrays, knots, plant_times, np.float32(t0)), np.float64)
            q_plant = plant_rollout(t0, qpos, qvel, plant_ctrl)[0]
            at_model_steps = np.round(step_ends / spec.plant_dt).astype(int) - 1
            q_plant = q_plant[:, at_model_steps]
            finite = np.isfinite(q_model).all(axis=(1, 2)) & (np.abs(q_model).max(axis=(1, 2)) < 1e3)
            unstable += int((~finite).sum())
            pelvis_err.append(np.linalg.norm(q_model[finite, -1, :3] - q_plant[finite, -1, :3], axis=-1))
            joint_err.append((q_model[finite, :, 7:] - q_plant[finite, :, 7:]).ravel())
    finally:
        plant_rollout.close()
        assembly.close()
    pelvis, joints = np.concatenate(pelvis_err), np.concatenate(joint_err)
    rollout_ms = float(np.median(times) * 1e3)
    return {
        "lever": name, "backend": backend, "unroll": unroll, "planner_model": asdict(model_config), "horizon_steps": spec.horizon_steps,
        "samples": samples, "rollout_ms": rollout_ms, "rollout_ms_per_sample": rollout_ms / samples,
        "unstable_rollouts": unstable, "rollouts": samples * len(frames),
        "pelvis_error_end_mean_m": float(pelvis.mean()) if pelvis.size else None,
        "pelvis_error_end_p95_m": float(np.percentile(pelvis, 95)) if pelvis.size else None,
        "joint_error_rms_rad": float(np.sqrt(np.mean(joints**2))) if joints.size else None,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=64)
    p.add_argument("--states", type=int, default=3, help="reference frames the batch starts from")
    p.add_argument("--repeats", type=int, default=10, help="timed rollouts per state")
    p.add_argument("--budget_ms", type=float, default=14.0, help="rollout time per cycle used for the 'fits' column")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", choices=("mujoco", "mjx"), default="mujoco")
    p.add_argument("--unroll", type=int, nargs="+", default=[1], help="mjx: scan unroll values to time")
    p.add_argument("--levers", nargs="+", default=None, metavar="PREFIX", help="only the levers whose names start so")
    p.add_argument("--out", default="benchmarks/results/planner_models_speed.json")
    args = p.parse_args()
    rows = []
    cases = [(name, config, unroll) for name, config in LEVERS.items() for unroll in args.unroll
             if (args.backend == "mujoco" or config.contacts != "all")
             and (args.levers is None or any(name.startswith(prefix) for prefix in args.levers))]
    print(f"{'lever':<52} {'unroll':>6} {'steps':>5} {'rollout':>9} {'x row 1':>8} {'fits':>5} {'unstable':>8} "
          f"{'pelvis err':>10} {'joint err':>9}")
    for name, config, unroll in cases:
        row = lever_row(name, config, args.samples, args.states, args.repeats, args.seed, args.backend, unroll)
        row["speedup_vs_first_row"] = rows[0]["rollout_ms"] / row["rollout_ms"] if rows else 1.0
        row["samples_in_budget"] = int(args.budget_ms / row["rollout_ms_per_sample"])
        rows.append(row)
        pelvis = f"{row['pelvis_error_end_mean_m']:.3f} m" if row["pelvis_error_end_mean_m"] is not None else "-"
        joints = f"{row['joint_error_rms_rad']:.3f}" if row["joint_error_rms_rad"] is not None else "-"
        print(f"{name:<52} {unroll:>6} {row['horizon_steps']:>5} {row['rollout_ms']:>7.1f}ms {row['speedup_vs_first_row']:>7.2f}x "
              f"{row['samples_in_budget']:>5} {row['unstable_rollouts']:>4}/{row['rollouts']:<3} {pelvis:>10} {joints:>9}", flush=True)
        write_json_atomic(args.out, {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                                     "args": vars(args), "complete": len(rows) == len(cases), "rows": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
