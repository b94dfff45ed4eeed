"""How hard the G1's pelvis accelerates in a push's first cycle, by push force: what ``--calm_accel`` and
``--pushed_accel`` are placed by (docs/realtime.md, "A hard push from its first cycle").

Runs the synchronous hybrid (the G1's cpu-preset sampling with the option's speed ramp, 0.3 to 0.8 m/s, as when
it was measured; the acceleration ramp off so it changes nothing) with pushes of each force every 2 s, and records,
for every plan, the base's horizontal acceleration since the last state planned from, as the controller measures
it (its ``_pushed_by_acceleration`` is wrapped to see its inputs; the controller runs as it is). Reports, per force,
the acceleration in each push's first cycle and the largest one in the rest of the 2 s after each push (the robot's
own steps), and writes them as JSON.

    python benchmarks/screens/push_acceleration.py --forces 0 150 300 400 --seeds 200 201 \\
        --out benchmarks/results/standing_screen/push_acceleration.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_planning import run_entry

from g1mpc.common.paths import default_checkpoint
from g1mpc.planning import controller as controller_module
from g1mpc.planning.noise_schedule import base_acceleration
from g1mpc.running.reporting import write_json_atomic

SAMPLING = {"planner": "mppi", "calm_noise": 0.25, "anchor_fraction": 1.0, "temperature_samples": 16,
            "calm_speed": 0.3, "pushed_speed": 0.8, "pushed_accel": 0.0}


def record_accelerations() -> list[tuple[float, float]]:
    """Wrap the controller's acceleration measurement; returns the list it appends (t, m/s^2) to."""
    seen: list[tuple[float, float]] = []
    measure = controller_module.Controller._pushed_by_acceleration

    def recording(self, t, qvel):
        if self.last_measured is not None:
            previous_t, previous_velocity = self.last_measured
            seen.append((float(t), base_acceleration(np.asarray(qvel[:2]), previous_velocity, float(t) - previous_t)))
        return measure(self, t, qvel)

    controller_module.Controller._pushed_by_acceleration = recording
    return seen


def split_by_push(seen: list[tuple[float, float]], interval: float, period: float) -> tuple[list[float], list[float]]:
    """The acceleration at each push's first planned state, and the largest one over the rest of each interval."""
    t, a = np.array(seen).T
    first, after = [], []
    for start in np.arange(interval, t.max() - period, interval):
        cycle = (t > start) & (t <= start + period + 1e-6)
        rest = (t > start + period + 1e-6) & (t <= start + interval)
        if cycle.any() and rest.any():
            first.append(float(a[cycle].max()))
            after.append(float(a[rest].max()))
    return first, after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forces", type=float, nargs="+", default=[0.0, 150.0, 300.0, 400.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[200, 201])
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    seen = record_accelerations()
    table = {"sampling": SAMPLING, "samples": args.samples, "seeds": args.seeds, "duration_s": args.duration, "forces": {}}
    print(f"{'force':>6} {'first cycle (m/s^2), each push':<44} {'rest of 2 s: median max':>24}")
    for force in args.forces:
        first, after = [], []
        for seed in args.seeds:
            seen.clear()
            run_entry("hybrid", args.samples, max(2, args.samples // 8), force, [seed], args.duration,
                      str(default_checkpoint("g1")), controller_overrides=SAMPLING)
            f, r = split_by_push(seen, 2.0, 0.02)
            first += f
            after += r
        table["forces"][f"{force:g}"] = {"first_cycle": first, "rest_max": after}
        print(f"{force:6.0f} {' '.join(f'{x:.1f}' for x in first):<44} {np.median(after):24.1f}")
        write_json_atomic(args.out, table)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
