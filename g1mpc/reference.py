"""Reference motion: a sequence of standing/balance poses at a fixed frame rate.

A reference is an ``.npz`` with ``qpos`` (T x nq) and ``fps`` (scalar), the
format retargeted clips usually come in. The default one is generated here from
key poses (stand, knees bent, weight shifts, lean, arm raises, twist), held and
blended with a smoothstep, every pose placed so the feet rest on the ground.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np

from g1mpc.errors import UserError
from g1mpc.robot import sensor_layout, stand_keyframe

DEFAULT_FPS = 30.0

# Joint-angle offsets from the ``stand`` keyframe, by joint name (radians).
# Leg offsets keep the feet flat: hip pitch + knee + ankle pitch sum to zero,
# hip roll is compensated by ankle roll.
_KNEES_BENT = {"hip_pitch": -0.35, "knee": 0.70, "ankle_pitch": -0.35}
KEY_POSES: dict[str, dict[str, float]] = {
    "stand": {},
    "knees_bent": {f"{s}_{j}_joint": v for s in ("left", "right") for j, v in _KNEES_BENT.items()},
    "shift_left": {
        "left_hip_roll_joint": -0.08, "right_hip_roll_joint": -0.08,
        "left_ankle_roll_joint": 0.08, "right_ankle_roll_joint": 0.08,
    },
    "shift_right": {
        "left_hip_roll_joint": 0.08, "right_hip_roll_joint": 0.08,
        "left_ankle_roll_joint": -0.08, "right_ankle_roll_joint": -0.08,
    },
    "lean_forward": {"waist_pitch_joint": 0.25},
    "arms_forward": {"left_shoulder_pitch_joint": -1.0, "right_shoulder_pitch_joint": -1.0},
    "arms_out": {"left_shoulder_roll_joint": 1.0, "right_shoulder_roll_joint": -1.0},
    "twist": {"waist_yaw_joint": 0.4, "left_shoulder_pitch_joint": -0.4, "right_shoulder_pitch_joint": 0.2},
}
# (pose, hold seconds); consecutive poses are blended over BLEND_SECONDS.
DEFAULT_SCRIPT: list[tuple[str, float]] = [
    ("stand", 1.0), ("knees_bent", 1.0), ("stand", 0.5), ("shift_left", 1.0), ("shift_right", 1.0),
    ("stand", 0.5), ("lean_forward", 1.0), ("arms_forward", 1.0), ("arms_out", 1.0), ("twist", 1.0),
    ("knees_bent", 0.5), ("stand", 1.0),
]
BLEND_SECONDS = 1.0


@dataclass(frozen=True)
class Reference:
    """Reference qpos frames plus everything derived from them for the cost."""

    qpos: np.ndarray  # (T, nq)
    fps: float
    ctrl: np.ndarray  # (T, nu) joint targets the actuators would need
    sensordata: np.ndarray  # (T, nsensordata) forward kinematics of each frame

    @property
    def duration(self) -> float:
        return len(self.qpos) / self.fps


def _pose_qpos(model: mujoco.MjModel, offsets: dict[str, float]) -> np.ndarray:
    qpos, _ = stand_keyframe(model)
    for joint, value in offsets.items():
        jid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, joint)
        if jid >= 0:  # poses name the 29-DoF joints; other variants share them
            qpos[model.jnt_qposadr[jid]] += value
    return qpos


def _feet_anchor(model: mujoco.MjModel, qpos: np.ndarray) -> np.ndarray:
    """Horizontal midpoint of the feet and the height of the lower foot, for a pose."""
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_kinematics(model, data)
    sites = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, s) for s in ("left_foot", "right_foot")]
    feet = data.site_xpos[sites]
    return np.array([feet[:, 0].mean(), feet[:, 1].mean(), feet[:, 2].min()])


def _place_on_ground(model: mujoco.MjModel, qpos: np.ndarray, feet_target: np.ndarray) -> np.ndarray:
    """Translate the base so the feet anchor lands where the stand pose has it."""
    placed = qpos.copy()
    placed[:3] += feet_target - _feet_anchor(model, qpos)
    return placed


def _smoothstep(x: np.ndarray) -> np.ndarray:
    return x * x * (3 - 2 * x)


def generate_reference_qpos(
    model: mujoco.MjModel, script: list[tuple[str, float]] | None = None, fps: float = DEFAULT_FPS
) -> np.ndarray:
    """Hold each key pose, blend to the next with a smoothstep; returns (T, nq)."""
    script = script or DEFAULT_SCRIPT
    feet_target = _feet_anchor(model, stand_keyframe(model)[0])
    poses = [_place_on_ground(model, _pose_qpos(model, KEY_POSES[name]), feet_target) for name, _ in script]
    frames = []
    for i, (_, hold) in enumerate(script):
        frames.extend([poses[i]] * int(round(hold * fps)))
        nxt = poses[(i + 1) % len(poses)]  # the clip loops: blend back to the first pose
        for a in _smoothstep(np.arange(1, int(round(BLEND_SECONDS * fps)) + 1) / (BLEND_SECONDS * fps)):
            frames.append((1 - a) * poses[i] + a * nxt)
    qpos = np.array(frames)
    qpos[:, 3:7] /= np.linalg.norm(qpos[:, 3:7], axis=1, keepdims=True)
    return qpos


def build_reference(model: mujoco.MjModel, qpos: np.ndarray, fps: float) -> Reference:
    """Derive actuator targets and sensor values of every frame (forward kinematics)."""
    from g1mpc.robot import actuated_qpos_indices

    data = mujoco.MjData(model)
    sensordata = np.zeros((len(qpos), model.nsensordata))
    for t, q in enumerate(qpos):
        data.qpos[:] = q
        data.qvel[:] = 0
        mujoco.mj_forward(model, data)
        sensordata[t] = data.sensordata
    sensor_layout(model)  # validates that the task sensors exist
    ctrl = qpos[:, actuated_qpos_indices(model)]
    return Reference(qpos=qpos.astype(np.float64), fps=float(fps), ctrl=ctrl, sensordata=sensordata)


def default_reference(model: mujoco.MjModel) -> Reference:
    return build_reference(model, generate_reference_qpos(model), DEFAULT_FPS)


def save_reference(path: str | Path, qpos: np.ndarray, fps: float) -> None:
    """Write ``qpos`` + ``fps`` atomically (temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, qpos=qpos, fps=np.float64(fps))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_reference(path: str | Path, model: mujoco.MjModel) -> Reference:
    """Load and validate a user reference ``.npz`` against the model."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"--reference: file '{path}' does not exist; generate one with 'g1mpc reference --out {path}'")
    try:
        with np.load(path, allow_pickle=False) as npz:
            if "qpos" not in npz or "fps" not in npz:
                raise UserError(f"--reference: '{path}' must hold arrays 'qpos' (T x nq) and 'fps' (scalar)")
            qpos = np.asarray(npz["qpos"], dtype=np.float64)
            fps = float(np.asarray(npz["fps"]).reshape(()))
    except UserError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise UserError(f"--reference: '{path}' is not a readable .npz ({type(exc).__name__}); re-export it") from None
    if qpos.ndim != 2 or qpos.shape[0] < 1:
        raise UserError(f"--reference: '{path}' qpos must be (T x nq), got shape {qpos.shape}")
    if qpos.shape[1] != model.nq:
        raise UserError(
            f"--reference: '{path}' has {qpos.shape[1]} qpos columns but the robot has nq={model.nq}; "
            "use a clip for this robot (or --robot matching the clip)"
        )
    if not np.all(np.isfinite(qpos)) or not np.isfinite(fps) or fps <= 0:
        raise UserError(f"--reference: '{path}' has non-finite qpos or a non-positive fps")
    qpos = qpos.copy()
    qpos[:, 3:7] /= np.maximum(np.linalg.norm(qpos[:, 3:7], axis=1, keepdims=True), 1e-12)
    return build_reference(model, qpos, fps)
