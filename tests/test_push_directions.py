"""benchmarks/push_directions.py on both kinds of result file: the sectors of the pushes a run received follow from
its seed, and a bench_default_run run counts as a one-run row."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from push_directions import default_run_rows, sector, tally  # noqa: E402

from g1mpc.running.sim import PushConfig  # noqa: E402


def _default_run(runs: dict, duration: float = 20.0) -> dict:
    return {"duration": duration, "runs": runs}


def _run(seed: int, force: float, fell: float | None, extra: str = "") -> dict:
    return {"command": f"python run_policy_aot.py --push_force {force:g} --seed {seed} --duration 20 {extra}".strip(),
            "fall_times_s": [] if fell is None else [fell]}


def test_sectors_are_centred_on_the_axes():
    assert [sector(np.radians(a)) for a in (0, 44, 46, 90, 180, 270, 316, 359)] == [0, 0, 1, 1, 2, 3, 0, 0]


def test_default_run_files_become_one_run_rows_of_the_force_and_config_asked_for():
    data = _default_run({"default|400|1201": _run(1201, 400, 7.3), "default|300|1201": _run(1201, 300, None),
                         "other|400|1202": _run(1202, 400, None),
                         "default|400|1203": _run(1203, 400, None, "--reference clip.npz")})
    rows = default_run_rows(data, 400.0, "default")
    assert rows == [{"seed_list": [1201], "fell_at_s": [7.3], "duration_s": 20.0, "push_directions_deg": (), "label": "default"}]
    assert len(default_run_rows(data, 400.0, None)) == 2  # both configurations; the other clip is left out


def test_a_fall_is_charged_to_the_last_push_before_it():
    """A run that fell at 7.3 s received the pushes at 2, 4 and 6 s; the one at 6 s was the last before the fall."""
    rows = default_run_rows(_default_run({"default|400|1201": _run(1201, 400, 7.3)}), 400.0, None)
    result = tally(rows, 2.0)
    angles = [a for _, a in PushConfig(force=400, seed=1201).schedule(20.0)][:3]
    assert result["pushes"] == 3 and result["falls"] == 1
    fatal = [name for name, s in result["sectors"].items() if s["last_before_a_fall"]]
    assert fatal == [list(result["sectors"])[sector(angles[2])]]
    assert abs(result["fall_delay_after_push_s"]["median"] - 1.3) < 1e-9
