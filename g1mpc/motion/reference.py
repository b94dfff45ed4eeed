"""Reference motion: robot poses at a fixed frame rate, and everything derived from them.

A reference is an ``.npz`` with ``qpos`` (T x nq) and ``fps`` (scalar), the format retargeted clips
usually come in. :func:`key_pose_clip` makes one from a robot's named key poses, held and blended with a
smoothstep, every pose placed so the feet rest where they do in the robot's keyframe.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import mujoco
import numpy as np

from g1mpc.common.atomic import atomic_write
from g1mpc.common.errors import UserError
from g1mpc.robots.base import FreeBase, Robot
from g1mpc.robots.models import actuated_qpos_indices, frame_positions, keyframe_pose, sensor_layout

DEFAULT_FPS = 30.0
BLEND_SECONDS = 1.0  # consecutive key poses are blended over this long


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


def _normalise_quaternions(qpos: np.ndarray) -> np.ndarray:
    qpos[:, FreeBase.QUAT] /= np.maximum(np.linalg.norm(qpos[:, FreeBase.QUAT], axis=1, keepdims=True), 1e-12)
    return qpos


def pose_qpos(model: mujoco.MjModel, robot: Robot, offsets: Mapping[str, float], within_limits: bool = False) -> np.ndarray:
    """The keyframe's qpos with joint ``offsets`` (rad) added; ``within_limits`` clips limited joints to range."""
    qpos, _ = keyframe_pose(model, robot)
    for joint, value in offsets.items():  # Robot.check_model has checked that every joint exists
        jid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, joint)
        adr = model.jnt_qposadr[jid]
        qpos[adr] += value
        if within_limits and model.jnt_limited[jid]:
            qpos[adr] = np.clip(qpos[adr], *model.jnt_range[jid])
    return qpos


def _feet_anchor(model: mujoco.MjModel, robot: Robot, qpos: np.ndarray) -> np.ndarray:
    """Horizontal midpoint of the feet and the height of the lower foot, for a pose."""
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_kinematics(model, data)
    feet = frame_positions(model, data, robot.feet)
    return np.array([feet[:, 0].mean(), feet[:, 1].mean(), feet[:, 2].min()])


def place_on_ground(model: mujoco.MjModel, robot: Robot, qpos: np.ndarray) -> np.ndarray:
    """Translate the base so the feet rest where they do in the robot's keyframe (in place; returned)."""
    target = _feet_anchor(model, robot, keyframe_pose(model, robot)[0])
    qpos[FreeBase.POSITION] += target - _feet_anchor(model, robot, qpos)
    return qpos


def _smoothstep(x: np.ndarray) -> np.ndarray:
    return x * x * (3 - 2 * x)


def blend_clip(poses: list[np.ndarray], holds: list[float], blends: list[float], fps: float,
               place: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Hold pose i for ``holds[i]`` s, then blend to pose i+1 over ``blends[i]`` s (smoothstep); (T, nq).

    The clip loops: the last pose blends back to the first. ``place``, if given, re-places every blended
    frame (a linear blend of two grounded poses can lift or sink the feet by centimetres).
    """
    frames = []
    for i, (hold, blend) in enumerate(zip(holds, blends, strict=True)):
        frames.extend([poses[i]] * int(round(hold * fps)))
        nxt = poses[(i + 1) % len(poses)]
        for a in _smoothstep(np.arange(1, int(round(blend * fps)) + 1) / (blend * fps)):
            frame = (1 - a) * poses[i] + a * nxt
            frames.append(frame if place is None else place(frame))
    qpos = np.array(frames)
    qpos[:, FreeBase.QUAT] /= np.linalg.norm(qpos[:, FreeBase.QUAT], axis=1, keepdims=True)
    return qpos


def key_pose_clip(model: mujoco.MjModel, robot: Robot, script, fps: float = DEFAULT_FPS) -> np.ndarray:
    """Hold each (key pose, seconds) of ``script``, blend to the next over ``BLEND_SECONDS``; (T, nq)."""
    poses = [place_on_ground(model, robot, pose_qpos(model, robot, robot.key_poses[name])) for name, _ in script]
    return blend_clip(poses, [hold for _, hold in script], [BLEND_SECONDS] * len(script), fps)


def build_reference(model: mujoco.MjModel, robot: Robot, qpos: np.ndarray, fps: float) -> Reference:
    """Derive actuator targets and sensor values of every frame (forward kinematics)."""
    data = mujoco.MjData(model)
    sensordata = np.zeros((len(qpos), model.nsensordata))
    for t, q in enumerate(qpos):
        data.qpos[:] = q
        data.qvel[:] = 0
        mujoco.mj_forward(model, data)
        sensordata[t] = data.sensordata
    sensor_layout(model, robot)  # validates that the task sensors exist
    ctrl = qpos[:, actuated_qpos_indices(model)]
    return Reference(qpos=qpos.astype(np.float64), fps=float(fps), ctrl=ctrl, sensordata=sensordata)


def save_reference(path: str | Path, qpos: np.ndarray, fps: float) -> None:
    """Write ``qpos`` + ``fps`` atomically (temp file, then rename)."""
    with atomic_write(path) as f:
        np.savez(f, qpos=qpos, fps=np.float64(fps))


def read_reference_qpos(path: str | Path, nq: int) -> tuple[np.ndarray, float]:
    """Load and validate a user reference ``.npz``: (T, nq) qpos with unit quaternions, and its fps."""
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
    if qpos.shape[1] != nq:
        raise UserError(
            f"--reference: '{path}' has {qpos.shape[1]} qpos columns but the robot has nq={nq}; "
            "use a clip for this robot (or --robot matching the clip)"
        )
    if not np.all(np.isfinite(qpos)) or not np.isfinite(fps) or fps <= 0:
        raise UserError(f"--reference: '{path}' has non-finite qpos or a non-positive fps")
    return _normalise_quaternions(qpos.copy()), fps


def load_reference(path: str | Path, model: mujoco.MjModel, robot: Robot) -> Reference:
    """A user's reference clip for this robot, with its derived targets and sensor values."""
    qpos, fps = read_reference_qpos(path, model.nq)
    return build_reference(model, robot, qpos, fps)
