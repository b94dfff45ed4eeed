"""g1mpc against a published G1 locomotion policy on one push schedule and one fall test.

Usage (prints a table, writes one JSON per cell and a summary; rerun the same command to resume;
--report_only prints the table of what --out holds):
    python benchmarks/bench_vs_policy.py --entries ppo@as_built_holosoma fastsac@as_built_holosoma ppo@nominal hybrid:64:8@nominal \
        --forces 150 200 300 400 500 600 --seeds 900-919 --out benchmarks/results/vs_policy
An entry is CONTROLLER@PLANT[@GAINS]: CONTROLLER is ``ppo`` or ``fastsac`` (holosoma's G1 policies,
:mod:`g1mpc.baselines.locomotion_policy`; gains default to theirs, ``motor``) or MODE[:SAMPLES[:ELITES]] of
g1mpc (gains default to the model's, kp 500), optionally followed by ControllerConfig fields after commas
(``hybrid:64:8,planner=mppi,calm_noise=0.25@nominal``) and the planner model's (PlannerModelConfig) as
``planner.FIELD=VALUE`` (``planner.timestep=0.02``: the cpu preset's 0.02 s step; default: the model's
0.04 s), the task's cost weights (CostWeights) as ``weights.FIELD=VALUE`` and its other settings (BalanceTask) as
``task.FIELD=VALUE`` (``weights.feet_stay=1000,task.stay_margin=0.05``). PLANT is a plant of the G1 (``nominal``: the planner's own model,
``as_built_holosoma``: Unitree's build as holosoma's policies were trained on it, ``as_built``: the same with
mjlab's soles). Each run: 20 s (``--duration``),
0.1 s pushes of FORCE on the pelvis every 2 s in directions drawn from the seed, the synchronous loop (ample
time per plan), stopped at the first fall. Steps and distance walked: :mod:`g1mpc.running.footsteps`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from bench_default_run import seeds_from
from field_overrides import overrides

from g1mpc.baselines.locomotion_policy import G1_POLICY_FILES
from g1mpc.common.paths import default_checkpoint
from g1mpc.planning.controller import ControllerConfig
from g1mpc.robots.models import PlannerModelConfig
from g1mpc.robots.plants import MODEL_GAINS
from g1mpc.running.config import RunConfig
from g1mpc.running.evaluate import Evaluation, SeedRunner
from g1mpc.running.reporting import write_json_atomic
from g1mpc.running.sim import PushConfig
from g1mpc.tasks.balance import BalanceTask, CostWeights

POLICY_GAINS = "motor"


def parse_entry(text: str) -> dict:
    """``ppo@as_built`` / ``hybrid:64:8[,FIELD=VALUE...]@nominal@model`` -> {controller, policy, mode, samples, elites,
    settings, plant, gains}."""
    parts = text.split("@")
    if len(parts) not in (2, 3) or not all(parts):
        raise SystemExit(f"error: --entries: '{text}' is not CONTROLLER@PLANT[@GAINS]")
    controller, plant = parts[:2]
    if controller in G1_POLICY_FILES:
        entry = {"policy": controller, "mode": "nn", "samples": 0, "elites": 0, "settings": {}}
        gains = parts[2] if len(parts) == 3 else POLICY_GAINS
    else:
        sizes, *pairs = controller.split(",")
        fields = sizes.split(":")
        if fields[0] not in ("hybrid", "cem", "nn") or len(fields) > 3:
            raise SystemExit(f"error: --entries: '{controller}' is not ppo, fastsac or MODE[:SAMPLES[:ELITES]][,FIELD=VALUE...]")
        samples = int(fields[1]) if len(fields) > 1 else ControllerConfig.num_samples
        elites = int(fields[2]) if len(fields) > 2 else max(2, samples // 8)
        prefixed = {prefix: [p.removeprefix(prefix) for p in pairs if p.startswith(prefix)]
                    for prefix in ("planner.", "weights.", "task.")}
        plain = [p for p in pairs if not p.startswith(tuple(prefixed))]
        entry = {"policy": None, "mode": fields[0], "samples": samples, "elites": elites,
                 "settings": overrides(ControllerConfig, plain, "--entries"),
                 "planner_settings": overrides(PlannerModelConfig, prefixed["planner."], "--entries (planner.FIELD)"),
                 "weights": overrides(CostWeights, prefixed["weights."], "--entries (weights.FIELD)"),
                 "task_settings": overrides(BalanceTask, prefixed["task."], "--entries (task.FIELD)")}
        gains = parts[2] if len(parts) == 3 else MODEL_GAINS
    return {"entry": text, "controller": controller, "plant": plant, "gains": gains, **entry}


def evaluation_of(entry: dict, force: float, duration: float) -> Evaluation:
    if entry["policy"] is not None:
        config = RunConfig(controller=ControllerConfig(mode="nn"), gains=entry["gains"])
        checkpoint = None
    else:
        config = RunConfig(controller=ControllerConfig(mode=entry["mode"], num_samples=entry["samples"],
                                                       num_elites=entry["elites"], **entry["settings"]),
                           planner_model=replace(RunConfig.planner_model, **entry.get("planner_settings", {})),
                           task=BalanceTask(weights=CostWeights(**entry.get("weights", {})), **entry.get("task_settings", {})),
                           gains=entry["gains"])
        checkpoint = str(default_checkpoint("g1")) if entry["mode"] != "cem" else None
    return Evaluation(config, checkpoint, duration, PushConfig(force=force), plant=entry["plant"], policy=entry["policy"])


def cell_path(out: Path, entry: dict, force: float) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", entry["entry"]).strip("_")
    return out / f"{slug}_{force:g}N.json"


def run_cell(entry: dict, force: float, seeds: list[int], duration: float, out: Path) -> dict:
    """Runs the seeds this cell's file lacks (written after each seed) and returns the file's content."""
    path = cell_path(out, entry, force)
    cell = json.loads(path.read_text()) if path.exists() else {**entry, "force_n": force, "duration_s": duration, "runs": {}}
    if cell["duration_s"] != duration:
        raise SystemExit(f"error: {path} was run with --duration {cell['duration_s']}; use another --out")
    todo = [s for s in seeds if str(s) not in cell["runs"]]
    if not todo:
        return cell
    runner = SeedRunner(evaluation_of(entry, force, duration))
    try:
        for seed in todo:
            tic = time.perf_counter()
            r = runner(seed)
            cell["runs"][str(seed)] = {
                "fell_at_s": r["falls"][0] if r["falls"] else None, "steps": r["steps"], "walked_m": r["walked_m"],
                "plan_ms_p50": float(np.median(r["planning_s"]) * 1e3), "cycles": int(len(r["planning_s"])),
                "joint_rms": float(np.sqrt(np.mean(r["joint_rms"] ** 2))), "wall_s": time.perf_counter() - tic,
            }
            write_json_atomic(path, cell)
            outcome = f"fell at {r['falls'][0]:.1f} s" if r["falls"] else "up"
            print(f"  {entry['entry']:>24} {force:5.0f} N seed {seed}: {outcome}, {r['steps']} steps, "
                  f"{r['walked_m']:.2f} m", flush=True)
    finally:
        runner.close()
    return cell


def cell_summary(cell: dict, seeds: list[int]) -> dict:
    runs = [cell["runs"][str(s)] for s in seeds if str(s) in cell["runs"]]
    return {
        "runs": len(runs), "fell": sum(r["fell_at_s"] is not None for r in runs),
        "steps_median": float(np.median([r["steps"] for r in runs])) if runs else None,
        "walked_m_median": float(np.median([r["walked_m"] for r in runs])) if runs else None,
        "plan_ms_p50": float(np.median([r["plan_ms_p50"] for r in runs])) if runs else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", nargs="+",
                    default=["ppo@as_built_holosoma", "fastsac@as_built_holosoma", "ppo@nominal", "hybrid:64:8@nominal"])
    ap.add_argument("--forces", nargs="+", type=float, default=[150, 200, 300, 400, 500, 600])
    ap.add_argument("--seeds", nargs="+", default=["900-919"], help="seeds or ranges (900-919)")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/vs_policy"))
    ap.add_argument("--report_only", action="store_true", help="run nothing: tables and summary.json of what --out holds")
    args = ap.parse_args()
    entries, seeds = [parse_entry(e) for e in args.entries], seeds_from(args.seeds)
    args.out.mkdir(parents=True, exist_ok=True)
    table = {}
    try:
        for entry in entries:
            for force in args.forces:
                path = cell_path(args.out, entry, force)
                if args.report_only:
                    cell = json.loads(path.read_text()) if path.exists() else {"runs": {}}
                else:
                    cell = run_cell(entry, force, seeds, args.duration, args.out)
                table[(entry["entry"], force)] = cell_summary(cell, seeds)
    except KeyboardInterrupt:
        print("interrupted: the finished runs are kept; rerun the same command to go on")
    header = f"{'entry':>24} | " + " | ".join(f"{f:>5.0f} N" for f in args.forces) + " | steps* | walked* | ms/step"
    print(header + "\n" + "-" * len(header))
    for entry in entries:
        cells = [table.get((entry["entry"], f)) for f in args.forces]
        done = [c for c in cells if c and c["runs"]]
        last = done[-1] if done else None
        print(f"{entry['entry']:>24} | " + " | ".join(f"{c['fell']:>3}/{c['runs']:<3}" if c and c["runs"] else "    -  " for c in cells)
              + (f" | {last['steps_median']:6.0f} | {last['walked_m_median']:5.2f} m | {last['plan_ms_p50']:7.2f}" if last else ""))
    print("fell/runs; * median per run at the largest force run; ms/step: median time per control step (plan or policy)")
    print(f"\n{'steps, walked (medians)':>24} | " + " | ".join(f"{f:>11.0f} N" for f in args.forces))
    for entry in entries:
        cells = [table.get((entry["entry"], f)) for f in args.forces]
        print(f"{entry['entry']:>24} | " + " | ".join(
            f"{c['steps_median']:4.0f}, {c['walked_m_median']:4.2f} m" if c and c["runs"] else f"{'-':>13}" for c in cells))
    write_json_atomic(args.out / "summary.json", {
        "command": "python benchmarks/bench_vs_policy.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "seeds": seeds, "duration_s": args.duration,
        "cells": [{"entry": e, "force_n": f, **s} for (e, f), s in table.items()],
    })


if __name__ == "__main__":
    main()
