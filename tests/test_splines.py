import jax.numpy as jnp
import numpy as np
import pytest

from g1mpc.planning.splines import interpolate, spline_weights

KNOT_TIMES = jnp.linspace(0.0, 0.6, 4)  # spacing 0.2


def _values(kind, f, queries):
    knots = jnp.asarray(f(np.asarray(KNOT_TIMES)))[:, None]
    return np.asarray(interpolate(spline_weights(kind, KNOT_TIMES, jnp.asarray(queries)), knots))[:, 0]


def test_zero_order_hold_takes_last_knot():
    q = np.array([0.0, 0.1, 0.19, 0.2, 0.45, 0.6])
    np.testing.assert_allclose(_values("zero", lambda t: t * 10, q), [0, 0, 0, 2, 4, 6], atol=1e-5)


def test_linear_is_exact_on_linear_functions():
    q = np.linspace(0, 0.6, 31)
    np.testing.assert_allclose(_values("linear", lambda t: 3 * t - 1, q), 3 * q - 1, atol=1e-5)


@pytest.mark.parametrize("f", [lambda t: 2 * t + 1, lambda t: 5 * t**2 - t + 0.3])
def test_cubic_reproduces_quadratics_exactly(f):
    q = np.linspace(0, 0.6, 37)
    np.testing.assert_allclose(_values("cubic", f, q), f(q), atol=1e-5)


@pytest.mark.parametrize("kind", ["zero", "linear", "cubic"])
def test_all_kinds_pass_through_knots_and_clamp_outside(kind):
    vals = np.array([0.3, -1.0, 2.0, 0.5])
    w = spline_weights(kind, KNOT_TIMES, jnp.concatenate([KNOT_TIMES, jnp.array([-1.0, 5.0])]))
    out = np.asarray(w @ jnp.asarray(vals))
    np.testing.assert_allclose(out[:4], vals, atol=1e-5)
    np.testing.assert_allclose(out[4:], [vals[0], vals[-1]], atol=1e-5)


def test_cubic_with_two_knots_is_linear():
    kt = jnp.array([0.0, 1.0])
    q = jnp.linspace(0, 1, 11)
    np.testing.assert_allclose(np.asarray(spline_weights("cubic", kt, q) @ jnp.array([1.0, 3.0])), 1 + 2 * np.asarray(q), atol=1e-5)


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown spline"):
        spline_weights("quintic", KNOT_TIMES, KNOT_TIMES)
