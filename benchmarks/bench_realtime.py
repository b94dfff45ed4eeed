"""How many samples fit the real-time budget: the hybrid at wall-clock pace for several sample counts.

Usage (prints a table, writes JSON; run it alone, it measures wall-clock pace on shared cores):
    python benchmarks/bench_realtime.py --samples 48 56 64 72 80 --out benchmarks/results/realtime_sizing.json

Each sample count is one ``run_policy_aot.py`` process (precompiled pipeline, built on its first run in a
temporary directory, then a second timed run), ``--duration`` simulated seconds at ``--frequency`` with
pushes, in real time. Elites are an eighth of the samples (at least 2). The share of the target
frequency achieved, plan p50/p95 and the falls come from the run's ``--report``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from g1mpc.running.reporting import write_json_atomic

ROOT = Path(__file__).resolve().parents[1]


def realtime_run(samples: int, args: argparse.Namespace, precompiled: Path, report: Path) -> dict:
    flags = ["--num_samples", str(samples), "--num_elites", str(max(2, samples // 8)), "--frequency", str(args.frequency),
             "--duration", str(args.duration), "--push_force", str(args.push_force), "--seed", str(args.seed),
             "--headless", "--quiet", "--precompiled_dir", str(precompiled), *args.extra]
    command = [sys.executable, "run_policy_aot.py", *flags]
    subprocess.run([*command, "--duration", "0.1"], cwd=ROOT, check=True, capture_output=True)  # build
    out = subprocess.run([*command, "--report", str(report)], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"error: run_policy_aot.py {' '.join(flags)} failed:\n{out.stderr[-2000:]}")
    summary = json.loads(report.read_text())["summary"]
    return {"samples": samples, "elites": max(2, samples // 8), "command": " ".join(["python", *command[1:]]), **summary}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, nargs="+", default=[48, 56, 64, 72, 80])
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--frequency", type=float, default=50.0)
    p.add_argument("--push_force", type=float, default=150.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more run_policy_aot.py flags (last)")
    p.add_argument("--out", default="benchmarks/results/realtime_sizing.json")
    args = p.parse_args()
    rows = []
    print(f"{'N':>4} {'E':>3} {'achieved':>9} {'share':>6} {'plan p50':>9} {'p95':>8} {'falls':>5} {'joint rms':>9}")
    with tempfile.TemporaryDirectory(prefix="g1mpc-realtime-") as tmp:
        for samples in args.samples:
            row = realtime_run(samples, args, Path(tmp) / "precompiled", Path(tmp) / f"report_{samples}.json")
            rows.append(row)
            print(f"{samples:>4} {row['elites']:>3} {row['achieved_frequency_hz']:>6.1f} Hz {row['target_share']:>6.1%} "
                  f"{row['planning_p50_ms']:>6.2f} ms {row['planning_p95_ms']:>5.2f} ms {row['falls']:>5} "
                  f"{row['joint_rms_rad']:>9.4f}", flush=True)
            write_json_atomic(args.out, {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                                         "args": vars(args), "complete": len(rows) == len(args.samples), "rows": rows})
    fitting = [r["samples"] for r in rows if r["target_share"] >= 0.95]
    print(f"largest sample count at >= 95 % of {args.frequency:g} Hz: {max(fitting) if fitting else 'none'}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
