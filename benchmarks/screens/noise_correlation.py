"""The correlation of the planner's corrections to the network, as a sampling-noise correlation.

Reads ``record_corrections.py``'s files, takes each replan's correction (refined minus proposed knots,
flattened to D = K x nu values), and writes their correlation matrix (D, D) with the corrections' standard
deviations and how concentrated they are (the effective dimension (tr C)^2 / tr(C^2) and the share of the
largest eigenvalues):

    python benchmarks/screens/noise_correlation.py benchmarks/results/noise_correlation/corrections \
        --top_fraction 0.25 --out benchmarks/results/noise_correlation/g1_correlation_top25.npz
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from g1mpc.common.atomic import atomic_write


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corrections", help="folder of seed_*.npz from record_corrections.py")
    p.add_argument("--top_fraction", type=float, default=1.0,
                   help="keep this share of the corrections, the largest (after pushes they are 4-5x the quiet ones, "
                        "which are mostly the update's own sampling noise)")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    files = sorted(Path(args.corrections).glob("seed_*.npz"))
    if not files:
        raise SystemExit(f"error: {args.corrections}: no seed_*.npz; run record_corrections.py first")
    deltas = []
    for f in files:
        with np.load(f) as z:
            plan_shape = z["refined"].shape[1:]  # (K, nu)
            deltas.append((z["refined"] - z["proposed"]).reshape(len(z["refined"]), -1))
    delta = np.concatenate(deltas)
    norms = np.linalg.norm(delta, axis=1)
    delta = delta[norms >= np.quantile(norms, 1.0 - args.top_fraction)]
    std = delta.std(axis=0)
    correlation = np.corrcoef(delta, rowvar=False)
    eig = np.sort(np.linalg.eigvalsh(correlation))[::-1]
    summary = {
        "seeds": [f.stem for f in files], "corrections": int(len(delta)), "top_fraction": args.top_fraction, "dims": int(delta.shape[1]),
        "effective_dim": float(eig.sum() ** 2 / (eig**2).sum()),
        "top_eigen_share": {str(k): float(eig[:k].sum() / eig.sum()) for k in (1, 4, 8, 16, 32)},
    }
    with atomic_write(args.out) as f:
        np.savez(f, correlation=correlation.astype(np.float32), std=std.astype(np.float32),
                 shape=np.array(plan_shape), summary=json.dumps(summary))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
