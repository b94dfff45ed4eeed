"""`deploy`'s timing: how many states a command answers, and the intervals the estimator folds them in over."""

from types import SimpleNamespace

import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.lowlevel.deploy import STATE_BACKLOG, DeployConfig, check_command_every, state_intervals


def test_command_every_is_a_whole_share_of_a_plan_period():
    for every in (1, 2, 5, 10):
        check_command_every(every, 50.0, 0.002)  # 10 states per 20 ms plan period
    with pytest.raises(ConfigError, match=r"--command_every 3 does not divide the 10 states.*choose one of 1, 2, 5, 10"):
        check_command_every(3, 50.0, 0.002)
    with pytest.raises(ConfigError, match="--command_every"):
        DeployConfig(command_every=0)
    with pytest.raises(ConfigError, match="--command_every"):
        DeployConfig(command_every=STATE_BACKLOG + 1)  # more states than the reader keeps between two takes


def _stamped(*stamps_ns):
    return [SimpleNamespace(sample_info=None if ns is None else SimpleNamespace(source_timestamp=ns)) for ns in stamps_ns]


def test_states_are_folded_in_over_the_robots_clock_not_the_loops_wake_ups():
    ms = 1_000_000
    intervals, newest = state_intervals(_stamped(12 * ms, 14 * ms, 16 * ms), 10 * ms, wall_interval=0.005, longest=0.05)
    np.testing.assert_allclose(intervals, [0.002, 0.002, 0.002])
    assert newest == 16 * ms
    uneven, _ = state_intervals(_stamped(13 * ms, 14 * ms), 10 * ms, wall_interval=0.002, longest=0.05)
    np.testing.assert_allclose(uneven, [0.003, 0.001])  # each state over its own interval
    # no earlier stamp, a state without one, or an interval out of (0, longest]: the loop's share for every state
    assert state_intervals(_stamped(12 * ms), None, 0.004, 0.05) == ([0.004], 12 * ms)
    assert state_intervals(_stamped(12 * ms, None), 10 * ms, 0.003, 0.05) == ([0.003, 0.003], None)
    assert state_intervals(_stamped(9 * ms), 10 * ms, 0.002, 0.05)[0] == [0.002]  # a stamp older than the last
    assert state_intervals(_stamped(80 * ms), 10 * ms, 0.002, 0.05)[0] == [0.002]  # a gap longer than a stale state
