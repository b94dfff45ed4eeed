"""How much of a dataset's labels a network could still learn: the labels against a network's own knots.

Per dataset, over every episode in time order: d = (label - network(features)) / the network's output
spread, (T, K * nu). Its mean square is what the network misses; if d were pure per-label noise, its moving
mean over w cycles would have 1/w of that; the excess at w = 20 (0.4 s) is a consistent, state-dependent
part (what fine-tuning can learn), and the lag-1 autocorrelation says how much of d carries over from one
cycle to the next (near 0: noise drawn afresh each cycle; near 1: a slowly varying part, such as an
expert's carried plan). Also the labels' own spread in radians (they are offsets from the reference): per knot,
their standard deviation and that of their change from one cycle to the next, and per actuator the 99th percentile of
their size, over the actuators ``--actuators`` selects (e.g. ``0:12``, the G1's legs). Prints a table and writes JSON.

    python benchmarks/screens/label_signal.py --model g1mpc/data/g1_default.ckpt --data datasets/g1_v4 datasets/g1_v5 \
        --out benchmarks/results/network_v5/label_signal.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from g1mpc.learning.dataset import load_episodes
from g1mpc.network.torch_mlp import load_checkpoint
from g1mpc.running.reporting import write_json_atomic

WINDOWS = (1, 5, 20)


def moving_mean_power(d: np.ndarray, window: int) -> float:
    """Mean square of the moving mean over every full ``window`` of consecutive rows of ``d`` (T, D)."""
    c = np.cumsum(np.concatenate([np.zeros((1, d.shape[1])), d]), axis=0)
    return float((((c[window:] - c[:-window]) / window) ** 2).mean())


def label_spread(knots: list[np.ndarray], actuators: slice) -> dict:
    """Spread of labels (episodes of (T, K, nu) offsets from the reference, rad) over ``actuators``: per knot (K,)
    the standard deviation and that of the cycle-to-cycle change, and the 99th percentile of |label| per actuator."""
    every = np.concatenate(knots)[:, :, actuators]
    change = np.concatenate([np.diff(k, axis=0) for k in knots if len(k) > 1])[:, :, actuators]
    return {"std_rad_per_knot": every.std(axis=(0, 2)).tolist(),
            "cycle_change_std_rad_per_knot": change.std(axis=(0, 2)).tolist(),
            "p99_abs_rad_per_actuator": np.percentile(np.abs(every), 99, axis=(0, 1)).tolist(),
            "max_abs_rad": float(np.abs(every).max())}


def label_signal(model, directory: str, actuators: slice = slice(None)) -> dict:
    features, knots, _, _ = load_episodes(directory)
    scale = model.out_std.numpy()
    residuals = []
    for f, k in zip(features, knots, strict=True):
        with torch.no_grad():
            predicted = model(torch.as_tensor(f, dtype=torch.float32)).numpy()
        residuals.append((k.reshape(len(k), -1) - predicted) / scale)
    long = [d for d in residuals if len(d) > max(WINDOWS)]
    weights = np.array([len(d) for d in long], float)
    mean_over = lambda fn: float(np.average([fn(d) for d in long], weights=weights))
    lag1 = mean_over(lambda d: np.mean([np.corrcoef(d[:-1, j], d[1:, j])[0, 1] for j in range(d.shape[1])]))
    power = {w: mean_over(lambda d, w=w: moving_mean_power(d, w)) for w in WINDOWS}
    return {"data": directory, "episodes": len(long), "labels": int(weights.sum()), "missed_mse": power[1],
            "lag1_autocorrelation": lag1, "moving_mean_power": {str(w): p for w, p in power.items()},
            "pure_noise_power": {str(w): power[1] / w for w in WINDOWS},
            "state_dependent_excess_w20": power[20] - power[1] / 20, "spread": label_spread(knots, actuators)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="the network whose knots the labels are compared with")
    p.add_argument("--data", nargs="+", required=True, help="dataset directories")
    p.add_argument("--actuators", default=":", help="START:STOP, the actuators the spread is taken over (default all)")
    p.add_argument("--out", required=True, help="JSON to write")
    args = p.parse_args()
    try:
        actuators = slice(*(int(x) if x else None for x in args.actuators.split(":")))
    except (TypeError, ValueError):
        raise SystemExit(f"--actuators: '{args.actuators}' is not START:STOP (e.g. 0:12)") from None
    model, _ = load_checkpoint(args.model)
    rows = [label_signal(model, d, actuators) for d in args.data]
    print(f"{'data':28s} {'labels':>7s} {'missed':>7s} {'lag-1':>6s} {'w=5':>6s} {'noise':>6s} {'w=20':>6s} {'noise':>6s}"
          f" {'spread (rad, per knot)':>24s} {'change':>24s}")
    per_knot = lambda values: " ".join(f"{x:.3f}" for x in values)
    for r in rows:
        mp, pn, sp = r["moving_mean_power"], r["pure_noise_power"], r["spread"]
        print(f"{r['data']:28s} {r['labels']:7d} {r['missed_mse']:7.3f} {r['lag1_autocorrelation']:6.3f} "
              f"{mp['5']:6.3f} {pn['5']:6.3f} {mp['20']:6.3f} {pn['20']:6.3f} "
              f"{per_knot(sp['std_rad_per_knot']):>24s} {per_knot(sp['cycle_change_std_rad_per_knot']):>24s}")
    write_json_atomic(Path(args.out), {"model": args.model, "rows": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
