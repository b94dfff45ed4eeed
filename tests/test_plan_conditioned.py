"""The plan-conditioned network end to end on a small configuration (real physics, real checkpoints):
collection records each update's warm start, training reads it, and the network drives NN-only and hybrid."""

import numpy as np
import pytest
import torch
from helpers import report_controls

from g1mpc.cli import main
from g1mpc.learning.dataset import load_episodes
from g1mpc.learning.train import warm_started_plans

pytestmark = pytest.mark.slow  # the whole module: the fast tier is python -m pytest -m "not slow"

SMALL = ["--num_samples", "8", "--num_elites", "2", "--plan_horizon", "0.2"]


def test_plan_conditioned_collect_train_and_drive(tmp_path, capsys):
    data, ckpt = tmp_path / "data", tmp_path / "ckpt"
    assert main(["collect", *SMALL, "--out", str(data), "--episodes", "2", "--episode_duration", "0.3"]) == 0
    _, knots, meta, stored = load_episodes(data)
    # the expert's own chain: each recorded warm start is its previous label shifted one period on (zero first),
    # exactly what training derives for shards collected without the record
    derived = warm_started_plans(knots, meta, [None] * len(knots))
    for record, plan in zip(stored, derived, strict=True):
        assert record.shape == plan.shape == (15, 4, 29)
        assert np.abs(record[0]).max() == 0 and np.abs(record[1:]).max() > 1e-4
        np.testing.assert_allclose(record, plan, atol=1e-5)

    assert main(["train", "--data", str(data), "--ckpt_dir", str(ckpt), "--epochs", "3", "--hidden", "16", "--plan_input"]) == 0
    path = sorted(ckpt.glob("model-*.ckpt"))[0]
    hyper = torch.load(path, weights_only=True)["hyper_parameters"]
    assert hyper["plan_input"] and hyper["in_dim"] == meta["task_spec"]["feature_size"] + 4 * 29
    capsys.readouterr()
    code = main(["run", "--model_path", str(path), *SMALL, "--headless", "--no_realtime", "--duration", "0.2"])
    assert code == 0 and "mode nn" in capsys.readouterr().out  # NN only: the network's own plan is its warm start
    # the hybrid, JIT and from a precompiled build: the same controls
    controls = {}
    for command, extra in (("run", ["--hybrid"]), ("run-aot", ["--precompiled_dir", str(tmp_path / "pre")])):
        report = tmp_path / f"{command}.json"
        code = main([command, *extra, "--model_path", str(path), *SMALL, "--headless", "--no_realtime", "--quiet",
                     "--seed", "3", "--warmup", "1", "--duration", "0.2", "--report", str(report)])
        assert code == 0
        controls[command] = report_controls(report)
    assert controls["run"].shape == (10, 29) and np.abs(np.diff(controls["run"], axis=0)).max() > 1e-4
    np.testing.assert_allclose(controls["run-aot"], controls["run"], atol=1e-5)

    # DAgger whose expert starts from the driver's plan: the records are the driver's plans, not the expert's chain
    assert main(["collect", *SMALL, "--out", str(data), "--episodes", "1", "--episode_duration", "0.3", "--first_episode", "2",
                 "--dagger_model", str(path), "--label_from_driver_plan"]) == 0
    _, knots, meta, stored = load_episodes(data)
    record = stored[2]
    own_chain = warm_started_plans(knots[2:], meta, [None])[0]
    assert np.abs(record[0]).max() == 0
    assert np.abs(record[1:] - own_chain[1:]).max() > 1e-3


def test_label_from_driver_plan_needs_a_driver(tmp_path, capsys):
    code = main(["collect", *SMALL, "--out", str(tmp_path), "--episodes", "1", "--label_from_driver_plan"])
    assert code == 2 and "--label_from_driver_plan needs --dagger_model" in capsys.readouterr().err
