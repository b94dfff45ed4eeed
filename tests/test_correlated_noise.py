"""Sampling noise correlated across knots and actuators (g1mpc.planning.correlated_noise)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.planning.controller import ControllerConfig, make_planner
from g1mpc.planning.correlated_noise import correlation_factor, load_noise_factor
from g1mpc.planning.planners import CEM, PlannerState


def _correlation(d: int, seed: int = 0) -> np.ndarray:
    """A random correlation matrix with a few strong directions, as corrections have."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(d, 3))
    cov = basis @ basis.T + 0.2 * np.eye(d)
    s = np.sqrt(np.diag(cov))
    return cov / np.outer(s, s)


def test_factor_keeps_each_spread_and_blends_with_independence():
    c = _correlation(12)
    for shrinkage in (0.0, 0.5, 1.0):
        factor = correlation_factor(c, shrinkage)
        np.testing.assert_allclose(np.linalg.norm(factor, axis=1), 1.0, atol=1e-5)
        np.testing.assert_allclose(factor @ factor.T, (1 - shrinkage) * c + shrinkage * np.eye(12), atol=1e-4)


def test_samples_take_on_the_correlation_and_keep_sigma():
    k, nu = 3, 4
    c = _correlation(k * nu, seed=1)
    cem = CEM(num_samples=20001, sigma_start=1.0, explore_fraction=0.0, anchor_fraction=0.5, num_elites=10,
              sigma_min=0.01, noise_factor=correlation_factor(c, 0.0))
    state = PlannerState(jnp.full((k, nu), 1.5), jnp.full((k, nu), 0.3))
    knots = np.asarray(cem.sample(state, jax.random.PRNGKey(0)))
    np.testing.assert_allclose(knots[0], 1.5)
    noise = (knots[1:] - 1.5).reshape(20000, -1)
    np.testing.assert_allclose(noise.std(axis=0), 0.3, rtol=0.05)
    np.testing.assert_allclose(np.corrcoef(noise, rowvar=False), c, atol=0.05)


def test_a_correlation_that_does_not_fit_the_plan_is_refused_with_the_flag(tmp_path):
    path = tmp_path / "corr.npz"
    np.savez(path, correlation=_correlation(8))
    with pytest.raises(ConfigError, match=r"noise_correlation: .*\(12, 12\)"):
        load_noise_factor(path, 3, 4, 0.0)
    with pytest.raises(ConfigError, match="noise_correlation: cannot read"):
        load_noise_factor(tmp_path / "missing.npz", 2, 4, 0.0)
    with pytest.raises(ConfigError, match="noise_shrinkage"):
        ControllerConfig(noise_shrinkage=1.5)
    planner = make_planner(ControllerConfig(noise_correlation=str(path), noise_shrinkage=0.25), (1.0,) * 4, 2)
    assert planner.noise_factor.shape == (8, 8)


def test_a_precompiled_build_keys_on_the_correlation_file_it_bakes_in(tmp_path):
    from g1mpc.precompiled.manifest import build_key, expected_manifest
    from g1mpc.running.config import RunConfig

    checkpoint = tmp_path / "net.ckpt"
    checkpoint.write_bytes(b"weights")
    path = tmp_path / "corr.npz"
    np.savez(path, correlation=np.eye(4 * 29))

    def manifest(noise_correlation: str) -> dict:
        return expected_manifest(RunConfig(controller=ControllerConfig(mode="hybrid", noise_correlation=noise_correlation)),
                                 checkpoint)

    independent, first = manifest(""), manifest(str(path))
    assert independent["noise_correlation_sha256"] == "independent"
    np.savez(path, correlation=_correlation(4 * 29))  # same path, other matrix: another build
    second = manifest(str(path))
    assert len({build_key(independent), build_key(first), build_key(second)}) == 3
    with pytest.raises(ConfigError, match=r"noise_correlation: cannot read .*missing\.npz"):
        manifest(str(tmp_path / "missing.npz"))


def test_shipped_resolves_to_the_robots_file_and_is_refused_for_a_robot_without_one():
    from g1mpc.cli import noise_correlation_path
    from g1mpc.common.errors import UserError

    path = noise_correlation_path("shipped", "g1")
    assert load_noise_factor(path, 4, 29, 0.5).shape == (116, 116)
    assert noise_correlation_path("my.npz", "t1") == "my.npz"
    with pytest.raises(UserError, match="--noise_correlation shipped: no correlation is shipped for robot 't1'"):
        noise_correlation_path("shipped", "t1")
