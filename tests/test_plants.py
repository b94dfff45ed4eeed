"""Plants other than the planner's model: the as-built G1 and its parts, perturbations, a sensor delay, and
the gains a G1 runs. Real MuJoCo models compiled from the shipped scene."""

import json
import subprocess
import sys

import mujoco
import numpy as np
import pytest

from g1mpc.common.errors import ConfigError
from g1mpc.planning.controller import ControllerConfig
from g1mpc.registry import get_robot
from g1mpc.robots.g1 import G1
from g1mpc.robots.g1_build import MOTOR_GAINS
from g1mpc.robots.models import keyframe_pose, load_plant_model
from g1mpc.robots.perturbation import Perturbation, PerturbationRanges, perturb_model
from g1mpc.running.assembly import assemble
from g1mpc.running.config import RunConfig
from g1mpc.running.sim import RunResult, SimConfig
from tests.helpers import ROOT


def _names(model: mujoco.MjModel, kind: mujoco.mjtObj, count: int) -> list[str]:
    return [mujoco.mj_id2name(model, kind, i) for i in range(count)]


@pytest.fixture(scope="module")
def nominal():
    return load_plant_model(G1)


@pytest.fixture(scope="module")
def as_built():
    return load_plant_model(G1, "as_built")


def test_as_built_g1_has_the_planners_layout(nominal, as_built):
    o = mujoco.mjtObj
    assert (as_built.nq, as_built.nv, as_built.nu, as_built.nsensordata) == (nominal.nq, nominal.nv, nominal.nu, nominal.nsensordata)
    for kind, count in ((o.mjOBJ_JOINT, "njnt"), (o.mjOBJ_ACTUATOR, "nu"), (o.mjOBJ_SENSOR, "nsensor"), (o.mjOBJ_BODY, "nbody"),
                        (o.mjOBJ_SITE, "nsite"), (o.mjOBJ_KEY, "nkey")):
        assert _names(as_built, kind, getattr(as_built, count)) == _names(nominal, kind, getattr(nominal, count))
    np.testing.assert_array_equal(as_built.sensor_adr, nominal.sensor_adr)
    np.testing.assert_array_equal(as_built.actuator_trnid, nominal.actuator_trnid)
    np.testing.assert_allclose(as_built.body_mass, nominal.body_mass)
    np.testing.assert_allclose(as_built.key_qpos, nominal.key_qpos)


def test_as_built_g1_differs_where_the_robot_does(nominal, as_built):
    def armature(model, joint):
        return model.dof_armature[model.joint(joint).dofadr[0]]

    assert armature(nominal, "left_knee_joint") == armature(nominal, "left_wrist_pitch_joint") == 0.01
    assert armature(as_built, "left_knee_joint") == pytest.approx(0.0251, abs=1e-4)
    assert armature(as_built, "left_wrist_pitch_joint") == pytest.approx(0.00425)
    assert armature(as_built, "left_shoulder_pitch_joint") == pytest.approx(0.0036, abs=1e-4)
    np.testing.assert_allclose(as_built.dof_frictionloss[6:], 0.1)
    assert as_built.npair == 14 and as_built.ntendon == 8 and nominal.npair == nominal.ntendon == 0
    floor = as_built.geom("floor").id
    assert all(floor in pair for pair in zip(as_built.pair_geom1, as_built.pair_geom2)) and np.all(as_built.pair_friction[:, 0] == 0.8)
    feet = {as_built.body(f"{side}_ankle_roll_link").id for side in ("left", "right")}
    sole_types = {int(as_built.geom_type[g]) for g in range(as_built.ngeom)
                  if as_built.geom_bodyid[g] in feet and as_built.geom_contype[g]}
    assert sole_types == {mujoco.mjtGeom.mjGEOM_CAPSULE}  # the scene's foot spheres are gone


@pytest.mark.parametrize("plant", ["as_built", "as_built_soles", "as_built_linkage"])
def test_as_built_g1_stands_on_its_soles_under_the_scene_servos(plant):
    model = load_plant_model(G1, plant)
    data = mujoco.MjData(model)
    data.qpos[:], data.ctrl[:] = keyframe_pose(model, G1)
    for _ in range(1000):  # 2 s
        mujoco.mj_step(model, data)
    assert data.qpos[2] == pytest.approx(0.79, abs=0.02)
    floor = model.geom("floor").id
    touching = {model.geom(c.geom1 if c.geom2 == floor else c.geom2).name for c in data.contact[:data.ncon]}
    assert touching and all(name.startswith(("left_sole", "right_sole")) for name in touching) == (plant != "as_built_linkage")


def _soles_touching(plant: str) -> dict[str, set[str]]:
    """Sole capsules in contact with the floor per foot after 2 s standing on the keyframe under the scene's servos."""
    model = load_plant_model(G1, plant)
    data = mujoco.MjData(model)
    data.qpos[:], data.ctrl[:] = keyframe_pose(model, G1)
    for _ in range(1000):
        mujoco.mj_step(model, data)
    names = {model.geom(g).name for c in data.contact[:data.ncon] for g in (c.geom1, c.geom2)}
    return {side: {n.removeprefix(f"{side}_") for n in names if n.startswith(f"{side}_sole")} for side in ("left", "right")}


def test_as_built_feet_touch_alike_and_holosomas_right_heel_does_not():
    as_built = _soles_touching("as_built")
    assert as_built["left"] == as_built["right"] and {"sole2", "sole6"} <= as_built["left"]
    holosoma = _soles_touching("as_built_holosoma")
    assert {"sole2", "sole6"} <= holosoma["left"] and not {"sole2", "sole6"} & holosoma["right"]


def test_motor_gains_follow_the_rotor_inertia():
    model = load_plant_model(G1, gains="motor")
    knee, wrist = model.actuator("left_knee_joint").id, model.actuator("left_wrist_pitch_joint").id
    assert model.actuator_gainprm[knee, 0] == pytest.approx(99.1, abs=0.1)  # holosoma's 7520-22 stiffness
    assert -model.actuator_biasprm[knee, 2] == pytest.approx(6.31, abs=0.01)
    assert model.actuator_gainprm[wrist, 0] == pytest.approx(16.78, abs=0.01)
    np.testing.assert_allclose(model.actuator_biasprm[:, 1], -model.actuator_gainprm[:, 0])
    assert all(MOTOR_GAINS.of(model.actuator(i).name) is not None for i in range(model.nu))
    unitree = load_plant_model(G1, gains="unitree")
    assert unitree.actuator_gainprm[knee, 0] == 150.0 and unitree.actuator_gainprm[wrist, 0] == 40.0


def test_gains_reach_the_planners_model_and_the_plant():
    assembly = assemble(RunConfig(gains="motor", planner_plant="as_built"))
    try:
        knee = assembly.plant.actuator("left_knee_joint").id
        for model in (assembly.plant, assembly.planner_model, assembly.simulation(SimConfig(plant="as_built")).model):
            assert model.actuator_gainprm[knee, 0] == pytest.approx(99.1, abs=0.1)
        assert assembly.planner_model.npair == 14  # made from the as-built G1
    finally:
        assembly.close()


def test_unknown_plants_and_gains_name_the_flag_and_the_choices():
    with pytest.raises(ConfigError, match=r"--plant: 'nope'.*as_built"):
        load_plant_model(G1, "nope")
    with pytest.raises(ConfigError, match=r"--gains: 'soft'.*motor"):
        RunConfig(gains="soft")
    with pytest.raises(ConfigError, match="--planner_plant"):
        RunConfig(planner_plant="nope")
    assert get_robot("t1").plant_names == ("nominal",)


def test_perturbation_ranges_parse_draw_from_the_seed_and_reject_bad_text():
    ranges = PerturbationRanges.parse("mass=0.9:1.1, friction=0.7,delay_ms=10")
    first, again, other = ranges.draw(3), ranges.draw(3), ranges.draw(4)
    assert first == again and first.mass != other.mass and 0.9 <= first.mass <= 1.1
    assert (first.friction, first.delay_ms, first.kp) == (0.7, 10.0, 1.0)
    assert ranges.text() == "mass=0.9:1.1,friction=0.7,delay_ms=10" and PerturbationRanges.parse("").draw(0).is_none
    for bad, why in (("mass", "name=value"), ("gravity=2", "not one of"), ("mass=2:1", "low <= high"),
                     ("kp=0", ">= 0.001"), ("mass=1,mass=2", "twice"), ("delay_ms=5000", "over a second")):
        with pytest.raises(ConfigError, match=why):
            PerturbationRanges.parse(bad)


def test_perturb_model_scales_what_it_names(nominal):
    model = perturb_model(load_plant_model(G1), Perturbation(mass=1.1, friction=0.5, armature=2, kp=0.5, kd=2))
    assert model.body_subtreemass[1] == pytest.approx(1.1 * nominal.body_subtreemass[1], rel=1e-6)
    np.testing.assert_allclose(model.geom_friction[:, 0], 0.5 * nominal.geom_friction[:, 0])
    np.testing.assert_allclose(model.dof_armature[6:], 2 * nominal.dof_armature[6:])
    np.testing.assert_allclose(model.dof_armature[:6], nominal.dof_armature[:6])
    np.testing.assert_allclose(model.actuator_gainprm[:, 0], 250.0)
    np.testing.assert_allclose(model.actuator_biasprm[:, 2], 2 * nominal.actuator_biasprm[:, 2])


def test_a_sensor_delay_shows_the_controller_an_older_state():
    assembly = assemble(RunConfig(controller=ControllerConfig(mode="nn")))
    try:
        sim = assembly.simulation(SimConfig(perturb=PerturbationRanges.parse("delay_ms=20,mass=1.05")))
        assert sim.plant_info["perturbation"]["delay_ms"] == 20.0 and sim.model is not assembly.plant
        result, seen = RunResult(), []
        ctrl = assembly.reference.ctrl[0]
        for _ in range(30):
            sim.step(ctrl, result)
            seen.append(sim.data.qvel.copy())
        np.testing.assert_array_equal(sim.observed_state()[1], seen[-11])  # 10 plant steps (20 ms) late
        assert not np.array_equal(seen[-11], seen[-1])
        undelayed = assembly.simulation(SimConfig())
        assert undelayed.model is assembly.plant
        np.testing.assert_array_equal(undelayed.observed_state()[0], undelayed.data.qpos)
    finally:
        assembly.close()


def test_a_run_on_the_as_built_plant_reports_its_plant(tmp_path):
    report = tmp_path / "run.json"
    out = subprocess.run([sys.executable, "run_policy.py", "--hybrid", "--no_realtime", "--num_samples", "8", "--num_elites", "2",
                          "--duration", "1", "--headless", "--quiet", "--plant", "as_built", "--plant_perturb",
                          "mass=0.95:1.05,delay_ms=10", "--seed", "5", "--report", str(report)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "plant as_built" in out.stdout
    plant = json.loads(report.read_text())["summary"]["plant"]
    assert plant["name"] == "as_built" and plant["perturb"] == "mass=0.95:1.05,delay_ms=10"
    assert plant["perturbation"] == PerturbationRanges.parse("mass=0.95:1.05,delay_ms=10").draw(5).as_dict()
    bad = subprocess.run([sys.executable, "run_policy.py", "--hybrid", "--plant", "as_bilt", "--headless"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "--plant: 'as_bilt' is not a plant of robot 'g1'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_robot_sim_refuses_perturbations_it_cannot_apply():
    out = subprocess.run([sys.executable, "-m", "g1mpc", "robot-sim", "--plant_perturb", "delay_ms=5", "--wait", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "--plant_perturb: delay_ms, kp and kd are for in-process runs" in out.stderr


def test_collect_records_episodes_on_the_plant_and_perturbation_it_is_given(tmp_path):
    from g1mpc.learning.collect import CollectConfig, collect
    from g1mpc.learning.dataset import read_shard

    run = RunConfig(plan_horizon=0.2, controller=ControllerConfig(num_samples=8, num_elites=2))
    perturb = PerturbationRanges.parse("mass=0.9:1.1")
    collect(tmp_path / "as_built", run, CollectConfig(episodes=1, episode_duration=0.3, seed=3, plant="as_built",
                                                      perturb=perturb), progress=False)
    collect(tmp_path / "nominal", run, CollectConfig(episodes=1, episode_duration=0.3, seed=3), progress=False)
    features, _, meta = read_shard(tmp_path / "as_built" / "shard-00000.npz")
    nominal_features, _, nominal_meta = read_shard(tmp_path / "nominal" / "shard-00000.npz")
    assert meta["summary"]["plant"]["name"] == "as_built" and nominal_meta["summary"]["plant"]["name"] == "nominal"
    assert meta["summary"]["plant"]["perturbation"] == perturb.draw(meta["seed"]).as_dict()
    assert not np.array_equal(features, nominal_features)  # the same episode seed on another robot
    bad = subprocess.run([sys.executable, "-m", "g1mpc", "collect", "--out", str(tmp_path / "x"), "--plant", "as_bilt"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "--plant: 'as_bilt' is not a plant of robot 'g1'" in bad.stderr
