"""Run plots: planning time against the replan budget, tracking error and base height over time."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_plots(result, replan_period: float, directory: str | Path) -> list[Path]:
    """Write ``planning_time.png`` and ``tracking.png`` into ``directory``; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cycles = result.cycles
    total = np.array([c.total for c in cycles]) * 1e3
    t = np.array([c.sim_time for c in cycles])
    paths = []

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(total, bins=60, color="tab:blue", alpha=0.8)
    ax.axvline(replan_period * 1e3, color="tab:red", linestyle="--", label=f"replan period {replan_period * 1e3:.0f} ms")
    ax.axvline(np.median(total), color="k", linestyle=":", label=f"median {np.median(total):.1f} ms")
    ax.set_xlabel("planning time per cycle (ms)")
    ax.set_ylabel("cycles")
    ax.legend()
    fig.tight_layout()
    paths.append(directory / "planning_time.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    ax1.plot(t, [c.joint_rms for c in cycles], color="tab:blue")
    ax1.set_ylabel("joint RMS error (rad)")
    ax2.plot(t, [c.base_height for c in cycles], color="tab:green")
    ax2.set_ylabel("root height (m)")
    ax2.set_xlabel("simulated time (s)")
    for ax in (ax1, ax2):
        for i, p in enumerate(result.push_times):
            ax.axvline(p, color="tab:red", alpha=0.5, label="push" if i == 0 and ax is ax1 else None)
        for f in result.falls:
            ax.axvline(f, color="k", linestyle="--")
    if result.push_times:
        ax1.legend()
    fig.tight_layout()
    paths.append(directory / "tracking.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)
    return paths
