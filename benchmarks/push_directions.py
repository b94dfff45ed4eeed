"""Which pushes topple the robot: the direction of every push in pushed bench_planning or bench_default_run
runs, and how often a push in each direction was the last one before a fall.

A run's push directions depend only on its seed (:meth:`g1mpc.running.sim.PushConfig.schedule`), so this reads
the JSON files bench_planning.py and bench_default_run.py wrote and runs nothing. Directions are in the world
frame; the G1 faces +x on the default clip (runs with ``--motions`` or another ``--reference`` are skipped:
their clips turn the robot).

    python benchmarks/push_directions.py benchmarks/results/realtime_vs_expert/*.json --push 300 \
        --out benchmarks/results/push_directions_300N.json
    python benchmarks/push_directions.py benchmarks/results/default_run/two_cores_*.json --push 400 --config default
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from g1mpc.running.reporting import write_json_atomic
from g1mpc.running.sim import PushConfig

SECTORS = ("front (+x)", "left (+y)", "back (-x)", "right (-y)")


def sector(angle: float) -> int:
    """0 front, 1 left, 2 back, 3 right: 90-degree sectors centred on the axes."""
    return int(((angle + np.pi / 4) % (2 * np.pi)) // (np.pi / 2))


def tally(rows: list[dict], interval: float) -> dict:
    """Per sector: pushes, and pushes that were the last before a fall."""
    pushes, fatal = np.zeros(4, int), np.zeros(4, int)
    delays = []
    for row in rows:
        for seed, fell_at in zip(row["seed_list"], row["fell_at_s"], strict=True):
            pushes_of_run = PushConfig(interval=interval, seed=seed, directions=tuple(row.get("push_directions_deg", ())))
            angles = [angle for _, angle in pushes_of_run.schedule(row["duration_s"])]
            survived = angles if fell_at is None else angles[: int(fell_at // interval)]
            for angle in survived:
                pushes[sector(angle)] += 1
            if fell_at is not None and survived:
                fatal[sector(survived[-1])] += 1
                delays.append(fell_at - interval * len(survived))
    return {
        "sectors": {name: {"pushes": int(p), "last_before_a_fall": int(f), "share": float(f / p) if p else None}
                    for name, p, f in zip(SECTORS, pushes, fatal, strict=True)},
        "falls": int(fatal.sum()), "pushes": int(pushes.sum()),
        "fall_delay_after_push_s": {"median": float(np.median(delays)), "max": float(np.max(delays))} if delays else None,
    }


def _flag(words: list[str], flag: str, default: str | None = None) -> str | None:
    return words[words.index(flag) + 1] if flag in words else default


def default_run_rows(data: dict, push: float, config: str | None) -> list[dict]:
    """bench_default_run.py's runs (``data["runs"]``: "CONFIG|FORCE|SEED" -> run summary with its command) at
    ``push`` N, of ``config`` (None: every configuration), as rows of one run each in bench_planning's layout."""
    rows = []
    for key, run in data.get("runs", {}).items():
        words = run.get("command", "").split()
        name = key.split("|")[0]
        if (config is not None and name != config) or float(_flag(words, "--push_force", "0")) != push:
            continue
        if "--reference" in words or "--motions" in words or _flag(words, "--robot", "g1") != "g1" or _flag(words, "--seed") is None:
            continue
        fell = run["fall_times_s"][0] if run["fall_times_s"] else None
        rows.append({"seed_list": [int(_flag(words, "--seed"))], "fell_at_s": [fell], "duration_s": data["duration"],
                     "push_directions_deg": (), "label": name})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+", help="bench_planning.py or bench_default_run.py JSON files")
    p.add_argument("--push", type=float, required=True, help="push force (N) of the rows to read")
    p.add_argument("--config", help="bench_default_run.py files: only this configuration's runs (default: all)")
    p.add_argument("--out", help="JSON to write")
    args = p.parse_args()
    interval = PushConfig.interval
    rows, used = [], []
    for path in args.files:
        data = json.loads(Path(path).read_text())
        if isinstance(data.get("runs"), dict):  # bench_default_run.py: one summary per run
            runs = default_run_rows(data, args.push, args.config)
            rows += runs
            used += [f"{Path(path).name}: {len(runs)} runs"] if runs else []
            continue
        for row in data.get("rows", []):
            if row.get("push_n") == args.push and not row.get("motions") and row.get("robot", "g1") == "g1":
                rows.append(row)
                used.append(f"{Path(path).name}: {row['mode']} {row['num_samples']}")
    if not rows:
        raise SystemExit(f"error: no g1 rows at --push {args.push:g} in the files given")
    result = {"files": used, "push_n": args.push, "config": args.config, "interval_s": interval, **tally(rows, interval)}
    print(f"{len(rows)} rows, {result['pushes']} pushes survived or fatal, {result['falls']} falls")
    print(f"{'sector':>12} | {'pushes':>6} | {'last before a fall':>18} | share")
    for name, s in result["sectors"].items():
        share = "-" if s["share"] is None else f"{s['share']:.1%}"
        print(f"{name:>12} | {s['pushes']:>6} | {s['last_before_a_fall']:>18} | {share}")
    if result["fall_delay_after_push_s"]:
        print(f"fall after the last push: median {result['fall_delay_after_push_s']['median']:.2f} s")
    if args.out:
        write_json_atomic(args.out, result)


if __name__ == "__main__":
    main()
