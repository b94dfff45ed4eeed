"""How repeatable ``--num_samples auto`` is: the G1's default run sized afresh ``--runs`` times, alone and beside a
bursty single-threaded job (busy 0.5 s, idle 1.5 s: another program on the machine), each choice and timing kept.

    python benchmarks/screens/sizing_repeatability.py --runs 8 --out benchmarks/results/sizing_repeatability/NAME.json
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from g1mpc.registry import get_robot  # noqa: E402
from g1mpc.running.config import RunConfig, named_planner_model, preset  # noqa: E402
from g1mpc.running.reporting import write_json_atomic  # noqa: E402
from g1mpc.running.sizing import size_num_samples  # noqa: E402


def _bursts(stop) -> None:
    while not stop.is_set():
        end = time.perf_counter() + 0.5
        while time.perf_counter() < end:
            pass
        stop.wait(1.5)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=8)
    p.add_argument("--out", required=True)
    g1_cpu = preset("cpu", get_robot("g1"))
    p.add_argument("--planner_dt", type=float, default=float(g1_cpu["planner_dt"]),
                   help="the planner's step (default: the G1's cpu preset's, as the default run has it)")
    p.add_argument("--planner_frictionloss", type=float, default=g1_cpu["planner_frictionloss"],
                   help="the planner model's joint friction loss (default: the G1's cpu preset's)")
    p.add_argument("--planner_solver", default=g1_cpu["planner_solver"],
                   help="the planner model's constraint solver (default: the G1's cpu preset's)")
    p.add_argument("--loads", nargs="+", choices=("idle", "bursts"), default=["idle", "bursts"])
    args = p.parse_args()
    # the G1 on its default clip at 50 Hz: what the sizing's timings depend on, as the default run has it
    config = RunConfig(planner_model=replace(named_planner_model(None, "mujoco"), timestep=args.planner_dt,
                                               frictionloss=args.planner_frictionloss, solver=args.planner_solver))
    preset_sizes = {"num_samples": 64, "num_elites": 8}
    result = {"command": "python benchmarks/screens/sizing_repeatability.py " + " ".join(sys.argv[1:])}
    for load in args.loads:
        stop = mp.Event()
        burner = mp.Process(target=_bursts, args=(stop,), daemon=True) if load == "bursts" else None
        if burner:
            burner.start()
        runs = []
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.runs):
                tic = time.perf_counter()
                sizing, _ = size_num_samples(config, None, preset_sizes, cache=Path(tmp) / "sizing.json", remeasure=True)
                runs.append({"num_samples": sizing.num_samples, "seconds": round(time.perf_counter() - tic, 2),
                             "rollout_p95_ms": {str(k): round(v, 2) for k, v in sizing.rollout_p95_ms.items()}})
                print(f"[sizing] {load} run {i}: {sizing.num_samples} samples in {runs[-1]['seconds']} s; {runs[-1]['rollout_p95_ms']}",
                      flush=True)
        if burner:
            stop.set()
            burner.join()
        result[load] = {"choices": dict(Counter(r["num_samples"] for r in runs)), "runs": runs}
        print(f"[sizing] {load}: choices {result[load]['choices']}")
    write_json_atomic(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
