import jax
import jax.numpy as jnp
import numpy as np

from g1mpc.planning.planners import CEM, MPPI, PlannerState, PredictiveSampling

# Planners hold no defaults (ControllerConfig does): these are the settings a test does not vary.
_COMMON = {"sigma_start": 0.1, "explore_fraction": 0.0, "anchor_fraction": 0.5}


def _cem(**kw):
    return CEM(**{**_COMMON, "sigma_min": 0.02, **kw})


def _state(k=3, nu=2, mean=0.0, sigma=0.5):
    return PlannerState(jnp.full((k, nu), mean), jnp.full((k, nu), sigma))


def test_first_sample_is_the_mean_and_spread_follows_sigma():
    cem = _cem(num_samples=4000, sigma_start=1.0, explore_fraction=0.0, num_elites=10, sigma_min=0.01)
    knots = cem.sample(_state(mean=2.0, sigma=0.1), jax.random.PRNGKey(0))
    assert knots.shape == (4000, 3, 2)
    np.testing.assert_allclose(knots[0], 2.0)
    assert abs(float(jnp.std(knots[1:])) - 0.1) < 0.01


def test_explore_fraction_uses_sigma_start():
    cem = _cem(num_samples=2001, sigma_start=1.0, explore_fraction=0.5, num_elites=10)
    knots = cem.sample(_state(sigma=0.01), jax.random.PRNGKey(1))
    assert abs(float(jnp.std(knots[1:1001])) - 1.0) < 0.05
    assert float(jnp.std(knots[1001:])) < 0.02


def test_cem_refits_to_elites_and_respects_sigma_min():
    cem = _cem(num_samples=6, num_elites=2, sigma_min=0.05)
    knots = jnp.arange(6.0)[:, None, None] * jnp.ones((6, 3, 2))
    costs = jnp.array([5.0, 0.1, 3.0, 0.2, 9.0, 7.0])  # elites: samples 1 and 3
    new = cem.update(_state(), knots, costs)
    np.testing.assert_allclose(new.mean, 2.0)
    np.testing.assert_allclose(new.sigma, 1.0)  # std of {1, 3}
    same = jnp.ones((6, 3, 2))
    np.testing.assert_allclose(cem.update(_state(), same, costs).sigma, 0.05)  # floor


def test_mppi_weights_low_costs_and_ps_takes_best():
    knots = jnp.stack([jnp.zeros((3, 2)), jnp.ones((3, 2))])
    costs = jnp.array([0.0, 10.0])
    mppi = MPPI(**_COMMON, num_samples=2, temperature=0.1).update(_state(), knots, costs)
    assert float(jnp.max(mppi.mean)) < 1e-3
    ps = PredictiveSampling(**_COMMON, num_samples=2).update(_state(), knots, jnp.array([3.0, 1.0]))
    np.testing.assert_allclose(ps.mean, 1.0)


def test_mppi_keeps_sigma_or_refits_it_to_the_weighted_spread_with_a_floor():
    knots = jnp.stack([jnp.zeros((3, 2)), jnp.full((3, 2), 2.0)])
    costs = jnp.array([1.0, 1.0])  # equal costs: equal weights, mean 1, weighted spread 1
    fixed = MPPI(**_COMMON, num_samples=2, temperature=0.1).update(_state(sigma=0.5), knots, costs)
    np.testing.assert_allclose(fixed.sigma, 0.5)
    refit = MPPI(**_COMMON, num_samples=2, temperature=0.1, sigma_min=0.05).update(_state(sigma=0.5), knots, costs)
    np.testing.assert_allclose(refit.mean, 1.0, atol=1e-6)
    np.testing.assert_allclose(refit.sigma, 1.0, atol=1e-5)
    one_wins = MPPI(**_COMMON, num_samples=2, temperature=0.1, sigma_min=0.05).update(
        _state(sigma=0.5), knots, jnp.array([0.0, 10.0]))
    np.testing.assert_allclose(one_wins.sigma, 0.05, atol=1e-6)  # all weight on one sample: the floor


def test_hybrid_anchor_is_a_candidate(small_assembly):
    from g1mpc.planning import pipeline as P

    a = small_assembly
    cem = _cem(num_samples=6, num_elites=2, sigma_start=0.1)
    mean, anchor = jnp.full((4, 29), 0.01), jnp.full((4, 29), -0.02)
    knots, controls, _ = P.propose(a.spec, cem, PlannerState(mean, jnp.full((4, 29), 0.1)), jax.random.PRNGKey(0), 0.0,
                                jnp.zeros(a.spec.nv), a.arrays, anchor)
    np.testing.assert_allclose(knots[0], mean)
    np.testing.assert_allclose(knots[1], anchor)
    assert controls.shape == (6, a.spec.horizon_steps, 29)


def test_hybrid_samples_are_a_mixture_around_mean_and_anchor():
    """Samples 1..round(anchor_fraction x (N - 1)) centre on the anchor (wide exploration among them), the rest on the mean."""
    cem = _cem(num_samples=2001, sigma_start=1.0, explore_fraction=0.1, anchor_fraction=0.8, num_elites=10)
    n_anchor = 1600  # round(0.8 x 2000)
    knots = cem.sample(_state(mean=5.0, sigma=0.01), jax.random.PRNGKey(2), anchor=jnp.full((3, 2), -5.0))
    np.testing.assert_allclose(knots[0], 5.0)
    np.testing.assert_allclose(knots[1], -5.0)  # the anchor itself
    around_anchor, around_mean = knots[2:n_anchor + 1], knots[n_anchor + 1:]
    assert abs(float(jnp.mean(around_anchor)) + 5.0) < 0.05
    assert abs(float(jnp.std(around_anchor[:199])) - 1.0) < 0.1  # the 200 exploration samples (one is the anchor)
    assert float(jnp.std(around_anchor[200:])) < 0.02
    assert around_mean.shape[0] == 400 and float(jnp.max(jnp.abs(around_mean - 5.0))) < 0.1
    # without an anchor nothing changes: every sample centres on the mean
    plain = cem.sample(_state(mean=5.0, sigma=0.01), jax.random.PRNGKey(2))
    assert abs(float(jnp.mean(plain)) - 5.0) < 0.05


def test_a_calm_anchor_share_rises_to_the_anchor_fraction_as_the_state_is_pushed():
    """With calm_anchor_fraction 0.5 and anchor_fraction 1.0, a calm state (pushed 0) centres half the samples on
    the anchor, a pushed one (1) all of them, half-way between three quarters; without it, pushed changes nothing."""
    cem = _cem(num_samples=1001, sigma_start=1.0, explore_fraction=0.0, anchor_fraction=1.0, calm_anchor_fraction=0.5,
               num_elites=10)
    state, anchor = _state(mean=5.0, sigma=0.01), jnp.full((3, 2), -5.0)
    for pushed, expected in ((0.0, 500), (0.5, 750), (1.0, 1000)):
        knots = cem.sample(state, jax.random.PRNGKey(3), anchor=anchor, pushed=pushed)
        around_anchor = int(jnp.sum(jnp.mean(knots[1:], axis=(1, 2)) < 0.0))
        assert around_anchor == expected, (pushed, around_anchor)
    fixed = _cem(num_samples=1001, sigma_start=1.0, explore_fraction=0.0, anchor_fraction=0.8, num_elites=10)
    for pushed in (0.0, 1.0):
        knots = fixed.sample(state, jax.random.PRNGKey(3), anchor=anchor, pushed=pushed)
        assert int(jnp.sum(jnp.mean(knots[1:], axis=(1, 2)) < 0.0)) == 800


def test_a_calm_temperature_follows_the_best_samples_while_calm_and_rises_to_the_temperature_when_pushed():
    """calm_temperature 0.01, temperature 0.5: at rest the update all but takes the best sample (cost 0); pushed,
    it averages the three as the plain temperature does; halfway, the temperature is the midpoint."""
    knots = jnp.arange(3.0)[:, None, None] * jnp.ones((3, 3, 2))
    costs = jnp.array([0.0, 1.0, 2.0])
    scheduled = MPPI(**_COMMON, num_samples=3, temperature=0.5, calm_temperature=0.01)
    plain = MPPI(**_COMMON, num_samples=3, temperature=0.5)
    calm = float(scheduled.update(_state(), knots, costs, pushed=0.0).mean[0, 0])
    pushed = float(scheduled.update(_state(), knots, costs, pushed=1.0).mean[0, 0])
    assert calm < 1e-3
    np.testing.assert_allclose(pushed, float(plain.update(_state(), knots, costs, pushed=0.0).mean[0, 0]), rtol=1e-6)
    w = np.exp([0.0, -1.0, -2.0])  # temperature 0.5 x cost spread 2: weights e^0, e^-1, e^-2 over samples 0, 1, 2
    np.testing.assert_allclose(pushed, float(w @ [0.0, 1.0, 2.0] / w.sum()), rtol=1e-5)
    np.testing.assert_allclose(float(scheduled.temperature_in(0.5)), 0.255, rtol=1e-6)
    np.testing.assert_allclose(float(plain.temperature_in(0.0)), 0.5)  # no calm temperature: the same in any state


def test_temperature_samples_scale_the_temperature_by_the_samples_rolled_out_so_the_average_keeps_as_many():
    """temperature 0.4 meant for 2 samples: with 4 rolled out (and 4 not, cost +inf) the update weighs them as a
    temperature of 0.2 does; with 2 of 8 rolled out, as 0.4 does; never hotter than 0.4 with fewer samples."""
    knots = jnp.arange(8.0)[:, None, None] * jnp.ones((8, 3, 2))
    four = jnp.array([0.0, 1.0, 2.0, 3.0] + [jnp.inf] * 4)
    two = jnp.array([0.0, 3.0] + [jnp.inf] * 6)
    scaled = MPPI(**_COMMON, num_samples=8, temperature=0.4, temperature_samples=2)
    np.testing.assert_allclose(scaled.update(_state(), knots, four).mean,
                               MPPI(**_COMMON, num_samples=8, temperature=0.2).update(_state(), knots, four).mean, rtol=1e-6)
    np.testing.assert_allclose(scaled.update(_state(), knots, two).mean,
                               MPPI(**_COMMON, num_samples=8, temperature=0.4).update(_state(), knots, two).mean, rtol=1e-6)
    w = np.exp(-np.arange(4.0) / (0.2 * 3.0))  # temperature 0.2 x cost spread 3
    np.testing.assert_allclose(float(scaled.update(_state(), knots, four).mean[0, 0]), float(w @ np.arange(4.0) / w.sum()),
                               rtol=1e-5)
    np.testing.assert_allclose(float(scaled.temperature_in(1.0, 1)), 0.4)
    with_calm = MPPI(**_COMMON, num_samples=8, temperature=0.4, calm_temperature=0.2, temperature_samples=2)
    np.testing.assert_allclose(float(with_calm.temperature_in(0.0, 4)), 0.1)  # both temperatures scale


def test_antithetic_samples_come_in_mirrored_pairs_around_their_centre_for_any_even_active_count():
    """With an anchor: sample 0 the mean, 1 the anchor, then (2, 3), (4, 5), ... mirror each other about the anchor,
    also when only the first ``active`` samples are rolled out; off, the same key gives independent noise."""
    mppi = MPPI(**{**_COMMON, "anchor_fraction": 1.0}, num_samples=8, temperature=0.1, antithetic=True)
    state, anchor = _state(mean=5.0, sigma=0.3), jnp.full((3, 2), -1.0)
    for active in (8, 6, 4):
        knots = np.asarray(mppi.sample(state, jax.random.PRNGKey(4), anchor=anchor, active=active))
        np.testing.assert_allclose(knots[0], 5.0)
        np.testing.assert_allclose(knots[1], -1.0)
        for first in range(2, active, 2):
            np.testing.assert_allclose(knots[first] + knots[first + 1], -2.0, atol=1e-6)
            assert float(np.max(np.abs(knots[first] + 1.0))) > 0.01  # a real perturbation, not the anchor again
    plain = np.asarray(MPPI(**{**_COMMON, "anchor_fraction": 1.0}, num_samples=8, temperature=0.1).sample(
        state, jax.random.PRNGKey(4), anchor=anchor))
    assert not np.allclose(plain[2] + plain[3], -2.0, atol=1e-3)


def test_a_mirrored_pair_cancels_in_mppis_mean_under_a_symmetric_cost_and_follows_the_slope_otherwise():
    """Two mirrored samples of equal cost average back to their centre; where one costs less, the mean moves its way."""
    mppi = MPPI(**_COMMON, num_samples=3, temperature=0.1, antithetic=True)
    centre = jnp.zeros((3, 2))
    knots = jnp.stack([centre, centre + 0.2, centre - 0.2])
    even = mppi.update(_state(), knots, jnp.asarray([1.0, 0.5, 0.5]))
    np.testing.assert_allclose(even.mean, 0.0, atol=1e-6)
    slope = mppi.update(_state(), knots, jnp.asarray([1.0, 0.2, 0.8]))
    assert float(jnp.min(slope.mean)) > 0.1
