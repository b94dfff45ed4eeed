"""Where a pushed run's joint error comes from: the joint RMS of each cycle, binned by the time since the last push.

Runs one ``bench_vs_policy.py`` entry (same syntax: ``CONTROLLER@PLANT``) synchronously on each seed, pushes of
``--force`` every 2 s, and prints per seed the whole run's joint RMS and its profile over the 2 s between pushes
(ten bins of 0.2 s, each the RMS over the cycles that fall in it, from the first push on); writes every cycle's
joint RMS and the profiles as JSON.

    python benchmarks/screens/error_after_push.py --entry "hybrid:64:8@nominal" --force 150 --seeds 2201 \\
        --out benchmarks/results/feet_stay/error_after_push_cem.json
"""

from __future__ import annotations

import argparse
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_vs_policy import evaluation_of, parse_entry

from g1mpc.running.evaluate import SeedRunner
from g1mpc.running.reporting import write_json_atomic

BINS = 10


def profile(joint_rms: np.ndarray, duration: float, push_starts: list[float], window: float) -> list[float]:
    """(BINS,) the RMS of ``joint_rms`` (C,) (cycles evenly over ``duration`` s) by time since the last of
    ``push_starts`` (s, ascending), in bins over ``window`` s; cycles before the first push are left out, NaN where a bin
    holds no cycle."""
    times = np.arange(len(joint_rms)) * duration / len(joint_rms)
    last = np.searchsorted(push_starts, times, side="right") - 1  # index of the latest push started by each cycle
    pushed = last >= 0
    since, errors, out = times[pushed] - np.asarray(push_starts)[last[pushed]], joint_rms[pushed], []
    for lo, hi in pairwise(np.linspace(0.0, window, BINS + 1)):
        in_bin = errors[(since >= lo) & (since < hi)]
        out.append(float(np.sqrt(np.mean(in_bin**2))) if len(in_bin) else float("nan"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entry", required=True, help="a bench_vs_policy.py entry, CONTROLLER@PLANT")
    ap.add_argument("--force", type=float, default=150.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[2201])
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    evaluation = evaluation_of(parse_entry(args.entry), args.force, args.duration)
    interval = evaluation.pushes.interval
    push_starts = [start for start, _ in evaluation.pushes.schedule(args.duration)]
    report = {"entry": args.entry, "force_n": args.force, "duration_s": args.duration, "bin_s": interval / BINS, "runs": {}}
    runner = SeedRunner(evaluation)
    try:
        for seed in args.seeds:
            r = runner(seed)
            errors = np.asarray(r["joint_rms"], float)
            bins, run_rms = profile(errors, args.duration, push_starts, interval), float(np.sqrt(np.mean(errors**2)))
            report["runs"][str(seed)] = {"joint_rms": run_rms, "profile": bins,
                                         "fell_at_s": r["falls"][0] if r["falls"] else None, "cycles": errors.tolist()}
            write_json_atomic(args.out, report)
            print(f"seed {seed}: joint RMS {run_rms:.4f}, by 0.2 s since a push: "
                  + " ".join(f"{b:.4f}" for b in bins), flush=True)
    finally:
        runner.close()


if __name__ == "__main__":
    main()
