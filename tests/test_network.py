import numpy as np
import pytest
import torch

from g1mpc.common.errors import UserError
from g1mpc.network.jax_mlp import mlp_apply
from g1mpc.network.torch_mlp import KnotMLP, check_spec, load_checkpoint, save_checkpoint, to_jax_params

HP = {"in_dim": 12, "out_dim": 2 * 3, "hidden": [16, 8], "task_spec": {"robot": "g1", "num_knots": 2, "nu": 3}}


def _model(in_dim: int = 12, plan_input: bool = False):
    torch.manual_seed(0)
    m = KnotMLP(in_dim, 6, [16, 8], plan_input)
    m.in_mean.copy_(torch.randn(in_dim))
    m.in_std.copy_(torch.rand(in_dim) + 0.5)
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
    unused_plan = np.full((2, 3), 7.0, np.float32)  # a state-only network ignores the warm start
    got = np.stack([np.asarray(mlp_apply(params, xi.numpy(), unused_plan, 2, 3)).reshape(-1) for xi in x])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_plan_conditioned_network_reads_the_plan_and_predicts_its_change(tmp_path):
    """Input: 12 features then the (2, 3) warm-started plan; output: the plan plus the layers' change."""
    model = _model(in_dim=18, plan_input=True)
    path = tmp_path / "plan.ckpt"
    save_checkpoint(path, model, {**HP, "in_dim": 18, "plan_input": True})
    loaded, _ = load_checkpoint(path)
    assert loaded.plan_input
    params = to_jax_params(loaded)
    features, plan = torch.randn(12), torch.randn(2, 3)
    x = torch.cat([features, plan.reshape(-1)])
    with torch.no_grad():
        expected = model(x[None])[0].numpy()
        change = (model.normalized(x[None])[0] * model.out_std + model.out_mean).numpy()
    np.testing.assert_allclose(expected, plan.reshape(-1).numpy() + change, atol=1e-6)
    got = np.asarray(mlp_apply(params, features.numpy(), plan.numpy(), 2, 3)).reshape(-1)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    moved = np.asarray(mlp_apply(params, features.numpy(), plan.numpy() + 1.0, 2, 3)).reshape(-1)
    assert not np.allclose(moved, got)  # the plan is an input, not only an offset: the change depends on it too
    assert not np.allclose(moved - got, 1.0)


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
