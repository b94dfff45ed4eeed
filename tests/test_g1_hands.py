"""The G1 with hands runs the hybrid on its own shipped network, JIT and AOT alike."""

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import finish_script, report_controls, start_script

from g1mpc.network import load_checkpoint
from g1mpc.paths import default_checkpoint

SMALL = ["--robot", "g1_hands", "--headless", "--no_realtime", "--quiet", "--num_samples", "8", "--num_elites", "2",
         "--seed", "3", "--warmup", "1", "--duration", "0.4"]


def _controls(script: str, args: list[str], report: Path) -> np.ndarray:
    finish_script(start_script(script, [*SMALL, *args, "--report", str(report)]))
    assert json.loads(report.read_text())["config"]["robot"] == "g1_hands"
    return report_controls(report)


def test_the_shipped_g1_hands_network_is_trained_for_the_g1_with_hands():
    _, hyper = load_checkpoint(default_checkpoint("g1_hands"))
    spec = hyper["task_spec"]
    assert (spec["robot"], spec["nu"], spec["nq"]) == ("g1_hands", 43, 50)


@pytest.mark.slow
def test_g1_hands_hybrid_runs_jit_and_aot_with_the_same_controls(tmp_path):
    jit = _controls("run_policy.py", ["--hybrid"], tmp_path / "jit.json")
    aot = _controls("run_policy_aot.py", ["--precompiled_dir", str(tmp_path / "pre")], tmp_path / "aot.json")
    assert jit.shape == (20, 43)
    assert np.abs(np.diff(jit, axis=0)).max() > 1e-4  # the controls move: a real plan, not a held pose
    np.testing.assert_allclose(aot, jit, atol=1e-5)
