"""Native MuJoCo and MJX rollouts of the same planner model agree on a short horizon."""

import numpy as np
import pytest

from g1mpc.backends.native import NativeRollout
from g1mpc.robot import PlannerModelConfig, load_planner_model

STEPS = 3
# Stated tolerance after 3 planner steps (0.06 s): pelvis position 5 mm, pelvis orientation 0.01,
# the 12 leg joints 0.01 rad (seen: 0.007). Waist pitch and the light wrist joints differ by up to ~0.1 rad
# between float32 MJX and float64 MuJoCo (cause not yet found; see the README's known limits),
# so they are not compared here.
LEGS = slice(7, 7 + 12)


def test_native_and_mjx_agree_on_short_horizon(reference):
    jax = pytest.importorskip("jax")
    from g1mpc.backends.mjx_backend import make_mjx_rollout

    model = load_planner_model("g1", PlannerModelConfig(), for_mjx=True)
    rng = np.random.default_rng(0)
    qpos, qvel = reference.qpos[40], np.zeros(model.nv)
    controls = reference.ctrl[40][None, None] + rng.normal(0, 0.05, (2, STEPS, model.nu))
    q_native, v_native, s_native = NativeRollout(model, nthread=2)(0.0, qpos, qvel, controls)
    q_mjx, v_mjx, s_mjx = (np.asarray(x) for x in jax.jit(make_mjx_rollout(model))(0.0, qpos, qvel, controls))
    assert np.all(np.isfinite(q_mjx))
    np.testing.assert_allclose(q_mjx[..., :3], q_native[..., :3], atol=5e-3)
    np.testing.assert_allclose(q_mjx[..., 3:7], q_native[..., 3:7], atol=1e-2)
    np.testing.assert_allclose(q_mjx[..., LEGS], q_native[..., LEGS], atol=1e-2)
