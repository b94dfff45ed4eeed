"""Interactive MuJoCo viewer (passive mode) with an optional translucent reference ghost."""

from __future__ import annotations

import threading
import time

import mujoco
import numpy as np

GHOST_RGBA = (0.2, 1.0, 0.3, 0.35)  # translucent green: stands out from the robot and the blue floor


def add_ghost(model: mujoco.MjModel, ghost_data: mujoco.MjData, scene: mujoco.MjvScene, qpos: np.ndarray) -> None:
    """Append the robot's geoms at ``qpos`` to ``scene`` as translucent geoms."""
    ghost_data.qpos[:] = qpos
    mujoco.mj_kinematics(model, ghost_data)
    start = scene.ngeom
    option = mujoco.MjvOption()
    option.geomgroup[:] = 1
    mujoco.mjv_addGeoms(model, ghost_data, option, mujoco.MjvPerturb(), mujoco.mjtCatBit.mjCAT_DYNAMIC, scene)
    for i in range(start, scene.ngeom):
        scene.geoms[i].rgba[:] = GHOST_RGBA
        scene.geoms[i].segid = -1


class PassiveViewer:
    """Shows the simulation; ``update`` returns False once the window is closed."""

    def __init__(self, model: mujoco.MjModel, data: mujoco.MjData, show_reference: bool = False,
                 track_body: str = "pelvis"):
        import mujoco.viewer

        self.model, self.data, self.show_reference = model, data, show_reference
        self.ghost = mujoco.MjData(model)
        before = set(threading.enumerate())
        self.handle = mujoco.viewer.launch_passive(model, data, show_left_ui=False, show_right_ui=False)
        self._threads = [t for t in threading.enumerate() if t not in before]  # the viewer's render thread
        with self.handle.lock():  # follow the root body from a distance that shows the whole robot
            self.handle.cam.type = mujoco.mjtCamera.mjCAMERA_TRACKING
            self.handle.cam.trackbodyid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, track_body)
            self.handle.cam.distance, self.handle.cam.azimuth, self.handle.cam.elevation = 3.0, 135.0, -15.0

    def update(self, data: mujoco.MjData, reference_qpos: np.ndarray) -> bool:
        if not self.handle.is_running():
            return False
        with self.handle.lock():
            self.handle.user_scn.ngeom = 0
            if self.show_reference:
                add_ghost(self.model, self.ghost, self.handle.user_scn, reference_qpos)
        self.handle.sync()
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Ask the viewer thread to close its window and wait until it has."""
        self.handle.close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:  # let the render loop finish before the interpreter tears down
            thread.join(max(deadline - time.monotonic(), 0.0))
