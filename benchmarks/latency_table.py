"""Aggregate the files of benchmarks/latency_table.sh into one table: falls and joint RMS per loop and force.

Usage (prints a Markdown table, writes JSON):
    python benchmarks/latency_table.py --dir benchmarks/results/latency --out benchmarks/results/latency/table.json
Every complete file counts, whatever chunk of seeds it holds, so the table grows as chunks are run.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from g1mpc.running.evaluate import fall_rate_interval
from g1mpc.running.reporting import write_json_atomic

CONFIGS = {  # file prefix -> what the row is
    "sync0": "synchronous, plan applied at once",
    "sync20": "synchronous, --latency_ms 20",
    "sync20p": "synchronous, --latency_ms 20, --compensation predict",
    "sync40": "synchronous, --latency_ms 40",
    "sync40p": "synchronous, --latency_ms 40, --compensation predict",
    "async": "asynchronous (--loop async), no compensation",
    "asyncp": "asynchronous, --compensation predict",
    "asyncp40": "asynchronous, --compensation predict, 40 / 5 (what --num_samples auto chose here)",
}


def cells(directory: Path) -> dict[tuple[str, float], list[dict]]:
    """(configuration, force) -> the rows of every complete file for it."""
    out: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for path in sorted(directory.glob("*.json")):
        config = path.name.split("_")[0]
        if config not in CONFIGS:
            continue
        data = json.loads(path.read_text())
        if not data.get("complete"):
            continue
        for row in data["rows"]:
            out[(config, row["push_n"])].append(row)
    return out


def summarise(rows: list[dict]) -> dict:
    seeds = [s for r in rows for s in r["seed_list"]]
    fell = sum(f is not None for r in rows for f in r["fell_at_s"])
    rms = np.array([x for r in rows for x in r["joint_rms_per_seed"]])
    latency = [r["plan_latency_p50_ms"] for r in rows if r.get("plan_latency_p50_ms") is not None]
    latency95 = [r["plan_latency_p95_ms"] for r in rows if r.get("plan_latency_p95_ms") is not None]
    return {
        "runs": len(seeds), "seeds": sorted(seeds), "fell": fell, "fall_rate_ci95": fall_rate_interval(fell, len(seeds)),
        "joint_rms_rad": float(np.sqrt(np.mean(rms**2))),
        "plan_p50_ms": float(np.median([r["planning_p50_ms"] for r in rows])),
        "latency_p50_ms": float(np.median(latency)) if latency else None,
        "latency_p95_ms": float(np.median(latency95)) if latency95 else None,
        "replans_per_s": float(np.mean([r["replans_per_s"] for r in rows])),
        "missed_deadlines": int(sum(r["missed_deadlines"] for r in rows)),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", default="benchmarks/results/latency")
    p.add_argument("--out", default="benchmarks/results/latency/table.json")
    args = p.parse_args()
    table = {f"{config}@{force:g}": {"config": config, "what": CONFIGS[config], "push_n": force, **summarise(rows)}
             for (config, force), rows in sorted(cells(Path(args.dir)).items(), key=lambda kv: (list(CONFIGS).index(kv[0][0]), kv[0][1]))}
    forces = sorted({row["push_n"] for row in table.values()})
    print("| loop | " + " | ".join(f"{f:g} N: falls, joint RMS" for f in forces) + " | latency p50 / p95 |")
    print("|---|" + "---|" * len(forces) + "---|")
    for config, what in CONFIGS.items():
        entries = {row["push_n"]: row for row in table.values() if row["config"] == config}
        if not entries:
            continue
        cols = [f"{entries[f]['fell']}/{entries[f]['runs']}, {entries[f]['joint_rms_rad']:.4f}" if f in entries else "–" for f in forces]
        any_row = next(iter(entries.values()))
        lat = "–" if any_row["latency_p50_ms"] is None else f"{any_row['latency_p50_ms']:.0f} / {any_row['latency_p95_ms']:.0f} ms"
        print(f"| {what} | " + " | ".join(cols) + f" | {lat} |")
    write_json_atomic(args.out, {"cells": table})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
