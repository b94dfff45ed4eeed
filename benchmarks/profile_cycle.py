"""Where a control cycle's compute goes: cProfile of one pushed synchronous run of the hybrid.

    taskset -c 0 python benchmarks/profile_cycle.py --samples 16 --elites 2 --push 300 --seed 1101 --duration 6 \\
        > benchmarks/results/quality_compute/profile_hybrid16_one_core.log

Prints the process CPU time per cycle, the mean plan time and the functions that took the most time (a warm-up
run on the seed before it compiles everything first).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np

from g1mpc.common.paths import default_checkpoint
from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.config import RunConfig
from g1mpc.running.evaluate import Evaluation, SeedRunner
from g1mpc.running.sim import PushConfig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=16)
    p.add_argument("--elites", type=int, default=2)
    p.add_argument("--push", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=1101)
    p.add_argument("--duration", type=float, default=6.0)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args()
    config = RunConfig(controller=ControllerConfig(mode="hybrid", num_samples=args.samples, num_elites=args.elites))
    runner = SeedRunner(Evaluation(config, str(default_checkpoint("g1")), args.duration, PushConfig(force=args.push)))
    runner(args.seed - 1)
    profile = cProfile.Profile()
    cpu = time.process_time()
    profile.enable()
    run = runner(args.seed)
    profile.disable()
    cpu = time.process_time() - cpu
    cycles = len(run["planning_s"])
    print(f"hybrid {args.samples}/{args.elites}, {args.push:g} N, seed {args.seed}, {args.duration:g} s, "
          f"{runner.assembly.rollout.nthread} rollout thread(s): {cycles} cycles, {1e3 * cpu / cycles:.1f} CPU ms per "
          f"cycle (profiled), plan mean {1e3 * np.mean(run['planning_s']):.1f} ms")
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    runner.close()


if __name__ == "__main__":
    main()
