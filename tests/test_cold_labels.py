"""``collect --cold_labels``: a label depends on the state it was taken in, not on the plan the expert carried."""

import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.learning.collect import CollectConfig, _Recorder
from g1mpc.running.sim import SimConfig


def _second_label(assembly, cold: bool, carried_offset: float) -> tuple[np.ndarray, np.ndarray]:
    """The expert's knots (K, nu) of the second cycle, and the plan it started from, at one fixed state;
    ``carried_offset`` is added to the plan the expert carries out of the first cycle."""
    expert = assembly.controller()
    recorder = _Recorder(expert, assembly, cold=cold)
    recorder.reset(assembly.reference.ctrl[0])
    sim = assembly.simulation(SimConfig(duration=1.0, realtime=False, print_every=0.0))
    sim.reset(0.0)
    qpos, qvel = sim.data.qpos.copy(), sim.data.qvel.copy()
    recorder.plan(0.0, qpos, qvel)
    expert.mean = expert.mean + np.float32(carried_offset)
    expert.sigma = expert.sigma * np.float32(1 + 10 * carried_offset)
    recorder.plan(0.02, qpos, qvel)
    return recorder.knots[1], recorder.warm_starts[1]


def test_cold_labels_forget_the_carried_plan(small_assembly):
    plain, _ = _second_label(small_assembly, cold=True, carried_offset=0.0)
    disturbed, start = _second_label(small_assembly, cold=True, carried_offset=0.2)
    np.testing.assert_allclose(disturbed, plain, atol=1e-6)
    assert np.abs(plain - start).max() > 1e-3  # the update still moved the plan
    # without --cold_labels the same disturbance changes the label: the check above can fail
    warm_plain, _ = _second_label(small_assembly, cold=False, carried_offset=0.0)
    warm_disturbed, _ = _second_label(small_assembly, cold=False, carried_offset=0.2)
    assert np.abs(warm_disturbed - warm_plain).max() > 1e-2


def test_cold_labels_exclude_the_driver_plan():
    with pytest.raises(ConfigError, match="--cold_labels and --label_from_driver_plan"):
        CollectConfig(cold_labels=True, label_from_driver_plan=True, dagger_checkpoint="x.ckpt")
