"""Spline interpolation of control knots, as linear maps.

Knot values ``y`` (K x nu) at times ``knot_times`` are interpolated at query
times by a weight matrix ``W`` (Q x K): ``u(t_q) = W[q] @ y``. Every spline kind
is linear in the knot values, so one weight function serves sampling,
time-shift warm starts and the plant's per-step controls alike.

- ``zero``: zero-order hold (the value of the last knot at or before ``t``).
- ``linear``: piecewise linear.
- ``cubic``: cubic Hermite with finite-difference slopes (central inside,
  second-order one-sided at the ends), so it reproduces quadratics exactly.
Queries outside the knot span are clamped to the end knots' values.
"""

from __future__ import annotations

from typing import Literal, get_args

import jax.numpy as jnp

SplineKind = Literal["zero", "linear", "cubic"]
SPLINE_KINDS = get_args(SplineKind)


def min_knots(kind: str) -> int:
    return 1 if kind == "zero" else 2


def _slope_matrix(num_knots: int, spacing: float) -> jnp.ndarray:
    """S (K x K) with slopes m = S @ y for uniformly spaced knots."""
    k = num_knots
    eye = jnp.eye(k)
    if k == 2:
        row = (eye[1] - eye[0]) / spacing
        return jnp.stack([row, row])
    interior = (jnp.roll(eye, -1, axis=0) - jnp.roll(eye, 1, axis=0))[1:-1] / (2 * spacing)
    first = (-3 * eye[0] + 4 * eye[1] - eye[2]) / (2 * spacing)
    last = (3 * eye[-1] - 4 * eye[-2] + eye[-3]) / (2 * spacing)
    return jnp.concatenate([first[None], interior, last[None]], axis=0)


def spline_weights(kind: str, knot_times: jnp.ndarray, query_times: jnp.ndarray) -> jnp.ndarray:
    """Weights W (Q x K) such that values at ``query_times`` are ``W @ knots``.

    ``knot_times`` must be uniformly spaced and increasing.
    """
    if kind not in SPLINE_KINDS:
        raise ValueError(f"unknown spline kind '{kind}'; choose one of {SPLINE_KINDS}")
    k = knot_times.shape[0]
    eye = jnp.eye(k)
    if k == 1:
        return jnp.ones((query_times.shape[0], 1))
    spacing = knot_times[1] - knot_times[0]
    t = jnp.clip(query_times, knot_times[0], knot_times[-1])
    s = (t - knot_times[0]) / spacing
    idx = jnp.clip(jnp.floor(s).astype(jnp.int32), 0, k - 2)
    if kind == "zero":
        idx0 = jnp.clip(jnp.floor(s + 1e-6).astype(jnp.int32), 0, k - 1)
        return eye[idx0]
    a = (s - idx)[:, None]
    if kind == "linear":
        return (1 - a) * eye[idx] + a * eye[idx + 1]
    slopes = _slope_matrix(k, spacing)
    h00 = 2 * a**3 - 3 * a**2 + 1
    h10 = a**3 - 2 * a**2 + a
    h01 = -2 * a**3 + 3 * a**2
    h11 = a**3 - a**2
    return h00 * eye[idx] + h10 * spacing * slopes[idx] + h01 * eye[idx + 1] + h11 * spacing * slopes[idx + 1]


def interpolate(weights: jnp.ndarray, knots: jnp.ndarray) -> jnp.ndarray:
    """Apply weights (Q x K) to knots (..., K, nu) -> (..., Q, nu)."""
    return jnp.einsum("qk,...ku->...qu", weights, knots)
