"""The default real-time run as a user runs it, pushed, over seeds: falls, rate, deadlines, compute per plan.

Usage (one benchmark at a time; it runs in wall-clock time):
    python benchmarks/bench_default_run.py --cpus 0 --forces 300 400 --seeds 500-519 \\
        --configs adaptive= "fixed=--adapt_samples off" --out benchmarks/results/default_run/one_core.json

Each run is ``run_policy_aot.py`` with the defaults (asynchronous loop, ``--num_samples auto``, the shipped
network), pushes of ``--forces`` every 2 s for ``--duration`` s, optionally pinned to ``--cpus`` with
``taskset`` (one core of this machine stands in for a slower 2-core one), plus each configuration's flags.
Results are kept per run in ``--out`` (written after every run), so an interrupted benchmark resumes where it
stopped. CPU ms per cycle is the process's user + system time (all its threads) over its planning cycles,
start-up included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from g1mpc.running.reporting import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]


def seeds_from(specs: list[str]) -> list[int]:
    seeds = []
    for spec in specs:
        lo, _, hi = spec.partition("-")
        seeds += list(range(int(lo), int(hi or lo) + 1))
    return seeds


def one_run(flags: list[str], cpus: str | None, force: float, seed: int, duration: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "run.json"
        command = [sys.executable, "run_policy_aot.py", "--headless", "--quiet", "--duration", str(duration),
                   "--push_force", str(force), "--seed", str(seed), "--report", str(report), *flags]
        if cpus is not None:
            command = ["taskset", "-c", cpus, *command]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if out.returncode != 0 or not report.is_file():
            raise SystemExit(f"error: {shlex.join(command)} failed:\n{out.stderr[-2000:]}")
        summary = json.loads(report.read_text())["summary"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    sized = next((line for line in out.stdout.splitlines() if "--num_samples auto:" in line), "")
    return {**summary, "cpu_ms_per_cycle": 1e3 * cpu / max(summary["cycles"], 1), "sizing_line": sized.strip(),
            "command": shlex.join(["python", *command[command.index("run_policy_aot.py"):]])}


def cell_row(name: str, force: float, runs: list[dict]) -> dict:
    mean = lambda key: float(np.mean([r[key] for r in runs])) if runs else float("nan")
    samples: dict[str, int] = {}
    for r in runs:
        for n, k in (r.get("samples_by_cycles") or {}).items():
            samples[n] = samples.get(n, 0) + k
    total = sum(samples.values())
    return {"config": name, "force": force, "runs": len(runs), "falls": sum(r["falls"] > 0 for r in runs),
            "rate": mean("target_share"), "missed_per_run": mean("missed_deadlines"), "cycles_per_run": mean("cycles"),
            "plan_p50_ms": mean("planning_p50_ms"), "latency_p50_ms": mean("latency_p50_ms"),
            "cpu_ms_per_cycle": mean("cpu_ms_per_cycle"),
            "samples_share": {n: k / total for n, k in samples.items()} if total else {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["default="], help="NAME=FLAGS (FLAGS may be empty: the defaults)")
    parser.add_argument("--forces", type=float, nargs="+", default=[300.0, 400.0])
    parser.add_argument("--seeds", nargs="+", default=["500-519"], help="seeds or ranges (500-519)")
    parser.add_argument("--cpus", default=None, help="taskset CPU list for every run (e.g. 0); default: all")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    configs = dict(c.split("=", 1) for c in args.configs)
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.is_file() else {}
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "cpus": args.cpus}
    earlier = data.get("configs", {})
    for name, flags in configs.items():  # resuming, or adding a configuration: never runs under one name with two meanings
        if name in earlier and earlier[name] != flags:
            raise SystemExit(f"error: --out {out}: '{name}' ran there with the flags '{earlier[name]}'; "
                             "give this configuration another name or another --out")
    if data and (data.get("machine", {}).get("cpus") != args.cpus or data.get("duration") != args.duration):
        raise SystemExit(f"error: --out {out}: its runs used --cpus {data.get('machine', {}).get('cpus')} and --duration "
                         f"{data.get('duration')}; give another --out")
    data.update({"machine": machine, "duration": args.duration, "configs": {**earlier, **configs}})
    runs = data.setdefault("runs", {})
    seeds = seeds_from(args.seeds)
    for seed in seeds:  # seeds outermost: every configuration has as many runs as the others when interrupted
        for force in args.forces:
            for name, flags in configs.items():
                key = f"{name}|{force:g}|{seed}"
                if key in runs:
                    continue
                runs[key] = one_run(shlex.split(flags), args.cpus, force, seed, args.duration)
                r = runs[key]
                print(f"{name:>12} {force:5.0f} N seed {seed}: {'FELL' if r['falls'] else 'up  '} rate {100 * r['target_share']:.1f} % "
                      f"missed {r['missed_deadlines']} plan p50 {r['planning_p50_ms']:.1f} ms samples {r.get('samples_by_cycles')}",
                      flush=True)
                cells = sorted({(k.split("|")[0], float(k.split("|")[1])) for k in runs})
                data["rows"] = [cell_row(n, f, [v for k, v in runs.items() if k.startswith(f"{n}|{f:g}|")]) for n, f in cells]
                write_json_atomic(out, data)
    print(f"\n{'config':>12} {'force':>6} {'falls':>7} {'rate %':>7} {'missed/run':>10} {'plan p50':>9} {'latency':>8} "
          f"{'CPU ms/cycle':>12}  samples (share of plans)")
    for row in data.get("rows", []):
        shares = ", ".join(f"{n}: {s:.0%}" for n, s in row["samples_share"].items())
        print(f"{row['config']:>12} {row['force']:6.0f} {row['falls']:>3}/{row['runs']:<3} {100 * row['rate']:7.1f} "
              f"{row['missed_per_run']:10.1f} {row['plan_p50_ms']:9.1f} {row['latency_p50_ms']:8.1f} "
              f"{row['cpu_ms_per_cycle']:12.1f}  {shares}")


if __name__ == "__main__":
    main()
