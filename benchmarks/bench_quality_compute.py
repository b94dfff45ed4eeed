"""Balance against compute: falls under pushes for each planner configuration ("lever") beside the compute
one plan costs, and the rollouts' throughput against what the physics alone costs.

Usage (resumable: a cell whose JSON is complete is skipped; the last call prints the table from the files):
    python benchmarks/bench_quality_compute.py --levers today16=hybrid:16:2 today32=hybrid:32:4 today64=hybrid:64:8 \\
        --forces 300 400 --seeds 1100-1119 --out benchmarks/results/quality_compute

A lever is NAME=MODE:SAMPLES:ELITES followed by ControllerConfig fields, e.g.
``corr16=hybrid:16:2,noise_correlation=PATH`` (fields after commas), and the loop's ``frequency`` (Hz),
``latency_ms`` and ``compensation``: ``slow32=hybrid:32:4,frequency=25,latency_ms=40,compensation=predict`` is
32 samples planned once per 40 ms, each plan acting when the next could start, from the state predicted for
then; ``plant`` (a plant variant) and ``base=estimate`` (plan from the base estimated from simulated IMU and
encoders, as ``deploy`` does) set what the controller drives and sees. Falls come from the synchronous loop
(every plan takes effect after exactly its latency, so they do not depend on the machine). The compute is what
the planning process spent on all its threads: per control cycle (``core ms``), and per simulated second
(``cores``: how many cores the configuration needs to run in real time), with the wall time per plan on the
cores this process may use. The throughput section times the planner's batch: one ``mj_step`` after another on
one thread (the physics-only cost, the floor), and ``mujoco.rollout`` on one and on two threads.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import mujoco
import numpy as np
from bench_default_run import seeds_from
from bench_planning import run_entry
from field_overrides import overrides

from g1mpc.common.paths import default_checkpoint
from g1mpc.planning.backends.native import NativeRollout
from g1mpc.planning.controller import ControllerConfig
from g1mpc.registry import ROBOTS
from g1mpc.robots.models import PLANNER_MODELS, keyframe_pose, load_planner_model
from g1mpc.running.config import RunConfig
from g1mpc.running.reporting import write_json_atomic

# run_entry's loop arguments; base=estimate: the controller plans from the base estimated from simulated sensors
LOOP_FIELDS = {"frequency": float, "latency_ms": float, "compensation": str, "base": str, "plant": str}


def parse_lever(text: str) -> tuple[str, str, int, int, dict, dict]:
    """``NAME=MODE:N:E[,FIELD=VALUE...]`` -> (name, mode, samples, elites, controller overrides, loop arguments)."""
    name, _, spec = text.partition("=")
    entry, *fields = spec.split(",")
    mode, n, e = [*entry.split(":"), "", ""][:3]
    if not name or mode not in ("hybrid", "cem") or not n.isdigit():
        raise SystemExit(f"error: --levers: '{text}' is not NAME=MODE:SAMPLES:ELITES[,FIELD=VALUE...] (MODE hybrid or cem)")
    samples = int(n)
    pairs = [field.partition("=") for field in fields]
    loop = {key: LOOP_FIELDS[key](value) for key, _, value in pairs if key in LOOP_FIELDS}
    controller = overrides(ControllerConfig, [f"{key}={value}" for key, _, value in pairs if key not in LOOP_FIELDS],
                           "--levers")
    return name, mode, samples, int(e) if e else max(2, samples // 8), controller, loop


def throughput(samples: list[int], horizon: int, repeats: int = 20) -> list[dict]:
    """Per batch size: physics-only ms (mj_step after mj_step, one thread) and rollout ms on 1 and 2 threads."""
    model = load_planner_model(ROBOTS["g1"], PLANNER_MODELS["coarse"])
    qpos, ctrl0 = keyframe_pose(model, ROBOTS["g1"])
    rng = np.random.default_rng(0)
    scale = np.asarray(ROBOTS["g1"].noise_scale([model.actuator(i).name for i in range(model.nu)]))
    rows = []
    for n in samples:
        controls = ctrl0 + 0.1 * scale * rng.standard_normal((n, horizon, model.nu))
        data = mujoco.MjData(model)
        row = {"samples": n, "steps": n * horizon,
               "physics_only_ms": _median_ms(lambda c=controls, d=data: _step_one_by_one(model, d, qpos, c), repeats)}
        for threads in (1, 2):
            with NativeRollout(model, threads) as rollout:
                row[f"rollout_{threads}t_ms"] = _median_ms(
                    lambda r=rollout, c=controls: r(0.0, qpos, np.zeros(model.nv), c), repeats)
        row["us_per_step"] = 1e3 * row["physics_only_ms"] / row["steps"]
        rows.append(row)
    return rows


def _step_one_by_one(model: mujoco.MjModel, data: mujoco.MjData, qpos: np.ndarray, controls: np.ndarray) -> None:
    """Each control sequence (N, H, nu) from ``qpos`` at rest, ``mj_step`` after ``mj_step`` on this thread."""
    for sequence in controls:
        data.qpos[:], data.qvel[:], data.time = qpos, 0.0, 0.0
        for ctrl in sequence:
            data.ctrl[:] = ctrl
            mujoco.mj_step(model, data)


def _median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        fn()
        times.append(time.perf_counter() - tic)
    return float(np.median(times) * 1e3)


def cell_path(out: Path, name: str, force: float) -> Path:
    return out / f"{name}_{force:g}N.json"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--levers", nargs="+", required=True, metavar="NAME=MODE:N:E[,FIELD=VALUE]")
    p.add_argument("--forces", type=float, nargs="+", default=[300.0, 400.0])
    p.add_argument("--seeds", nargs="+", default=["1100-1119"], help="seeds or ranges (unseen by every tuning: 1100-1119)")
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--report_only", action="store_true", help="run nothing: print the table from the files")
    p.add_argument("--out", default="benchmarks/results/quality_compute")
    args = p.parse_args()
    out, seeds = Path(args.out), seeds_from(args.seeds)
    levers = [parse_lever(text) for text in args.levers]
    checkpoint = str(default_checkpoint("g1"))
    for name, mode, samples, elites, controller, loop in levers:
        for force in args.forces:
            path = cell_path(out, name, force)
            if args.report_only or (path.is_file() and json.loads(path.read_text()).get("complete")):
                continue
            row = run_entry(mode, samples, elites, force, seeds, args.duration, checkpoint, controller_overrides=controller,
                            **loop)
            write_json_atomic(path, {"lever": name, "cpus": sorted(os.sched_getaffinity(0)), "complete": True, "row": row})
            print(f"{name} {force:g} N: {row['falls']}/{len(seeds)} fell, {row['core_ms_per_cycle']:.1f} core ms per cycle",
                  flush=True)
    table = []
    print(f"\n{'lever':<12} {'N/E':>7} {'core ms/cycle':>13} {'cores':>6} {'plan p50':>9} {'p95':>7}  "
          + "  ".join(f"{f:g} N".rjust(7) for f in args.forces))
    for name, mode, samples, elites, controller, loop in levers:
        cells = {f: json.loads(cell_path(out, name, f).read_text())["row"] for f in args.forces
                 if cell_path(out, name, f).is_file()}
        if not cells:
            continue
        any_row = next(iter(cells.values()))
        core_ms = float(np.mean([c["core_ms_per_cycle"] for c in cells.values()]))
        cores = float(np.mean([c["core_ms_per_cycle"] * c.get("frequency_hz", 50.0) / 1e3 for c in cells.values()]))
        table.append({"lever": name, "mode": mode, "samples": samples, "elites": elites, "fields": {**controller, **loop},
                      "core_ms_per_cycle": core_ms, "cores_in_real_time": cores, "plan_p50_ms": any_row["planning_p50_ms"],
                      "plan_p95_ms": any_row["planning_p95_ms"],
                      "falls": {f"{f:g}": [c["falls"], c["seeds"]] for f, c in cells.items()}})
        falls = "  ".join((f"{cells[f]['falls']}/{cells[f]['seeds']}" if f in cells else "-").rjust(7) for f in args.forces)
        print(f"{name:<12} {samples:>3}/{elites:<3} {core_ms:>13.1f} {cores:>6.2f} {any_row['planning_p50_ms']:>7.1f}ms "
              f"{any_row['planning_p95_ms']:>5.1f}ms  {falls}")
    batches = sorted({lever[2] for lever in levers})
    rows = throughput(batches, int(round(RunConfig.plan_horizon / PLANNER_MODELS["coarse"].timestep)))
    print(f"\n{'samples':>7} {'steps':>6} {'physics only':>13} {'rollout 1 thread':>17} {'2 threads':>10} {'us/step':>8}")
    for r in rows:
        print(f"{r['samples']:>7} {r['steps']:>6} {r['physics_only_ms']:>11.1f}ms {r['rollout_1t_ms']:>15.1f}ms "
              f"{r['rollout_2t_ms']:>8.1f}ms {r['us_per_step']:>8.1f}")
    write_json_atomic(out / "summary.json", {"seeds": seeds, "forces": args.forces, "table": table, "throughput": rows,
                                             "cpus": sorted(os.sched_getaffinity(0))})
    print(f"wrote {out / 'summary.json'}")


if __name__ == "__main__":
    main()
