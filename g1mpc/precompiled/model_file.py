"""Stored MuJoCo models: where a precompiled directory keeps them, and reading one with its digest.

A precompiled build's model is about 80 MB (the G1's meshes and their bounding-volume hierarchies), stored
once per content and named by its SHA-256; the loader uses it only if the digest of the very bytes MuJoCo
read is the one its build names.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

MODELS = "models"


def model_path(precompiled_dir: str | Path, digest: str) -> Path:
    """Where a model of SHA-256 ``digest`` is stored (once per content)."""
    return Path(precompiled_dir) / MODELS / f"{digest}.mjb"


def read_model_file(path: Path) -> tuple[Any, str]:
    """(MjModel or the exception loading raised, SHA-256 of the bytes read): MuJoCo loads from the open file
    while another thread hashes the same file (one inode: what is hashed is what was loaded).

    Raises FileNotFoundError when there is no such file.
    """
    import mujoco

    with open(path, "rb") as handle:
        digest: list[str] = []
        hasher = threading.Thread(target=lambda: digest.append(
            hashlib.sha256(os.pread(handle.fileno(), os.fstat(handle.fileno()).st_size, 0)).hexdigest()))
        hasher.start()
        proc_path = f"/proc/self/fd/{handle.fileno()}"
        try:
            model: Any = mujoco.MjModel.from_binary_path(proc_path if os.path.exists(proc_path) else str(path))
        except Exception as exc:  # a damaged file: the caller rebuilds, saying why
            model = exc
        hasher.join()
    return model, digest[0]
