"""Record how the sampling planner corrects the network: per replan, the network's knots and the refined knots.

Runs the synchronous hybrid (``--samples`` / ``--elites``) under pushes on each seed and saves, per seed, the
knots the update started from (the network's proposal) and the knots it ended with, (cycles, K, nu) each, in
``OUT/seed_SEED.npz`` (written atomically; a seed whose file exists is skipped, so the script resumes).
``noise_correlation.py`` turns the corrections into a sampling-noise correlation.

    python benchmarks/screens/record_corrections.py --seeds 200-209 --push 300 --out benchmarks/results/noise_correlation/corrections
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from g1mpc.common.atomic import atomic_write
from g1mpc.common.paths import default_checkpoint
from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.config import RunConfig
from g1mpc.running.evaluate import Evaluation, SeedRunner
from g1mpc.running.sim import PushConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_default_run import seeds_from


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", nargs="+", required=True, help="seeds or ranges (200-209)")
    p.add_argument("--push", type=float, default=300.0)
    p.add_argument("--samples", type=int, default=64)
    p.add_argument("--elites", type=int, default=8)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = RunConfig(controller=ControllerConfig(mode="hybrid", num_samples=args.samples, num_elites=args.elites))
    runner = SeedRunner(Evaluation(config, str(default_checkpoint("g1")), args.duration, PushConfig(force=args.push)))
    proposed, refined = [], []
    score = runner.assembly.stages.score

    def recording_score(mean, sigma, *rest):
        result = score(mean, sigma, *rest)
        proposed.append(np.array(mean))
        refined.append(np.array(result[0]))
        return result

    runner.assembly.stages = runner.assembly.stages._replace(score=recording_score)
    for seed in seeds_from(args.seeds):
        path = out / f"seed_{seed}.npz"
        if path.exists():
            continue
        proposed.clear()
        refined.clear()
        run = runner(seed)
        with atomic_write(path) as f:
            np.savez(f, proposed=np.array(proposed), refined=np.array(refined), falls=np.array(run["falls"]),
                     push=args.push, samples=args.samples)
        print(f"seed {seed}: {len(proposed)} cycles, falls {run['falls']}", flush=True)
    runner.close()


if __name__ == "__main__":
    main()
