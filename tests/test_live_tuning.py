"""Cost weights and sampling noise are inputs of the compiled stages: a change acts on the next plan, with
no recompilation, and the configured values reproduce the untuned plans exactly."""

import numpy as np


def _plan(assembly, tune=None):
    """(servo targets (P, nu), sample costs (N,)) of one replan from a state off the reference."""
    controller = assembly.controller()
    if tune is not None:
        controller.tune(**tune)
    qpos = assembly.reference.qpos[0].copy()
    qpos[0] += 0.02  # off the reference, so the cost terms pull
    plan, _ = controller.replan(0.0, qpos, np.zeros(assembly.plant.nv))
    return plan.controls, np.asarray(controller.last_costs)


def test_weights_and_noise_change_the_next_plan_without_recompiling(small_assembly):
    names = list(small_assembly.config.task.weight_values())
    untuned, costs = _plan(small_assembly)
    compiled = {name: fn._cache_size() for name, fn in small_assembly.stages._asdict().items() if fn is not None}
    ones, ones_costs = _plan(small_assembly, {"cost_scale": np.ones(len(names)), "noise_scale": 1.0})
    np.testing.assert_array_equal(ones, untuned)  # the configured values: exactly the untuned plan
    np.testing.assert_array_equal(ones_costs, costs)
    doubled = np.full(len(names), 2.0)
    doubled[names.index("terminal")] = 1.0  # every term twice as heavy, the last step's multiplier as it was
    _, doubled_costs = _plan(small_assembly, {"cost_scale": doubled})
    np.testing.assert_allclose(doubled_costs, 2 * costs, rtol=1e-5)  # the same samples, every cost doubled
    only_height = np.zeros(len(names))
    only_height[names.index("base_height")] = only_height[names.index("terminal")] = 1.0
    _, height_costs = _plan(small_assembly, {"cost_scale": only_height})
    assert list(np.argsort(height_costs)) != list(np.argsort(costs))  # the same samples ranked otherwise
    quieter, _ = _plan(small_assembly, {"noise_scale": 0.2})
    assert np.max(np.abs(quieter - untuned)) > 1e-4  # other samples, another plan
    after = {name: fn._cache_size() for name, fn in small_assembly.stages._asdict().items() if fn is not None}
    assert after == compiled  # no stage compiled again


def test_tuning_keeps_the_clip_and_checks_its_length(small_assembly):
    import pytest

    from g1mpc.planning.pipeline import run_arrays, tuned

    arrays = small_assembly.arrays
    changed = tuned(arrays, noise_scale=0.5)
    assert changed.ref_qpos is arrays.ref_qpos and float(changed.noise_scale) == 0.5
    with pytest.raises(ValueError, match="cost_scale must have"):
        run_arrays(small_assembly.reference, small_assembly.plant, 3, cost_scale=np.ones(2))
