"""Offscreen rendering (EGL or OSMesa): frames with the reference ghost, recorded to a video."""

from __future__ import annotations

import os
from pathlib import Path

import mujoco
import numpy as np

from g1mpc.common.errors import UserError
from g1mpc.robots.base import FreeBase
from g1mpc.viewing.gl_backend import gl_settled
from g1mpc.viewing.viewer import add_ghost

TRACKING_CAMERA = "track"


def ensure_offscreen_backend() -> None:
    """Fail with a clear line where offscreen rendering cannot work: no display, no EGL, no OSMesa.

    Importing g1mpc already set MUJOCO_GL wherever EGL or OSMesa exists, so an unset one here means neither.
    """
    if not gl_settled():
        raise UserError("offscreen rendering: no display and neither libEGL nor libOSMesa here; "
                        "install one (Debian: apt install libegl1 libegl-mesa0) or set MUJOCO_GL")


class FrameRenderer:
    """Renders the robot (and optionally the reference ghost) from a camera that follows the root body."""

    def __init__(self, model: mujoco.MjModel, width: int = 640, height: int = 480, camera: str = TRACKING_CAMERA,
                 show_reference: bool = True):
        ensure_offscreen_backend()
        if camera != TRACKING_CAMERA and mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
            cams = [model.camera(i).name for i in range(model.ncam)]
            raise UserError(f"--camera: unknown camera '{camera}'; use '{TRACKING_CAMERA}' or one of {cams}")
        model.vis.global_.offwidth = max(model.vis.global_.offwidth, width)
        model.vis.global_.offheight = max(model.vis.global_.offheight, height)
        self.model, self.camera_name, self.show_reference = model, camera, show_reference
        self.renderer = mujoco.Renderer(model, height, width)
        # Software GL (llvmpipe) on servers: shadows and reflections dominate the frame time.
        self.renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = False
        self.renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = False
        self.ghost = mujoco.MjData(model)
        self.camera = mujoco.MjvCamera()
        self.camera.type = mujoco.mjtCamera.mjCAMERA_FREE
        self.camera.distance, self.camera.azimuth, self.camera.elevation = 3.0, 135.0, -15.0

    def render(self, data: mujoco.MjData, reference_qpos: np.ndarray | None) -> np.ndarray:
        if self.camera_name == TRACKING_CAMERA:
            self.camera.lookat[:] = data.qpos[FreeBase.POSITION] - np.array([0.0, 0.0, 0.2])
            self.renderer.update_scene(data, self.camera)
        else:
            self.renderer.update_scene(data, self.camera_name)
        if self.show_reference and reference_qpos is not None:
            add_ghost(self.model, self.ghost, self.renderer.scene, reference_qpos)
        return self.renderer.render().copy()

    def close(self) -> None:
        self.renderer.close()


class VideoRecorder:
    """Samples the simulation at ``fps`` (simulated time) and writes an mp4 (H.264 via imageio-ffmpeg)."""

    def __init__(self, path: str | Path, frames: FrameRenderer, fps: float = 30.0):
        import imageio.v2 as imageio

        self.path = Path(path)
        # frames go to a temporary file next to the target, renamed into place on close
        self.partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix or '.mp4'}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            open(self.partial, "wb").close()  # fail now, not at the first frame, if the place is not writable
            self.writer = imageio.get_writer(self.partial, fps=fps, codec="libx264", quality=7, macro_block_size=1)
        except Exception as exc:
            raise UserError(f"--record: cannot write video '{path}' ({type(exc).__name__}: {exc}); choose a writable .mp4 path") from None
        self.frames, self.period, self.next_time, self.count = frames, 1.0 / fps, None, 0

    def __call__(self, data: mujoco.MjData, reference_qpos: np.ndarray) -> bool:
        if self.next_time is None:
            self.next_time = data.time
        while data.time + 1e-9 >= self.next_time:
            self.writer.append_data(self.frames.render(data, reference_qpos))
            self.count += 1
            self.next_time += self.period
        return True

    def close(self) -> None:
        self.writer.close()
        self.frames.close()
        if self.count:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)
