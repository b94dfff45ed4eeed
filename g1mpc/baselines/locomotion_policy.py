"""A published G1 locomotion policy (holosoma's PPO and FastSAC, ONNX) as a controller of the simulation loop.

The policies come with the PyPI package ``holosoma-inference`` (0.1.3, Apache-2.0), installed with
``pip install onnxruntime && pip install --no-deps holosoma-inference==0.1.3`` (its own dependencies are those
of the robot-side tools, not needed here); nothing is downloaded at run time. What the policy sees and sends
is read from the package's configuration (``config/config_values/{observation,robot,task}.py``,
``policies/{base,locomotion}.py``) and the models' metadata (joint order, kp, kd):

- 50 Hz; observation (100,): the terms in alphabetical order (actions 29, base_ang_vel 3 x 0.25,
  command_ang_vel 1, command_lin_vel 2, cos_phase 2, dof_pos 29 about the default angles, dof_vel 29 x 0.05,
  projected_gravity 3, sin_phase 2); with zero velocity commands both gait phases stay at pi (standing);
- servo targets: default angles + 0.25 x action (the action clipped to +-100), to PD motors with the
  metadata's kp and kd (the G1's per-motor gains, :data:`g1mpc.robots.g1_build.MOTOR_GAINS`).
"""

from __future__ import annotations

import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError
from g1mpc.planning.controller import CycleTiming

INSTALL_HINT = "pip install onnxruntime && pip install --no-deps holosoma-inference==0.1.3"
# holosoma_inference.config.config_values.robot.g1_29dof.default_dof_angles
G1_DEFAULT_ANGLES = (
    -0.312, 0.0, 0.0, 0.669, -0.363, 0.0,
    -0.312, 0.0, 0.0, 0.669, -0.363, 0.0,
    0.0, 0.0, 0.0,
    0.2, 0.2, 0.0, 0.6, 0.0, 0.0, 0.0,
    0.2, -0.2, 0.0, 0.6, 0.0, 0.0, 0.0,
)
G1_POLICY_FILES = {"ppo": "ppo_g1_29dof.onnx", "fastsac": "fastsac_g1_29dof.onnx"}


@dataclass(frozen=True)
class LocomotionPolicySpec:
    """One policy: its ONNX file and what it was trained with (joint order, gains, default pose, scales)."""

    name: str
    onnx_path: Path
    joint_names: tuple[str, ...]
    kp: tuple[float, ...]
    kd: tuple[float, ...]
    default_angles: tuple[float, ...] = G1_DEFAULT_ANGLES
    action_scale: float = 0.25
    action_clip: float = 100.0
    rate_hz: float = 50.0
    gait_period: float = 1.0
    ang_vel_scale: float = 0.25
    dof_vel_scale: float = 0.05

    def __post_init__(self) -> None:
        n = len(self.joint_names)
        if not (len(self.kp) == len(self.kd) == len(self.default_angles) == n):
            raise ConfigError(f"policy '{self.name}' ({self.onnx_path}): joint names, kp, kd and default angles differ in length")

    @property
    def observation_size(self) -> int:
        return 3 * len(self.joint_names) + 13


def holosoma_models_dir() -> Path:
    """The G1 locomotion models of the installed ``holosoma-inference`` (found without importing it)."""
    found = importlib.util.find_spec("holosoma_inference")
    if found is None or not found.submodule_search_locations:
        raise ConfigError(f"the learned policies need the package holosoma-inference: {INSTALL_HINT}")
    return Path(next(iter(found.submodule_search_locations))) / "models" / "loco" / "g1_29dof"


def load_policy_spec(name: str) -> LocomotionPolicySpec:
    """The spec of holosoma's G1 policy ``name`` (``ppo`` or ``fastsac``), or of an ONNX file ``name`` (.onnx)
    with the same inputs and outputs; joint order and gains from the model's metadata."""
    if name.endswith(".onnx"):
        path = Path(name)
        if not path.is_file():
            raise ConfigError(f"policy file {path} does not exist")
    elif name in G1_POLICY_FILES:
        path = holosoma_models_dir() / G1_POLICY_FILES[name]
        if not path.is_file():
            raise ConfigError(f"policy '{name}': {path} is missing; reinstall it: {INSTALL_HINT}")
    else:
        raise ConfigError(f"unknown learned policy '{name}'; choose one of {sorted(G1_POLICY_FILES)} or an .onnx file")
    meta = _session(path).get_modelmeta().custom_metadata_map
    try:
        names, kp, kd = (tuple(json.loads(meta[k])) for k in ("dof_names", "kp", "kd"))
    except (KeyError, json.JSONDecodeError) as e:
        raise ConfigError(f"policy '{name}': {path} lacks readable dof_names/kp/kd metadata ({e})") from e
    return LocomotionPolicySpec(name, path, names, tuple(map(float, kp)), tuple(map(float, kd)))


def _session(path: Path):
    try:
        import onnxruntime
    except ImportError as e:
        raise ConfigError(f"the learned policies need onnxruntime: {INSTALL_HINT}") from e
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def projected_gravity(quat: np.ndarray) -> np.ndarray:
    """Gravity's direction (3,) in the frame of a body with world orientation ``quat`` (w, x, y, z)."""
    rotation = np.empty(9)
    mujoco.mju_quat2Mat(rotation, np.asarray(quat, float))
    return rotation.reshape(3, 3).T @ np.array([0.0, 0.0, -1.0])


def locomotion_observation(spec: LocomotionPolicySpec, qpos: np.ndarray, qvel: np.ndarray, last_action: np.ndarray,
                           phase: np.ndarray, command: np.ndarray) -> np.ndarray:
    """The policy's input (1, 3 n + 13) float32 from qpos (7 + n,), qvel (6 + n,), the last action (n,), the
    gait phases (2,) and the velocity command (vx, vy, yaw rate)."""
    terms = {
        "actions": last_action,
        "base_ang_vel": qvel[3:6] * spec.ang_vel_scale,  # MuJoCo's free-joint angular velocity is in the body frame
        "command_ang_vel": command[2:3],
        "command_lin_vel": command[:2],
        "cos_phase": np.cos(phase),
        "dof_pos": qpos[7:] - np.asarray(spec.default_angles),
        "dof_vel": qvel[6:] * spec.dof_vel_scale,
        "projected_gravity": projected_gravity(qpos[3:7]),
        "sin_phase": np.sin(phase),
    }
    return np.concatenate([np.asarray(terms[k], float).ravel() for k in sorted(terms)]).astype(np.float32)[None]


def standing_phase(phase: np.ndarray, command: np.ndarray, dt: float, period: float) -> np.ndarray:
    """The gait phases (2,) after ``dt`` s: both pi while the command is zero (standing), else advancing."""
    if np.linalg.norm(command[:2]) < 0.01 and abs(command[2]) < 0.01:
        return np.full(2, np.pi)
    return np.fmod(phase + 2 * np.pi * dt / period + np.pi, 2 * np.pi) - np.pi


class LocomotionPolicy:
    """A controller of :class:`~g1mpc.running.sim.Simulation`: ``plan(t, qpos, qvel)`` returns the servo
    targets (1, nu) held for the period and the time it took. Its actuators must be the policy's joints in the
    policy's order, with its gains (checked by :func:`check_plant`)."""

    def __init__(self, spec: LocomotionPolicySpec, command: tuple[float, float, float] = (0.0, 0.0, 0.0)):
        self.spec, self.command = spec, np.asarray(command, float)
        self.session = _session(spec.onnx_path)
        model_input = self.session.get_inputs()[0]
        if model_input.shape[-1] != spec.observation_size:
            raise ConfigError(f"policy '{spec.name}': its input has {model_input.shape[-1]} values, the G1 locomotion "
                              f"observation {spec.observation_size}")
        self.input_name = model_input.name
        self.reset()

    def reset(self, initial_ctrl: np.ndarray | None = None) -> None:
        n = len(self.spec.joint_names)
        self.last_action, self.phase = np.zeros(n), np.full(2, np.pi)

    def plan(self, t: float, qpos: np.ndarray, qvel: np.ndarray) -> tuple[np.ndarray, CycleTiming]:
        tic = time.perf_counter()
        s = self.spec
        self.phase = standing_phase(self.phase, self.command, 1.0 / s.rate_hz, s.gait_period)
        obs = locomotion_observation(s, qpos, qvel, self.last_action, self.phase, self.command)
        action = np.clip(self.session.run(None, {self.input_name: obs})[0][0].astype(float), -s.action_clip, s.action_clip)
        self.last_action = action
        targets = np.asarray(s.default_angles) + s.action_scale * action
        total = time.perf_counter() - tic
        return targets[None], CycleTiming(total, total, 0.0, 0.0)


def check_plant(spec: LocomotionPolicySpec, model: mujoco.MjModel, rtol: float = 1e-3) -> None:
    """Raise :class:`ConfigError` unless ``model``'s position servos drive the policy's joints in its order with
    its kp and kd (within ``rtol``)."""
    joints = tuple(model.joint(model.actuator_trnid[i, 0]).name for i in range(model.nu))
    if joints != spec.joint_names:
        raise ConfigError(f"policy '{spec.name}': the plant's actuators drive {joints[:3]}..., not the policy's joint order")
    kp, kd = model.actuator_gainprm[:, 0], -model.actuator_biasprm[:, 2]
    if not (np.allclose(kp, spec.kp, rtol=rtol) and np.allclose(kd, spec.kd, rtol=rtol)):
        raise ConfigError(f"policy '{spec.name}': the plant's servo gains are not the policy's "
                          "(holosoma's G1 policies need --gains motor)")
