"""benchmarks/screens/label_signal.py's label spread: a plan that wanders spreads wide while it changes little from one
cycle to the next; labels drawn afresh each cycle spread as much as they change."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks" / "screens"))

from label_signal import label_spread  # noqa: E402


def _episodes(wander: bool, rng: np.random.Generator, episodes: int = 8, length: int = 400) -> list[np.ndarray]:
    steps = rng.normal(0.0, 0.05, (episodes, length, 4, 3))
    return list(np.cumsum(steps, axis=1) if wander else steps)


def test_a_wandering_plan_spreads_wide_and_changes_little_per_cycle():
    rng = np.random.default_rng(0)
    walk = label_spread(_episodes(True, rng), slice(None))
    fresh = label_spread(_episodes(False, rng), slice(None))
    assert np.allclose(walk["cycle_change_std_rad_per_knot"], 0.05, rtol=0.1)
    assert min(walk["std_rad_per_knot"]) > 5 * max(walk["cycle_change_std_rad_per_knot"])
    assert np.allclose(fresh["std_rad_per_knot"], 0.05, rtol=0.1)
    assert np.allclose(fresh["cycle_change_std_rad_per_knot"], 0.05 * np.sqrt(2), rtol=0.1)
    assert len(walk["p99_abs_rad_per_actuator"]) == 3 and walk["max_abs_rad"] >= max(walk["p99_abs_rad_per_actuator"])


def test_the_actuator_slice_selects_the_columns():
    knots = [np.zeros((10, 4, 3), np.float32)]
    knots[0][:, :, 2] = np.arange(10)[:, None]  # only the last actuator moves
    assert label_spread(knots, slice(0, 2))["std_rad_per_knot"] == [0.0] * 4
    # the last actuator moves by exactly 1 each cycle: no spread in its change
    assert label_spread(knots, slice(2, 3))["cycle_change_std_rad_per_knot"] == [0.0] * 4
    assert label_spread(knots, slice(2, 3))["max_abs_rad"] == 9.0
