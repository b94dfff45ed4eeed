"""Tiny collect -> train -> hybrid run on a small configuration (real physics, real checkpoint)."""

import numpy as np
import pytest

from g1mpc.cli import main
from g1mpc.common.paths import DEFAULT_CHECKPOINT

pytestmark = pytest.mark.slow  # the whole module: the fast tier is python -m pytest -m "not slow"


def test_collect_train_hybrid(tmp_path, capsys):
    data, ckpt = tmp_path / "data", tmp_path / "ckpt"
    small = ["--num_samples", "8", "--num_elites", "2", "--plan_horizon", "0.2"]
    assert main(["collect", *small, "--out", str(data), "--episodes", "2", "--episode_duration", "0.3"]) == 0
    assert len(list(data.glob("shard-*.npz"))) == 2
    # resumable: a second call finds both shards and collects nothing new
    assert main(["collect", *small, "--out", str(data), "--episodes", "2", "--episode_duration", "0.3"]) == 0
    assert '"skipped_existing": 2' in capsys.readouterr().out
    assert main(["train", "--data", str(data), "--ckpt_dir", str(ckpt), "--epochs", "3", "--hidden", "16"]) == 0
    err = capsys.readouterr().err  # stderr is not a terminal here: one line per epoch, no redrawn bar
    assert "[train] epoch 2: train " in err and "\r" not in err
    ckpts = sorted(ckpt.glob("model-epoch=*-val_loss=*.ckpt"))
    assert ckpts and (ckpt / "loss_curve.png").stat().st_size > 0
    # fine-tuning starts from the checkpoint's weights, widths and normalisation (a tiny rate barely moves them)
    tuned = tmp_path / "tuned"
    assert main(["train", "--data", str(data), "--ckpt_dir", str(tuned), "--epochs", "1", "--hidden", "64",
                 "--init_model", str(ckpts[0]), "--lr", "1e-9"]) == 0
    assert "[train] the starting network" in capsys.readouterr().err
    from g1mpc.network.torch_mlp import load_checkpoint

    start_model, _ = load_checkpoint(ckpts[0])
    tuned_model, tuned_hp = load_checkpoint(next(tuned.glob("model-epoch=*.ckpt")))
    assert tuned_hp["hidden"] == [16]
    for name, value in start_model.state_dict().items():
        np.testing.assert_allclose(tuned_model.state_dict()[name].numpy(), value.numpy(), atol=1e-6)
    # a checkpoint made for another horizon is refused, the flag and the field named
    code = main(["train", "--data", str(data), "--ckpt_dir", str(tuned), "--init_model", str(DEFAULT_CHECKPOINT)])
    assert code == 2 and "--init_model" in (err := capsys.readouterr().err) and "plan_horizon" in err
    code = main(["run", "--hybrid", "--model_path", str(ckpts[0]), *small, "--headless", "--no_realtime", "--duration", "0.2"])
    out = capsys.readouterr().out
    assert code == 0 and "mode hybrid" in out and "[summary] 10 cycles" in out
    # DAgger round: the hybrid controller drives, the expert labels; shards are added after the existing ones
    assert main(["collect", *small, "--out", str(data), "--episodes", "1", "--episode_duration", "0.3",
                 "--dagger_model", str(ckpts[0]), "--first_episode", "2"]) == 0
    from g1mpc.learning.dataset import read_shard

    _, knots, meta = read_shard(data / "shard-00002.npz")
    assert meta["dagger_checkpoint"] == str(ckpts[0]) and knots.shape == (15, 4, 29)
    # labels without history: each update from a fresh start, refined twice, the driver's control as the previous
    assert main(["collect", *small, "--out", str(data), "--episodes", "1", "--episode_duration", "0.3",
                 "--dagger_model", str(ckpts[0]), "--first_episode", "3", "--cold_labels", "--iterations", "2"]) == 0
    _, cold_knots, meta = read_shard(data / "shard-00003.npz")
    assert meta["collect_config"]["cold_labels"] and meta["run_config"]["controller"]["iterations"] == 2
    assert cold_knots.shape == (15, 4, 29) and np.isfinite(cold_knots).all()
    # the hybrid as the expert: the same episode as shard 0 (same start state), labels refined around the network
    hybrid_data = tmp_path / "hybrid_expert"
    assert main(["collect", *small, "--out", str(hybrid_data), "--episodes", "1", "--episode_duration", "0.3",
                 "--expert_model", str(ckpts[0])]) == 0
    cem_features, cem_knots, _ = read_shard(data / "shard-00000.npz")
    features, knots, meta = read_shard(hybrid_data / "shard-00000.npz")
    assert meta["expert_checkpoint"] == str(ckpts[0]) and meta["run_config"]["controller"]["mode"] == "hybrid"
    np.testing.assert_array_equal(features[0], cem_features[0])
    assert knots.shape == cem_knots.shape and np.abs(knots[0] - cem_knots[0]).max() > 1e-3
    capsys.readouterr()
    # a checkpoint trained for another knot count is refused with the field named
    code = main(["run", "--model_path", str(ckpts[0]), *small, "--num_knots", "5", "--headless", "--duration", "0.1"])
    assert code == 2 and "num_knots=4" in capsys.readouterr().err
