"""Sampling noise correlated across knots and actuators, from a correlation matrix measured beforehand.

A correlation file (``.npz`` with ``correlation``: (D, D), D = knots x actuators, unit diagonal) says which
knot values tend to move together when the planner corrects a plan; sampling along those directions spends
the few samples a slow machine affords where corrections happen. ``shrinkage`` blends it with independence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from g1mpc.common.errors import ConfigError


def correlation_factor(correlation: np.ndarray, shrinkage: float) -> np.ndarray:
    """Lower-triangular L (D, D) with L L^T = (1 - shrinkage) C + shrinkage I: its rows have unit norm, so
    noise ``L z`` keeps each value's spread and takes on the correlation."""
    if not 0.0 <= shrinkage <= 1.0:
        raise ConfigError(f"noise_shrinkage must be in [0, 1], got {shrinkage}")
    c = np.asarray(correlation, np.float64)
    blended = (1.0 - shrinkage) * c + shrinkage * np.eye(len(c))
    try:
        return np.linalg.cholesky(blended + 1e-6 * np.eye(len(c))).astype(np.float32)
    except np.linalg.LinAlgError:
        raise ConfigError("noise_correlation: the matrix is not positive definite; raise noise_shrinkage") from None


def load_noise_factor(path: str | Path, num_knots: int, nu: int, shrinkage: float) -> np.ndarray:
    """The factor of ``path``'s correlation for plans of ``num_knots`` x ``nu`` knot values, checked."""
    try:
        with np.load(path) as data:
            correlation = data["correlation"]
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"noise_correlation: cannot read a 'correlation' array from '{path}' ({exc})") from None
    d = num_knots * nu
    if correlation.shape != (d, d) or not np.allclose(np.diag(correlation), 1.0, atol=1e-3):
        raise ConfigError(f"noise_correlation: '{path}' holds a {correlation.shape} matrix; this run needs a "
                          f"({d}, {d}) correlation ({num_knots} knots x {nu} actuators, unit diagonal)")
    return correlation_factor(correlation, shrinkage)
