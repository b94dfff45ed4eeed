"""The fall-rate interval the benchmarks print beside each falls count."""

import pytest

from g1mpc.running.evaluate import fall_rate_interval


def test_wilson_interval_of_known_counts():
    low, high = fall_rate_interval(7, 20)  # worked by hand: centre 0.3742, half-width 0.1930
    assert low == pytest.approx(0.1812, abs=1e-3) and high == pytest.approx(0.5671, abs=1e-3)
    low, high = fall_rate_interval(0, 20)  # no falls still leaves up to 16 % possible
    assert low == 0.0 and high == pytest.approx(0.1611, abs=1e-3)
    assert fall_rate_interval(10, 10)[1] == 1.0
    # ten runs cannot tell 1 fall from 4 apart: the intervals overlap
    assert fall_rate_interval(1, 10)[1] > fall_rate_interval(4, 10)[0]
    # ten times the runs at the same rate: about a third of the width (1 / sqrt(10))
    width = lambda k, n: fall_rate_interval(k, n)[1] - fall_rate_interval(k, n)[0]
    assert 0.3 < width(70, 200) / width(7, 20) < 0.4


def test_counts_out_of_range_are_refused():
    with pytest.raises(ValueError, match="fallen"):
        fall_rate_interval(3, 2)
    with pytest.raises(ValueError, match="runs"):
        fall_rate_interval(0, 0)
