"""How much of an expert label is sampling noise? Replay the expert's update from the same state and warm start.

The expert (CEM, the ``expert`` preset) drives a pushed episode; every ``--every`` cycles its state is held
and the update is redone ``--repeats`` times with other sampling seeds. The spread of those knots, in units
of the dataset's label spread (the training loss's normalisation), is the normalised MSE that no network
can go below: two labels of the same state differ by that much. The same update from the planner's initial
state (nothing carried over from earlier cycles, which a network does not see) shows how much of a label is
the expert's history rather than the state. Writes JSON.

    python benchmarks/screens/label_noise.py --data datasets/g1_v2 --pushes 0 150 300 \
        --out benchmarks/results/network_v2/label_noise.json
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

import numpy as np

from g1mpc.common.atomic import atomic_write
from g1mpc.learning.dataset import load_dataset
from g1mpc.learning.train import SCALE_FLOOR
from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.assembly import assemble
from g1mpc.running.config import RunConfig, preset
from g1mpc.running.sim import PushConfig, SimConfig


class ReplayingExpert:
    """Drives with the expert; at every ``every``-th cycle also replans ``repeats`` times with other seeds."""

    def __init__(self, controller, every: int, repeats: int):
        self.controller, self.every, self.repeats = controller, every, repeats
        self.spreads: list[np.ndarray] = []  # per held state: variance over repeats, per knot value (K * nu,)
        self.history: list[np.ndarray] = []  # per held state: (label - mean of cold-started updates)^2, (K * nu,)

    def reset(self, *args):
        self.controller.reset(*args)

    def _replan(self, held: tuple, seed: int, cold: bool, t, qpos, qvel) -> np.ndarray:
        """The update's knots (K * nu,) from the held controller state (or cold: its initial plan), then restore it."""
        c = self.controller
        if cold:
            c.mean, c.sigma = (np.array(x, np.float32) for x in c.initial_state)
        c.config = replace(held[-1], seed=seed)
        c.plan(t, qpos, qvel)
        knots = c.mean.reshape(-1)
        c.mean, c.sigma, c.cycle, c.prev_ctrl, c.config = held
        return knots

    def plan(self, t, qpos, qvel):
        c = self.controller
        if c.cycle == 0 or c.cycle % self.every:
            return c.plan(t, qpos, qvel)
        held = (c.mean, c.sigma, c.cycle, c.prev_ctrl, c.config)
        seed = c.config.seed
        warm = [self._replan(held, seed + 1000 + k, False, t, qpos, qvel) for k in range(self.repeats)]
        cold = [self._replan(held, seed + 2000 + k, True, t, qpos, qvel) for k in range(self.repeats)]
        self.spreads.append(np.var(np.array(warm), axis=0, ddof=1))
        ctrl = c.plan(t, qpos, qvel)
        self.history.append((c.mean.reshape(-1) - np.mean(cold, axis=0)) ** 2)
        return ctrl


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="dataset whose label spread normalises (shard-*.npz)")
    p.add_argument("--pushes", type=float, nargs="+", default=[0.0, 150.0, 300.0])
    p.add_argument("--seed", type=int, default=500, help="episode seed (pushes and sampling)")
    p.add_argument("--duration", type=float, default=6.0)
    p.add_argument("--every", type=int, default=10)
    p.add_argument("--repeats", type=int, default=8)
    p.add_argument("--out", required=True)
    args = p.parse_args()

    _, knots, _ = load_dataset(args.data)
    label_std = np.concatenate([k.reshape(len(k), -1) for k in knots]).std(0) + SCALE_FLOOR  # as train.py normalises
    sizes = preset("expert")
    run = RunConfig(num_knots=sizes["num_knots"], plan_horizon=sizes["plan_horizon"], controller=ControllerConfig(
        mode="cem", num_samples=sizes["num_samples"], num_elites=sizes["num_elites"], iterations=sizes["iterations"]))
    assembly = assemble(run)
    rows = []
    try:
        for push in args.pushes:
            controller = assembly.controller()
            controller.config = replace(controller.config, seed=args.seed)
            replaying = ReplayingExpert(controller, args.every, args.repeats)
            sim = assembly.simulation(SimConfig(duration=args.duration, realtime=False, print_every=0.0,
                                                pushes=PushConfig(force=push, seed=args.seed)))
            sim.reset(0.0)
            replaying.reset(assembly.reference.ctrl[0])
            result = sim.run(replaying, log=None)
            normalised = np.array(replaying.spreads) / label_std**2  # (states, K * nu)
            history = np.array(replaying.history) / label_std**2
            rows.append({"push_n": push, "states": len(normalised), "fell": bool(result.falls),
                         "noise_normalised_mse": float(normalised.mean()),
                         "noise_normalised_mse_p10_p90": [float(x) for x in np.percentile(normalised.mean(1), [10, 90])],
                         "label_vs_cold_start_normalised_mse": float(history.mean())})
            p10, p90 = rows[-1]["noise_normalised_mse_p10_p90"]
            print(f"push {push:5.0f} N: {len(normalised)} states, label noise = {normalised.mean():.3f} of the label variance"
                  f" (p10-p90 over states {p10:.3f}-{p90:.3f})"
                  f"; label vs cold-started update {history.mean():.3f}{', fell' if result.falls else ''}", flush=True)
    finally:
        assembly.close()
    with atomic_write(args.out, "w") as f:
        json.dump({"args": vars(args), "expert": sizes, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
