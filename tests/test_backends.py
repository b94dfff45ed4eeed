"""Native MuJoCo and MJX rollouts of the same planner model agree on a short horizon."""

import numpy as np
import pytest

from g1mpc.planning.backends.native import NativeRollout
from g1mpc.robots.g1 import G1
from g1mpc.robots.models import PlannerModelConfig, load_planner_model

STEPS = 3
# Stated tolerance after 3 planner steps (0.06 s): pelvis position 5 mm, pelvis orientation 0.01,
# the 12 leg joints 0.01 rad (seen: 0.007). Waist pitch and the light wrist joints differ by up to ~0.1 rad:
# their servos saturate at the joints' actuator-force limits, and MJX keeps the implicit damping derivative
# of a clamped servo where MuJoCo drops it (see the last test), so they are not compared here.
LEGS = slice(7, 7 + 12)


@pytest.mark.slow
def test_native_and_mjx_agree_on_short_horizon(reference):
    jax = pytest.importorskip("jax")
    from g1mpc.planning.backends.mjx_backend import make_mjx_rollout

    model = load_planner_model(G1, PlannerModelConfig(timestep=0.02, contacts="feet"))
    rng = np.random.default_rng(0)
    qpos, qvel = reference.qpos[40], np.zeros(model.nv)
    controls = reference.ctrl[40][None, None] + rng.normal(0, 0.05, (2, STEPS, model.nu))
    q_native, v_native, s_native = NativeRollout(model, nthread=2)(0.0, qpos, qvel, controls)
    q_mjx, v_mjx, s_mjx = (np.asarray(x) for x in jax.jit(make_mjx_rollout(model))(0.0, qpos, qvel, controls))
    assert np.all(np.isfinite(q_mjx))
    np.testing.assert_allclose(q_mjx[..., :3], q_native[..., :3], atol=5e-3)
    np.testing.assert_allclose(q_mjx[..., 3:7], q_native[..., 3:7], atol=1e-2)
    np.testing.assert_allclose(q_mjx[..., LEGS], q_native[..., LEGS], atol=1e-2)


@pytest.mark.slow
def test_native_and_mjx_agree_on_a_step_that_lengthens(reference):
    """``--planner_far_dt``: both backends step the far model on from where the fine steps end."""
    jax = pytest.importorskip("jax")
    from g1mpc.planning.backends.mjx_backend import make_mjx_rollout
    from g1mpc.robots.models import far_planner_model

    config = PlannerModelConfig(timestep=0.02, contacts="feet", far_timestep=0.03, far_after=0.04)
    model = load_planner_model(G1, config)
    far = far_planner_model(model, config, G1)
    rng = np.random.default_rng(0)
    qpos, qvel = reference.qpos[40], np.zeros(model.nv)
    controls = reference.ctrl[40][None, None] + rng.normal(0, 0.05, (2, STEPS, model.nu))
    q_native = NativeRollout(model, 2, far, near_steps=2)(0.0, qpos, qvel, controls)[0]
    q_mjx = np.asarray(jax.jit(make_mjx_rollout(model, 1, far, near_steps=2))(0.0, qpos, qvel, controls)[0])
    assert not np.allclose(q_native, NativeRollout(model, 2)(0.0, qpos, qvel, controls)[0])  # the far step counts
    np.testing.assert_allclose(q_mjx[..., :3], q_native[..., :3], atol=5e-3)
    np.testing.assert_allclose(q_mjx[..., LEGS], q_native[..., LEGS], atol=1e-2)


def test_feet_contacts_keep_only_the_feet_and_change_nothing_while_standing(reference):
    """Foot-floor contacts (the MJX default): only foot geoms collide, and while the robot
    stands the rollouts equal those with every body-floor contact (the other bodies never reach the floor)."""
    import mujoco

    from g1mpc.common.errors import ConfigError

    feet = load_planner_model(G1, PlannerModelConfig(contacts="feet"))
    floor = load_planner_model(G1, PlannerModelConfig(contacts="floor"))
    every = load_planner_model(G1, PlannerModelConfig(contacts="all"))
    colliding = lambda m: {
        mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, m.geom_bodyid[g])
        for g in range(m.ngeom) if m.geom_contype[g] or m.geom_conaffinity[g]
    }
    assert colliding(feet) == {"world", "left_ankle_roll_link", "right_ankle_roll_link"}
    assert len(colliding(floor)) > 10
    assert colliding(every) == colliding(floor)  # the same geoms; "all" also keeps their self-contacts
    assert floor.geom_conaffinity[floor.geom_bodyid > 0].max() == 0 and every.geom_conaffinity[every.geom_bodyid > 0].max() == 1
    rng = np.random.default_rng(1)
    qpos, qvel = reference.qpos[40], np.zeros(feet.nv)
    controls = reference.ctrl[40][None, None] + rng.normal(0, 0.05, (4, 25, feet.nu))
    q_feet = NativeRollout(feet, nthread=2)(0.0, qpos, qvel, controls)[0]
    q_floor = NativeRollout(floor, nthread=2)(0.0, qpos, qvel, controls)[0]
    np.testing.assert_allclose(q_feet, q_floor, atol=1e-9)
    with pytest.raises(ConfigError, match="--planner_contacts"):
        PlannerModelConfig(contacts="hands")


def test_the_planner_model_can_drop_the_joints_friction_loss_and_the_plant_keeps_it(reference):
    """``frictionloss=0``: no joint friction in the planner model, so no friction rows in its constraint solver; the
    plant and the default planner model keep the scene's; a negative value is refused naming the flag."""
    import mujoco

    from g1mpc.common.errors import ConfigError
    from g1mpc.robots.models import load_plant_model

    plant = load_plant_model(G1)
    kept = load_planner_model(G1, PlannerModelConfig(timestep=0.02))
    dropped = load_planner_model(G1, PlannerModelConfig(timestep=0.02, frictionloss=0.0))
    assert plant.dof_frictionloss[6:].max() > 0
    np.testing.assert_array_equal(kept.dof_frictionloss, plant.dof_frictionloss)
    assert not dropped.dof_frictionloss.any()
    rows = []
    for model in (kept, dropped):
        data = mujoco.MjData(model)
        data.qpos[:] = reference.qpos[40]
        mujoco.mj_forward(model, data)
        rows.append(int((data.efc_type == mujoco.mjtConstraint.mjCNSTR_FRICTION_DOF).sum()))
    assert rows == [int((plant.dof_frictionloss > 0).sum()), 0]
    with pytest.raises(ConfigError, match="--planner_frictionloss"):
        PlannerModelConfig(frictionloss=-0.1)


def test_the_planner_model_can_collide_reduced_hulls_in_the_same_place_and_the_plant_keeps_its_meshes(reference):
    """``hull_vertices=N``: each colliding mesh of the planner model becomes at most N vertices of its own convex hull,
    at the same place on its body (every kept vertex lies on the plant's hull in the world); visual geoms, masses and
    the plant keep theirs; the standing pose touches the floor as before; a bad count is refused naming the flag."""
    import mujoco

    from g1mpc.common.errors import ConfigError
    from g1mpc.robots.models import hull_vertices_of, load_plant_model

    plant = load_plant_model(G1)
    reduced = load_planner_model(G1, PlannerModelConfig(timestep=0.02, hull_vertices=32))
    untouched = load_plant_model(G1)
    np.testing.assert_array_equal(plant.mesh_vert, untouched.mesh_vert)
    np.testing.assert_allclose(reduced.body_mass, plant.body_mass)
    np.testing.assert_allclose(reduced.body_inertia, plant.body_inertia)
    datas = [mujoco.MjData(m) for m in (plant, reduced)]
    for model, data in zip((plant, reduced), datas, strict=True):
        data.qpos[:] = reference.qpos[40]
        mujoco.mj_forward(model, data)
    world = lambda m, d, g: hull_vertices_of(m, int(m.geom_dataid[g])) @ d.geom_xmat[g].reshape(3, 3).T + d.geom_xpos[g]
    meshes = [g for g in range(plant.ngeom) if plant.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH]
    colliding = [g for g in meshes if plant.geom_contype[g] or plant.geom_conaffinity[g]]
    assert len(colliding) > 20
    for g in meshes:
        if g not in colliding:  # a visual geom: the mesh it had
            assert reduced.mesh(int(reduced.geom_dataid[g])).name == plant.mesh(int(plant.geom_dataid[g])).name
            continue
        kept, full = world(reduced, datas[1], g), world(plant, datas[0], g)
        assert 4 <= len(kept) <= 32 < len(full)
        assert np.linalg.norm(kept[:, None] - full[None], axis=2).min(axis=1).max() < 1e-6
    assert datas[0].ncon == datas[1].ncon > 0
    with pytest.raises(ConfigError, match="--planner_hull_vertices"):
        PlannerModelConfig(hull_vertices=3)


@pytest.mark.slow
def test_mjx_mismatch_comes_from_clamped_actuator_damping(reference):
    """Why the wrists and waist are not compared above: with the joints' actuator-force limits on,
    native MuJoCo's implicitfast drops the velocity derivative of clamped servo damping and MJX keeps it.
    Without the limits one MJX step matches native MuJoCo; with them it does not."""
    import copy

    import mujoco

    jax = pytest.importorskip("jax")
    from mujoco import mjx

    base = load_planner_model(G1, PlannerModelConfig(timestep=0.002, contacts="feet"))
    rng = np.random.default_rng(0)
    ctrl = reference.ctrl[40] + rng.normal(0, 0.05, base.nu)

    def qvel_gap(model):
        d = mujoco.MjData(model)
        d.qpos[:], d.ctrl[:] = reference.qpos[40], ctrl
        with jax.default_matmul_precision("highest"):  # as in make_mjx_rollout (GPUs default to TF32)
            dx = jax.jit(mjx.step)(mjx.put_model(model), mjx.put_data(model, d))
        mujoco.mj_step(model, d)
        return np.abs(np.asarray(dx.qvel) - d.qvel).max()

    unclamped = copy.deepcopy(base)
    unclamped.jnt_actfrclimited[:] = 0
    assert qvel_gap(unclamped) < 1e-3
    assert qvel_gap(base) > 1e-2
