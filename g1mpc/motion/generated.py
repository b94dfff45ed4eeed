"""Random reference motions for training and evaluation, each reproducible from a seed.

A motion is a sequence of key frames, each a mix of one to three of the robot's key poses drawn with
random amplitudes (:attr:`~g1mpc.robots.base.Robot.pose_ranges`): squats, bends, weight shifts, arm
motions, twists. Every key frame is placed with the feet where the keyframe has them and kept
balance-feasible: its centre of mass must lie over the feet (amplitudes shrink until it does). Frames are
held and blended with random timing, like the default clip, and saved in the same ``.npz`` format.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from g1mpc.common.errors import ConfigError, UserError
from g1mpc.motion.reference import DEFAULT_FPS, Reference, blend_clip, build_reference, place_on_ground, pose_qpos
from g1mpc.robots.base import FreeBase, Robot
from g1mpc.robots.models import frame_positions


@dataclass(frozen=True)
class MotionConfig:
    """How motions are drawn.

    Attributes:
        duration: the clip's length (exactly ``round(duration * fps)`` frames, so clips of one duration share
            array shapes and compiled stages); it loops back to its first frame.
        hold, blend: (low, high) seconds a key frame is held, and blended into the next.
        poses_per_frame: (low, high) how many key poses one key frame mixes.
        support_margin: how far (m) the centre of mass may lie outside the box spanned by the feet frames,
            front-to-back and side to side (the soles extend past the frames).
        fps: frame rate of the clip.
    """

    duration: float = 20.0
    hold: tuple[float, float] = (0.3, 1.5)
    blend: tuple[float, float] = (0.6, 1.5)
    poses_per_frame: tuple[int, int] = (1, 3)
    support_margin: float = 0.04
    fps: float = DEFAULT_FPS

    def __post_init__(self) -> None:
        if not (self.duration > 0 and 0 < self.hold[0] <= self.hold[1] and 0 < self.blend[0] <= self.blend[1]):
            raise ConfigError("motion duration, hold and blend times must be > 0 with low <= high")
        if not 1 <= self.poses_per_frame[0] <= self.poses_per_frame[1]:
            raise ConfigError("poses_per_frame must be 1 <= low <= high")


def com_over_feet(model: mujoco.MjModel, robot: Robot, qpos: np.ndarray, margin: float) -> bool:
    """Whether the whole-body centre of mass lies over the box the feet frames span, widened by ``margin``."""
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_kinematics(model, data)
    mujoco.mj_comPos(model, data)
    root = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, robot.root_body)
    com = data.subtree_com[root][:2]
    feet = frame_positions(model, data, robot.feet)[:, :2]
    return bool(np.all(com >= feet.min(axis=0) - margin) and np.all(com <= feet.max(axis=0) + margin))


def _mixed_pose(model: mujoco.MjModel, robot: Robot, amplitudes: dict[str, float]) -> np.ndarray:
    """The keyframe plus every pose's offsets times its amplitude (joint limits kept), on the ground."""
    offsets: dict[str, float] = {}
    for pose, amplitude in amplitudes.items():
        for joint, value in robot.key_poses[pose].items():
            offsets[joint] = offsets.get(joint, 0.0) + amplitude * value
    return place_on_ground(model, robot, pose_qpos(model, robot, offsets, within_limits=True))


def random_motion(model: mujoco.MjModel, robot: Robot, seed: int, config: MotionConfig = MotionConfig()) -> np.ndarray:
    """A motion clip (T, nq) drawn from ``seed``; the same seed gives the same clip."""
    if not robot.pose_ranges:
        raise UserError(f"--robot: '{robot.name}' has no pose ranges, so no motions can be generated for it")
    rng = np.random.default_rng(seed)
    names = sorted(robot.pose_ranges)
    poses = [_mixed_pose(model, robot, {})]  # start from the keyframe
    holds, blends = [float(rng.uniform(*config.hold))], [float(rng.uniform(*config.blend))]
    elapsed = holds[0] + blends[0]
    while elapsed < config.duration:
        count = int(rng.integers(config.poses_per_frame[0], min(config.poses_per_frame[1], len(names)) + 1))
        chosen = rng.choice(names, size=count, replace=False)
        amplitudes = {str(n): float(rng.uniform(*robot.pose_ranges[n])) for n in chosen}
        for _ in range(8):  # shrink toward the keyframe until the centre of mass is over the feet
            pose = _mixed_pose(model, robot, amplitudes)
            if com_over_feet(model, robot, pose, config.support_margin):
                break
            amplitudes = {k: 0.7 * v for k, v in amplitudes.items()}
        else:
            pose = poses[0]
        poses.append(pose)
        holds.append(float(rng.uniform(*config.hold)))
        blends.append(float(rng.uniform(*config.blend)))
        elapsed += holds[-1] + blends[-1]
    # Whole frames per segment, the last blend absorbing the remainder: exactly round(duration * fps) frames.
    counts = [max(1, round(t * config.fps)) for pair in zip(holds, blends, strict=True) for t in pair]
    counts[-1] += round(config.duration * config.fps) - sum(counts)
    while counts[-1] < 1:  # the last key frame overshot: take the missing frames from the holds before it
        i = max(range(0, len(counts) - 1, 2), key=lambda k: counts[k])
        counts[i] -= 1
        counts[-1] += 1
    holds, blends = [c / config.fps for c in counts[0::2]], [c / config.fps for c in counts[1::2]]

    def grounded(frame: np.ndarray) -> np.ndarray:
        frame[FreeBase.QUAT] /= np.linalg.norm(frame[FreeBase.QUAT])
        return place_on_ground(model, robot, frame)

    return blend_clip(poses, holds, blends, config.fps, grounded)


def motion_reference(model: mujoco.MjModel, robot: Robot, seed: int, config: MotionConfig = MotionConfig()) -> Reference:
    """The motion drawn from ``seed`` (:func:`random_motion`) with its derived targets and sensor values."""
    return build_reference(model, robot, random_motion(model, robot, seed, config), config.fps)
