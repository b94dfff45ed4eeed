"""Choose MuJoCo's offscreen GL backend before MuJoCo is imported (no heavy imports here)."""

from __future__ import annotations

import ctypes
import os

_LIBRARIES = {"egl": ("libEGL.so.1", "libEGL.so"), "osmesa": ("libOSMesa.so.8", "libOSMesa.so")}


def _loadable(names: tuple[str, ...]) -> bool:
    for name in names:
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def headless_backend() -> str | None:
    """EGL, else OSMesa, whichever library this machine has; None when it has neither."""
    return next((gl for gl, names in _LIBRARIES.items() if _loadable(names)), None)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def gl_settled() -> bool:
    """True where MuJoCo has a GL backend to use: a display, or MUJOCO_GL set (by the user or below)."""
    return "MUJOCO_GL" in os.environ or has_display()


def choose_for_headless() -> None:
    """Set MUJOCO_GL for a machine without a display, unless the user set it.

    Where neither EGL nor OSMesa is installed it stays unset: setting ``egl`` there would make
    ``import mujoco`` itself fail, although physics needs no GL.
    """
    if gl_settled():
        return
    backend = headless_backend()
    if backend is not None:
        os.environ["MUJOCO_GL"] = backend
