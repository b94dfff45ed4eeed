"""The G1 with hands and the T1 run the hybrid on their own shipped networks, JIT and AOT alike."""

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import finish_script, report_controls, start_script

from g1mpc.common.paths import default_checkpoint
from g1mpc.network.torch_mlp import load_checkpoint

ROBOTS = [("g1_hands", 43, 50), ("t1", 23, 30)]  # robot, actuators, qpos size


def _controls(robot: str, script: str, args: list[str], report: Path) -> np.ndarray:
    small = ["--robot", robot, "--headless", "--no_realtime", "--quiet", "--num_samples", "8", "--num_elites", "2",
             "--seed", "3", "--warmup", "1", "--duration", "0.4"]
    finish_script(start_script(script, [*small, *args, "--report", str(report)]))
    assert json.loads(report.read_text())["config"]["robot"] == robot
    return report_controls(report)


@pytest.mark.parametrize("robot, nu, nq", ROBOTS)
def test_the_shipped_network_is_trained_for_its_robot(robot, nu, nq):
    _, hyper = load_checkpoint(default_checkpoint(robot))
    spec = hyper["task_spec"]
    assert (spec["robot"], spec["nu"], spec["nq"]) == (robot, nu, nq)


@pytest.mark.slow
@pytest.mark.parametrize("robot, nu, nq", ROBOTS)
def test_hybrid_runs_jit_and_aot_with_the_same_controls(tmp_path, robot, nu, nq):
    jit = _controls(robot, "run_policy.py", ["--hybrid"], tmp_path / "jit.json")
    aot = _controls(robot, "run_policy_aot.py", ["--precompiled_dir", str(tmp_path / "pre")], tmp_path / "aot.json")
    assert jit.shape == (20, nu)
    assert np.abs(np.diff(jit, axis=0)).max() > 1e-4  # the controls move: a real plan, not a held pose
    np.testing.assert_allclose(aot, jit, atol=1e-5)
