"""Soak benchmark: many planning cycles headless; resident memory and planning time over time.

Usage (prints a table, writes JSON):
    python benchmarks/soak.py --cycles 10000 --out benchmarks/results/soak.json
Runs the precompiled hybrid pipeline (as run_policy_aot.py does) with --reset_on_fall and 150 N pushes,
so falls do not end the run; memory is the process's resident set size (ru_maxrss and /proc).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cycles", type=int, default=10000)
    p.add_argument("--chunks", type=int, default=10)
    p.add_argument("--push_force", type=float, default=150.0)
    p.add_argument("--out", default="benchmarks/results/soak.json")
    args = p.parse_args()

    from g1mpc.common.paths import DEFAULT_CHECKPOINT
    from g1mpc.planning.controller import ControllerConfig
    from g1mpc.precompiled.aot import prepare_precompiled
    from g1mpc.running.config import RunConfig
    from g1mpc.running.reporting import write_json_atomic
    from g1mpc.running.sim import PushConfig, SimConfig

    pre = str(Path(tempfile.mkdtemp()) / "precompiled")
    config = RunConfig(controller=ControllerConfig(mode="hybrid"))  # the run_policy_aot.py defaults
    assembly, params, _ = prepare_precompiled(config, DEFAULT_CHECKPOINT, pre, log=lambda s: None)
    controller = assembly.controller(params)
    per_chunk = args.cycles // args.chunks
    sim = assembly.simulation(SimConfig(
        duration=per_chunk / config.frequency, realtime=False, print_every=0, reset_on_fall=True,
        pushes=PushConfig(force=args.push_force)))
    controller.warmup(0.0, sim.data.qpos.copy(), sim.data.qvel.copy(), 3)
    controller.reset(assembly.reference.ctrl[0])
    rows = []
    rss_start = rss_mib()
    print(f"{'chunk':>5} {'cycles':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'falls':>5} {'RSS MiB':>8}")
    start = time.perf_counter()
    for chunk in range(args.chunks):
        result = sim.run(controller, log=None)
        t = np.array([c.total for c in result.cycles]) * 1e3
        row = {"chunk": chunk, "cycles": len(t), "p50_ms": float(np.median(t)), "p95_ms": float(np.percentile(t, 95)),
               "max_ms": float(t.max()), "falls": len(result.falls), "pushes": len(result.push_times), "rss_mib": rss_mib()}
        rows.append(row)
        print(f"{chunk:>5} {row['cycles']:>7} {row['p50_ms']:>7.2f} {row['p95_ms']:>7.2f} {row['max_ms']:>7.2f} "
              f"{row['falls']:>5} {row['rss_mib']:>8.1f}", flush=True)
    total = sum(r["cycles"] for r in rows)
    wall = time.perf_counter() - start
    rss_end = rss_mib()
    print(f"{total} cycles, {sum(r['pushes'] for r in rows)} pushes, {sum(r['falls'] for r in rows)} falls in {wall:.0f} s; "
          f"RSS {rss_start:.1f} -> {rss_end:.1f} MiB "
          f"({100 * (rss_end / rss_start - 1):+.1f} %); p50 first/last chunk {rows[0]['p50_ms']:.2f}/{rows[-1]['p50_ms']:.2f} ms")
    write_json_atomic(args.out, {"rows": rows, "rss_start_mib": rss_start, "rss_end_mib": rss_end, "cycles": total,
                                 "wall_s": wall, "pushes": sum(r["pushes"] for r in rows), "falls": sum(r["falls"] for r in rows),
                                 "config": config.as_dict(), "args": vars(args)})
    print(f"wrote {args.out}")
    assembly.close()


if __name__ == "__main__":
    main()
