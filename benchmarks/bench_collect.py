"""Expert-data collection throughput: serial (no Ray) vs Ray with 1 and 2 workers, the same episodes.

Usage (prints a table, writes JSON):
    python benchmarks/bench_collect.py --episodes 8 --episode_duration 2 --out benchmarks/results/collect_ray.json
Each configuration collects the same episodes (same seeds) into its own fresh directory with the expert
preset (128 samples, 16 elites); the shards must come out identical, which the script checks. Wall time
includes start-up (Ray, building each worker's planner), as a user waits for it.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from g1mpc.learning.collect import CollectConfig, collect
from g1mpc.learning.dataset import read_shard
from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.cluster import ClusterConfig
from g1mpc.running.config import RunConfig, preset
from g1mpc.running.reporting import write_json_atomic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--episodes", type=int, default=8)
    p.add_argument("--episode_duration", type=float, default=2.0)
    p.add_argument("--out", default="benchmarks/results/collect_ray.json")
    args = p.parse_args()
    sizes = preset("expert")
    run = RunConfig(controller=ControllerConfig(num_samples=sizes["num_samples"], num_elites=sizes["num_elites"]))
    config = CollectConfig(episodes=args.episodes, episode_duration=args.episode_duration, seed=11)
    setups = {"serial (no Ray)": None, "Ray, 1 worker": ClusterConfig(workers=1), "Ray, 2 workers": ClusterConfig(workers=2)}
    rows, shards = [], {}
    print(f"{'configuration':>16} {'workers x threads':>18} {'labels':>7} {'wall s':>7} {'labels/s':>9}")
    for name, cluster in setups.items():
        out = Path(tempfile.mkdtemp()) / "data"
        tic = time.perf_counter()
        stats = collect(out, run, config, progress=False, cluster=cluster)
        wall = time.perf_counter() - tic
        shards[name] = [read_shard(s)[:2] for s in sorted(out.glob("shard-*.npz"))]
        row = {"configuration": name, "workers": stats["workers"], "threads_per_worker": stats.get("threads_per_worker", os.cpu_count()),
               "labels": stats["samples"], "wall_s": wall, "labels_per_s": stats["samples"] / wall}
        rows.append(row)
        print(f"{name:>16} {row['workers']:>12} x {row['threads_per_worker']:<3} {row['labels']:>7} {wall:>7.1f} "
              f"{row['labels_per_s']:>9.1f}", flush=True)
    reference = shards["serial (no Ray)"]
    identical = all(len(s) == len(reference) and all(np.array_equal(a[i], b[i]) for a, b in zip(s, reference, strict=True) for i in (0, 1))
                    for s in shards.values())
    serial, one = rows[0]["wall_s"], rows[1]["wall_s"]
    print(f"shards identical across configurations: {identical}; Ray overhead (1 worker vs serial): "
          f"{100 * (one / serial - 1):+.0f} % wall; 2 workers vs serial: {rows[0]['wall_s'] / rows[2]['wall_s']:.2f}x")
    write_json_atomic(args.out, {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                                 "args": vars(args), "preset": sizes, "rows": rows, "shards_identical": identical})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
