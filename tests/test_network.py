import numpy as np
import pytest
import torch

from g1mpc.errors import UserError
from g1mpc.network import KnotMLP, check_spec, load_checkpoint, save_checkpoint, to_jax_params
from g1mpc.network_jax import mlp_apply

HP = {"in_dim": 12, "out_dim": 2 * 3, "hidden": [16, 8], "task_spec": {"robot": "g1", "num_knots": 2, "nu": 3}}


def _model():
    torch.manual_seed(0)
    m = KnotMLP(12, 6, [16, 8])
    m.in_mean.copy_(torch.randn(12))
    m.in_std.copy_(torch.rand(12) + 0.5)
    m.out_mean.copy_(torch.randn(6))
    m.out_std.copy_(torch.rand(6) + 0.5)
    return m


def test_checkpoint_round_trip_and_jax_forward_matches_torch(tmp_path):
    model = _model()
    path = tmp_path / "model-epoch=00-val_loss=1.0000.ckpt"
    save_checkpoint(path, model, HP)
    raw = torch.load(path, weights_only=True)  # a plain dict: safe to load
    assert set(raw) >= {"state_dict", "hyper_parameters"}
    loaded, hp = load_checkpoint(path)
    x = torch.randn(5, 12)
    params = to_jax_params(loaded)
    with torch.no_grad():
        expected = model(x).numpy()
    got = np.stack([np.asarray(mlp_apply(params, xi.numpy(), 2, 3)).reshape(-1) for xi in x])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_truncated_and_foreign_checkpoints_are_rejected(tmp_path):
    path = tmp_path / "m.ckpt"
    save_checkpoint(path, _model(), HP)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="truncated"):
        load_checkpoint(path)
    other = tmp_path / "other.ckpt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(UserError, match="state_dict"):
        load_checkpoint(other)
    with pytest.raises(UserError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.ckpt")


def test_spec_mismatch_names_the_field():
    with pytest.raises(UserError, match=r"num_knots=2.*num_knots=4"):
        check_spec("m.ckpt", HP, {"robot": "g1", "num_knots": 4})
