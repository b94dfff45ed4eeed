"""One pushed run of a bench_vs_policy entry, drawn: the feet and the pelvis seen from above, and the feet's
heights over time, with the pushes marked (a PNG, and the tracks as JSON).

    python benchmarks/recovery_trace.py --entry ppo@as_built --force 400 --seed 903 --duration 8 \
        --out benchmarks/results/vs_policy/trace_ppo_903
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from bench_vs_policy import evaluation_of, parse_entry

from g1mpc.running.evaluate import SeedRunner
from g1mpc.running.reporting import write_json_atomic


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entry", required=True, help="CONTROLLER@PLANT[@GAINS] as in bench_vs_policy.py")
    ap.add_argument("--force", type=float, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--duration", type=float, default=8.0)
    ap.add_argument("--out", type=Path, required=True, help="path without suffix: writes OUT.png and OUT.json")
    args = ap.parse_args()
    evaluation = evaluation_of(parse_entry(args.entry), args.force, args.duration)
    runner = SeedRunner(evaluation)
    try:
        run = runner(args.seed)
    finally:
        runner.close()
    t, feet, root = run["track"]["t"], run["track"]["feet"], run["track"]["root_xy"]
    pushes = replace(evaluation.pushes, seed=args.seed).schedule(args.duration)
    fell = run["falls"][0] if run["falls"] else None
    fig, (top, heights) = plt.subplots(1, 2, figsize=(11, 4.5))
    for i, (name, colour) in enumerate((("left foot", "tab:blue"), ("right foot", "tab:red"))):
        top.plot(feet[:, i, 0], feet[:, i, 1], ".", ms=2, color=colour, label=name)
        heights.plot(t, feet[:, i, 2] - feet[0, i, 2], color=colour, label=name)
    top.plot(root[:, 0], root[:, 1], color="0.3", lw=1, label="pelvis")
    for start, angle in pushes:
        k = min(np.searchsorted(t, start), len(t) - 1)
        if t[k] >= start - 0.05 and (fell is None or start < fell):
            top.annotate("", xy=root[k] + 0.25 * np.array([np.cos(angle), np.sin(angle)]), xytext=root[k],
                         arrowprops={"arrowstyle": "->", "color": "tab:green"})
            heights.axvline(start, color="tab:green", lw=0.8)
    top.set_aspect("equal", "datalim")
    top.set_xlabel("x (m)")
    top.set_ylabel("y (m)")
    top.legend(loc="best", fontsize=8)
    heights.set_xlabel("time (s)")
    heights.set_ylabel("foot height above its start (m)")
    outcome = f"fell at {fell:.1f} s" if fell is not None else "stood"
    fig.suptitle(f"{args.entry}, {args.force:g} N pushes (green), seed {args.seed}: {outcome}, {run['steps']} steps, "
                 f"{run['walked_m']:.2f} m from the start")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out.with_suffix(".png"), dpi=90)
    write_json_atomic(args.out.with_suffix(".json"), {
        "entry": args.entry, "force_n": args.force, "seed": args.seed, "duration_s": args.duration, "fell_at_s": fell,
        "steps": run["steps"], "walked_m": run["walked_m"], "pushes": pushes,
        "t": t.tolist(), "feet": feet.tolist(), "root_xy": root.tolist()})
    print(f"{args.entry} {args.force:g} N seed {args.seed}: {outcome}, {run['steps']} steps -> {args.out}.png")


if __name__ == "__main__":
    main()
