"""The learned-policy baseline: its observation, targets and plant check, on ONNX files written here with the
``onnx`` package and run by onnxruntime, and closed-loop on the as-built G1; steps counted from foot tracks."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from g1mpc.baselines.locomotion_policy import G1_DEFAULT_ANGLES, LocomotionPolicy, check_plant, load_policy_spec, locomotion_observation
from g1mpc.common.errors import ConfigError
from g1mpc.planning.controller import ControllerConfig
from g1mpc.registry import ROBOTS
from g1mpc.robots.models import load_plant_model
from g1mpc.running.config import RunConfig
from g1mpc.running.evaluate import Evaluation, SeedRunner
from g1mpc.running.footsteps import StepRule, count_steps, walked
from g1mpc.running.sim import PushConfig

N = 29
OBS = 3 * N + 13
# holosoma's observation terms in alphabetical order: where each block starts
SLICES = {"actions": 0, "base_ang_vel": 29, "command_ang_vel": 32, "command_lin_vel": 33, "cos_phase": 35,
          "dof_pos": 37, "dof_vel": 66, "projected_gravity": 95, "sin_phase": 98}


def _g1_gains():
    model = load_plant_model(ROBOTS["g1"], "as_built", "motor")
    names = [model.joint(model.actuator_trnid[i, 0]).name for i in range(model.nu)]
    return model, names, model.actuator_gainprm[:, 0].tolist(), (-model.actuator_biasprm[:, 2]).tolist()


def linear_policy(path, weights: np.ndarray, names, kp, kd, metadata: bool = True, bias: np.ndarray | None = None) -> str:
    """An ONNX policy action = obs @ weights ((OBS, N)) + bias (N,), with holosoma's metadata."""
    bias = np.zeros(N) if bias is None else bias
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["actor_obs", "W"], ["y"]), helper.make_node("Add", ["y", "b"], ["action"])], "linear",
        [helper.make_tensor_value_info("actor_obs", TensorProto.FLOAT, [1, weights.shape[0]])],
        [helper.make_tensor_value_info("action", TensorProto.FLOAT, [1, N])],
        [helper.make_tensor("W", TensorProto.FLOAT, weights.shape, weights.astype(np.float32).ravel()),
         helper.make_tensor("b", TensorProto.FLOAT, [N], bias.astype(np.float32))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    if metadata:
        for key, value in {"dof_names": names, "kp": kp, "kd": kd}.items():
            model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=json.dumps(value)))
    onnx.save(model, str(path))
    return str(path)


@pytest.fixture(scope="module")
def g1():
    return _g1_gains()


def test_the_observation_is_holosomas_layout_and_targets_are_default_plus_a_quarter_action(g1, tmp_path):
    model, names, kp, kd = g1
    w = np.zeros((OBS, N))
    w[SLICES["dof_pos"]:SLICES["dof_pos"] + N, :] = np.eye(N)  # action = joint offsets from the default pose
    w[SLICES["projected_gravity"] + 2, 0] = 10.0                # + 10 g_z on the first joint
    w[SLICES["cos_phase"], 1] = 1.0                             # + cos(phase) on the second
    policy = LocomotionPolicy(load_policy_spec(linear_policy(tmp_path / "p.onnx", w, names, kp, kd)))
    qpos, qvel = np.zeros(7 + N), np.zeros(6 + N)
    qpos[3], qpos[7:] = 1.0, 0.1
    targets, timing = policy.plan(0.0, qpos, qvel)
    offsets = 0.1 - np.array(G1_DEFAULT_ANGLES)
    expected = np.array(G1_DEFAULT_ANGLES) + 0.25 * offsets
    expected[0] += 0.25 * 10 * -1.0   # upright: gravity is -z in the body frame
    expected[1] += 0.25 * -1.0        # standing: both phases at pi
    assert targets.shape == (1, N) and np.allclose(targets[0], expected, atol=1e-5) and timing.total > 0
    obs = locomotion_observation(policy.spec, qpos, qvel, np.zeros(N), np.full(2, np.pi), np.zeros(3))
    assert obs.shape == (1, OBS) and np.allclose(obs[0, SLICES["sin_phase"]:], 0.0, atol=1e-6)
    qpos[3:7] = [np.cos(0.25), np.sin(0.25), 0, 0]  # rolled 0.5 rad about x: gravity has a -y... +y component
    obs = locomotion_observation(policy.spec, qpos, qvel, np.zeros(N), np.full(2, np.pi), np.zeros(3))
    assert np.allclose(obs[0, SLICES["projected_gravity"]:SLICES["projected_gravity"] + 3],
                       [0, -np.sin(0.5), -np.cos(0.5)], atol=1e-6)


def test_the_plant_must_have_the_policys_joints_and_gains_and_bad_files_say_so(g1, tmp_path):
    model, names, kp, kd = g1
    spec = load_policy_spec(linear_policy(tmp_path / "p.onnx", np.zeros((OBS, N)), names, kp, kd))
    check_plant(spec, model)
    with pytest.raises(ConfigError, match="gains are not the policy's"):
        check_plant(spec, load_plant_model(ROBOTS["g1"], "as_built"))
    swapped = load_policy_spec(linear_policy(tmp_path / "s.onnx", np.zeros((OBS, N)), names[::-1], kp, kd))
    with pytest.raises(ConfigError, match="joint order"):
        check_plant(swapped, model)
    with pytest.raises(ConfigError, match="metadata"):
        load_policy_spec(linear_policy(tmp_path / "m.onnx", np.zeros((OBS, N)), names, kp, kd, metadata=False))
    with pytest.raises(ConfigError, match="input has 90"):
        LocomotionPolicy(load_policy_spec(linear_policy(tmp_path / "w.onnx", np.zeros((90, N)), names, kp, kd)))
    with pytest.raises(ConfigError, match="does not exist"):
        load_policy_spec(str(tmp_path / "missing.onnx"))
    with pytest.raises(ConfigError, match="unknown learned policy"):
        load_policy_spec("sac")


def test_a_policy_drives_the_as_built_g1_through_the_evaluation_on_its_gains(g1, tmp_path):
    """A statue policy made for the model's kp-500 servos (it holds the standing keyframe, all joints 0:
    action = -default / 0.25) stands on the as-built G1 with those gains for 2 s and takes no step; on the
    motor gains it is refused."""
    _, names, _, _ = g1
    stiff = load_plant_model(ROBOTS["g1"], "as_built")
    kp, kd = stiff.actuator_gainprm[:, 0].tolist(), (-stiff.actuator_biasprm[:, 2]).tolist()
    path = linear_policy(tmp_path / "statue.onnx", np.zeros((OBS, N)), names, kp, kd, bias=-np.array(G1_DEFAULT_ANGLES) / 0.25)
    evaluation = Evaluation(RunConfig(controller=ControllerConfig(mode="nn")), duration=2.0,
                            pushes=PushConfig(force=0.0), plant="as_built", policy=path)
    runner = SeedRunner(evaluation)
    seen = []  # a watch sees each cycle's end state, the one the run's joint RMS is taken from
    try:
        run = runner(0, watch=lambda d, ref: seen.append(np.sqrt(np.mean((d.qpos[7:] - ref[7:]) ** 2))))
    finally:
        runner.close()
    assert run["falls"] == [] and run["steps"] == 0 and run["walked_m"] < 0.05 and len(run["planning_s"]) == 100
    np.testing.assert_allclose(seen, run["joint_rms"])
    with pytest.raises(ConfigError, match="gains are not the policy's"):
        SeedRunner(Evaluation(RunConfig(controller=ControllerConfig(mode="nn"), gains="motor"), duration=0.1,
                              plant="as_built", policy=path))(0)


@pytest.mark.skipif(importlib.util.find_spec("holosoma_inference") is None,
                    reason="holosoma-inference not installed (pip install --no-deps holosoma-inference==0.1.3)")
def test_holosomas_ppo_policy_holds_a_push_by_stepping():
    evaluation = Evaluation(RunConfig(controller=ControllerConfig(mode="nn"), gains="motor"), duration=3.0,
                            pushes=PushConfig(force=300.0, interval=1.0), plant="as_built", policy="ppo")
    runner = SeedRunner(evaluation)
    try:
        run = runner(900)
    finally:
        runner.close()
    assert run["falls"] == [] and run["steps"] >= 1


def test_steps_are_landings_away_from_the_take_off_not_shuffles_or_hops():
    t = 40
    feet = np.zeros((t, 2, 3))
    feet[:, 1, 1] = -0.2
    feet[10:14, 0, 2] = 0.06            # left foot lifts ...
    feet[14:, 0, 0] = 0.12              # ... and lands 12 cm forward: a step
    feet[20:24, 1, 2] = 0.05            # right foot hops in place: no step
    feet[30:, 1, 0] = 0.10              # right foot slides 10 cm without lifting: no step
    assert count_steps(feet) == 1
    assert count_steps(feet, StepRule(min_move=0.2)) == 0
    assert count_steps(np.zeros((0, 2, 3))) == 0
    assert walked(np.array([[1.0, 1.0], [1.3, 1.4], [1.0, 1.1]])) == pytest.approx(0.5)
    with pytest.raises(ConfigError):
        StepRule(lift=0.0)
