"""The knot-predicting MLP in PyTorch, its checkpoints, and conversion to JAX parameters.

A checkpoint is a plain dict saved with ``torch.save``: ``state_dict`` (tensors)
and ``hyper_parameters`` (sizes, normalisation, and the task spec it was trained
for). It loads with ``torch.load(weights_only=True)``: nothing in it can run code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from g1mpc.common.atomic import atomic_write
from g1mpc.common.errors import UserError, require_checkpoint_file

CHECKPOINT_FORMAT = 1
# Fields of the task spec a checkpoint must match to be used by a run.
SPEC_FIELDS = ("robot", "nq", "nv", "nu", "num_knots", "plan_horizon", "spline", "feature_size")


class KnotMLP(nn.Module):
    """normalise -> [Linear -> LayerNorm -> SiLU] x n -> Linear -> de-normalise.

    ``plan_input``: the input ends with the warm-started previous plan (K * nu values) and the output is that
    plan plus the network's change to it (see :func:`g1mpc.network.jax_mlp.mlp_apply`).
    """

    def __init__(self, in_dim: int, out_dim: int, hidden: list[int], plan_input: bool = False):
        super().__init__()
        if plan_input and in_dim <= out_dim:
            raise ValueError(f"a plan-conditioned network's input ({in_dim}) must hold features and the plan ({out_dim})")
        self.plan_input = plan_input
        self.register_buffer("in_mean", torch.zeros(in_dim))
        self.register_buffer("in_std", torch.ones(in_dim))
        self.register_buffer("out_mean", torch.zeros(out_dim))
        self.register_buffer("out_std", torch.ones(out_dim))
        layers: list[nn.Module] = []
        prev = in_dim
        for width in hidden:
            layers += [nn.Linear(prev, width), nn.LayerNorm(width), nn.SiLU()]
            prev = width
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(prev, out_dim)

    def normalized(self, x: torch.Tensor) -> torch.Tensor:
        """Output in normalised units (what the loss is computed on)."""
        return self.head(self.body((x - self.in_mean) / self.in_std))

    def base(self, x: torch.Tensor) -> torch.Tensor:
        """What the de-normalised output is added to: the input plan, or zero."""
        return x[..., -self.head.out_features:] if self.plan_input else torch.zeros_like(x[..., :self.head.out_features])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.normalized(x) * self.out_std + self.out_mean + self.base(x)


def build_model(hyper_parameters: dict) -> KnotMLP:
    hp = hyper_parameters
    return KnotMLP(hp["in_dim"], hp["out_dim"], list(hp["hidden"]), bool(hp.get("plan_input", False)))


def save_checkpoint(path: str | Path, model: KnotMLP, hyper_parameters: dict, extra: dict | None = None) -> None:
    """Atomic write (temp file + rename) of a plain-dict checkpoint."""
    payload = {
        "format": CHECKPOINT_FORMAT,
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "hyper_parameters": hyper_parameters,
        **(extra or {}),
    }
    with atomic_write(path) as f:
        torch.save(payload, f)


def load_checkpoint(path: str | Path, flag: str = "--model_path") -> tuple[KnotMLP, dict]:
    """Load a checkpoint safely; one clear error (naming ``flag``) for missing, corrupt or foreign files."""
    path = Path(path)
    require_checkpoint_file(path, flag)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise UserError(
            f"{flag}: '{path}' is not a readable checkpoint ({type(exc).__name__}); it may be truncated — retrain or re-copy it"
        ) from None
    if not isinstance(payload, dict) or "state_dict" not in payload or "hyper_parameters" not in payload:
        raise UserError(f"{flag}: '{path}' lacks 'state_dict'/'hyper_parameters'; it was not written by g1mpc train")
    hp = payload["hyper_parameters"]
    try:
        model = build_model(hp)
        model.load_state_dict(payload["state_dict"])
    except Exception as exc:
        raise UserError(f"{flag}: '{path}' weights do not match its hyper_parameters: {str(exc).splitlines()[0]}") from None
    model.eval()
    return model, hp


def check_spec(path: str | Path, hyper_parameters: dict, expected: dict, flag: str = "--model_path") -> None:
    """Compare the checkpoint's task spec with the run's; name the first field that differs."""
    spec = hyper_parameters.get("task_spec", {})
    for key in SPEC_FIELDS:
        if key in expected and spec.get(key) != expected[key]:
            raise UserError(
                f"{flag}: '{path}' was trained for {key}={spec.get(key)!r} but this run uses "
                f"{key}={expected[key]!r}; pass matching flags or train a checkpoint for this setting"
            )


def to_jax_params(model: KnotMLP) -> dict:
    """The same weights as a pytree for :func:`g1mpc.network.jax_mlp.mlp_apply`."""
    import jax.numpy as jnp

    arr = lambda t: jnp.asarray(t.detach().cpu().numpy().astype(np.float32))
    hidden = []
    mods = list(model.body)
    for i in range(0, len(mods), 3):
        lin, ln = mods[i], mods[i + 1]
        hidden.append({"w": arr(lin.weight.T), "b": arr(lin.bias), "ln_scale": arr(ln.weight), "ln_bias": arr(ln.bias)})
    return {
        "in_mean": arr(model.in_mean), "in_std": arr(model.in_std),
        "hidden": hidden,
        "out": {"w": arr(model.head.weight.T), "b": arr(model.head.bias)},
        "out_mean": arr(model.out_mean), "out_std": arr(model.out_std),
    }


def load_network(path: str | Path, expected_spec: dict) -> dict:
    """Checkpoint -> JAX parameters, after checking it was trained for ``expected_spec`` (see
    :meth:`g1mpc.running.assembly.Assembly.network_spec`)."""
    model, hyper = load_checkpoint(path)
    check_spec(path, hyper, expected_spec)
    plan_size = expected_spec["num_knots"] * expected_spec["nu"] if model.plan_input else 0
    if "feature_size" in expected_spec and hyper["in_dim"] != expected_spec["feature_size"] + plan_size:
        raise UserError(f"--model_path: '{path}' takes {hyper['in_dim']} inputs but this run gives "
                        f"{expected_spec['feature_size'] + plan_size}; train a checkpoint for this setting")
    return to_jax_params(model)
