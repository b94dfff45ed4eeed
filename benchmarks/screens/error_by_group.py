"""Which joints a pushed run's joint error sits in: the RMS of each actuator group's joint errors (the robot's
``actuator_groups``: for the G1 legs, waist, arms, wrists) over the run, and their share of the run's squared error
(the joint RMS over every joint is what the evaluation reports).

Runs one ``bench_vs_policy.py`` entry (``CONTROLLER@PLANT``) synchronously on each seed, pushes of ``--force``
every 2 s; prints per seed and over all seeds each group's RMS and share; writes them as JSON.

    python benchmarks/screens/error_by_group.py --entry "hybrid:64:8@nominal" --force 150 --seeds 2202 2203 \\
        --out benchmarks/results/standing_groups/cem_150.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mujoco
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_vs_policy import evaluation_of, parse_entry

from g1mpc.robots.models import actuated_qpos_indices
from g1mpc.running.evaluate import SeedRunner
from g1mpc.running.reporting import write_json_atomic


def joint_groups(model: mujoco.MjModel, robot) -> dict[str, np.ndarray]:
    """group -> qpos addresses of the joints its actuators drive."""
    groups: dict[str, list[int]] = {}
    for a, address in enumerate(actuated_qpos_indices(model)):
        groups.setdefault(robot.actuator_group(model.actuator(a).name), []).append(int(address))
    return {g: np.array(adr) for g, adr in groups.items()}


def group_summary(squared: dict[str, float], counts: dict[str, int], cycles: int) -> dict[str, dict]:
    """group -> {"rms": rad over its joints and the cycles, "share": of the summed squared error over all joints}."""
    total = sum(squared.values())
    return {g: {"rms": float(np.sqrt(squared[g] / (counts[g] * cycles))), "share": squared[g] / total} for g in squared}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entry", required=True, help="a bench_vs_policy.py entry, CONTROLLER@PLANT")
    ap.add_argument("--force", type=float, default=150.0)
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    runner = SeedRunner(evaluation_of(parse_entry(args.entry), args.force, args.duration))
    model, robot = runner.assembly.plant, runner.assembly.robot
    groups = joint_groups(model, robot)
    counts = {g: len(adr) for g, adr in groups.items()}
    report = {"entry": args.entry, "force_n": args.force, "duration_s": args.duration, "joints": counts, "runs": {}}
    pooled, pooled_cycles = dict.fromkeys(groups, 0.0), 0
    try:
        for seed in args.seeds:
            squared = dict.fromkeys(groups, 0.0)

            def watch(data, reference_qpos, squared=squared):
                for g, adr in groups.items():
                    squared[g] += float(np.sum((data.qpos[adr] - reference_qpos[adr]) ** 2))

            r = runner(seed, watch=watch)
            cycles = len(r["joint_rms"])  # the watch saw every cycle the run recorded
            run = group_summary(squared, counts, cycles)
            report["runs"][str(seed)] = {"groups": run, "joint_rms": float(np.sqrt(np.mean(np.square(r["joint_rms"])))),
                                         "fell_at_s": r["falls"][0] if r["falls"] else None, "steps": r["steps"]}
            for g in groups:
                pooled[g] += squared[g]
            pooled_cycles += cycles
            report["pooled"] = group_summary(pooled, counts, pooled_cycles)
            write_json_atomic(args.out, report)
            print(f"seed {seed}: joint RMS {report['runs'][str(seed)]['joint_rms']:.4f} | "
                  + " ".join(f"{g} {v['rms']:.4f} ({v['share']:.0%})" for g, v in run.items()), flush=True)
        print("pooled: " + " ".join(f"{g} {v['rms']:.4f} ({v['share']:.0%})" for g, v in report["pooled"].items()))
    finally:
        runner.close()


if __name__ == "__main__":
    main()
