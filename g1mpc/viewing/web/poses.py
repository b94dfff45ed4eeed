"""Body poses for the browser's scene graph: each body a child of its parent body, so a frame sends a body's
pose relative to its parent. A hinge joint's child keeps its position in the parent, so while the robot moves
most frames send only the orientations of the joints that turned, and the root's pose."""

from __future__ import annotations

import mujoco
import numpy as np


def scene_paths(model: mujoco.MjModel, bodies: list[int], root: str) -> dict[int, str]:
    """Scene-node paths for ``bodies`` and their ancestors (world excluded), parents before children:
    ``{body: f"{root}/b{ancestor}/.../b{body}"}``."""
    paths: dict[int, str] = {}

    def path(b: int) -> str:
        if b not in paths:
            parent = int(model.body_parentid[b])
            paths[b] = f"{path(parent) if parent != 0 else root}/b{b}"
        return paths[b]

    for b in bodies:
        path(b)
    return dict(sorted(paths.items(), key=lambda item: item[1].count("/")))


def _conjugate(q: np.ndarray) -> np.ndarray:
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def _multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton products of (n, 4) quaternions w, x, y, z."""
    aw, ax, ay, az = a.T
    bw, bx, by, bz = b.T
    return np.stack([aw * bw - ax * bx - ay * by - az * bz, aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx, aw * bz + ax * by - ay * bx + az * bw], axis=1)


def _rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(n, 3) vectors ``v`` rotated by (n, 4) unit quaternions ``q``."""
    u, w = q[:, 1:], q[:, :1]
    t = 2.0 * _cross(u, v)
    return v + w * t + _cross(u, t)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross products of (n, 3) arrays (``np.cross`` costs several times more on a robot's few bodies)."""
    ax, ay, az = a.T
    bx, by, bz = b.T
    return np.stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], axis=1)


def local_poses(parents: np.ndarray, xpos: np.ndarray, xquat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every body's pose in its parent's frame from world poses (xpos (nbody, 3), xquat (nbody, 4) as in
    ``MjData``; ``parents`` (nbody,) is ``model.body_parentid``): positions (nbody, 3) and quaternions (nbody, 4).
    A child of the world keeps its world pose."""
    parent_quat = xquat[parents]
    inverse = _conjugate(parent_quat)
    pos = _rotate(inverse, xpos - xpos[parents])
    quat = _multiply(inverse, xquat)
    return pos, quat
