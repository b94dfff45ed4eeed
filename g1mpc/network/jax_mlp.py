"""The knot-predicting MLP evaluated in JAX (weights converted from the PyTorch checkpoint).

Architecture (shared with :mod:`g1mpc.network.torch_mlp`): normalise input ->
[Linear -> LayerNorm -> SiLU] x len(hidden) -> Linear -> de-normalise output.

A plan-conditioned network also takes the previous plan shifted one replan period on (the planner's warm
start, (K, nu)): its input is the features followed by that plan, and it predicts the change to it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

LAYER_NORM_EPS = 1e-5


def takes_plan(params: dict, feature_size: int) -> bool:
    """Whether the network is plan-conditioned (its input is wider than the features)."""
    return int(np.shape(params["in_mean"])[-1]) != feature_size


def mlp_apply(params: dict, features: jnp.ndarray, warm_start: jnp.ndarray, num_knots: int, nu: int) -> jnp.ndarray:
    """features (F,) and the shifted previous plan (K, nu) -> knot residuals (K, nu).

    A state-only network ignores ``warm_start``; a plan-conditioned one returns ``warm_start`` plus its output.
    """
    conditioned = takes_plan(params, features.shape[-1])
    x = jnp.concatenate([features, warm_start.reshape(-1)]) if conditioned else features
    x = (x - params["in_mean"]) / params["in_std"]
    for layer in params["hidden"]:
        x = x @ layer["w"] + layer["b"]
        mu = jnp.mean(x, axis=-1, keepdims=True)
        var = jnp.mean((x - mu) ** 2, axis=-1, keepdims=True)
        x = (x - mu) / jnp.sqrt(var + LAYER_NORM_EPS) * layer["ln_scale"] + layer["ln_bias"]
        x = jax.nn.silu(x)
    y = x @ params["out"]["w"] + params["out"]["b"]
    y = y * params["out_std"] + params["out_mean"]
    if conditioned:
        y = y + warm_start.reshape(-1)
    return y.reshape(num_knots, nu)


def flatten_params(params: dict) -> dict[str, np.ndarray]:
    """Params pytree -> flat ``{"hidden.0.w": array, ...}`` for an ``.npz`` (no pickling)."""
    flat = {k: np.asarray(params[k]) for k in ("in_mean", "in_std", "out_mean", "out_std")}
    flat.update({f"out.{k}": np.asarray(v) for k, v in params["out"].items()})
    for i, layer in enumerate(params["hidden"]):
        flat.update({f"hidden.{i}.{k}": np.asarray(v) for k, v in layer.items()})
    return flat


def unflatten_params(flat: dict[str, np.ndarray]) -> dict:
    """Inverse of :func:`flatten_params`."""
    n_hidden = len({k.split(".")[1] for k in flat if k.startswith("hidden.")})
    return {
        **{k: flat[k] for k in ("in_mean", "in_std", "out_mean", "out_std")},
        "out": {k: flat[f"out.{k}"] for k in ("w", "b")},
        "hidden": [{k: flat[f"hidden.{i}.{k}"] for k in ("w", "b", "ln_scale", "ln_bias")} for i in range(n_hidden)],
    }
