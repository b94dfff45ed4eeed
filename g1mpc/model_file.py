"""Reading a stored MuJoCo model with its digest, and reading it ahead while JAX imports.

A precompiled build's model is about 80 MB (the G1's meshes and their bounding-volume hierarchies). The
AOT path's start-up would wait for it after importing JAX; instead ``run_policy_aot.py`` starts reading
the model it loaded last in a thread before JAX is imported (MuJoCo and hashlib release the GIL, so the
read runs on the second core beside the import). The loader takes the prefetched model only if its digest,
computed on the very bytes MuJoCo read, is the one its build names.

This module imports MuJoCo only inside its functions, so starting the prefetch costs nothing up front.
"""

from __future__ import annotations

import copy
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

MODELS = "models"
LAST_USED = ".last"


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


def remember_last_used(precompiled_dir: str | Path, digest: str) -> None:
    """Record the model a run loaded, for the next run's prefetch (best effort)."""
    last = Path(precompiled_dir) / MODELS / LAST_USED
    try:
        if not last.is_file() or last.read_text() != digest:
            tmp = last.with_name(f"{LAST_USED}.{os.getpid()}")
            tmp.write_text(digest)
            os.replace(tmp, last)
    except OSError:
        pass


class ModelPrefetch:
    """Reads the last-used model of a precompiled directory in a thread, with its digest and a copy for the planner."""

    def __init__(self, precompiled_dir: str | Path):
        self._result: tuple[Any, Any, str] | None = None
        try:
            digest = (Path(precompiled_dir) / MODELS / LAST_USED).read_text().strip()
        except OSError:
            self._thread = None
            return
        self._thread = threading.Thread(target=self._read, args=(model_path(precompiled_dir, digest),), daemon=True)
        self._thread.start()

    def _read(self, path: Path) -> None:
        try:
            model, digest = read_model_file(path)
            if not isinstance(model, Exception):
                self._result = (model, copy.deepcopy(model), digest)
        except Exception:
            self._result = None  # nothing prefetched: the loader reads the model itself

    def take(self, digest: str) -> tuple[Any, Any] | None:
        """(plant model, a copy of it) if the prefetched model's bytes have SHA-256 ``digest``, else None."""
        if self._thread is None:
            return None
        self._thread.join()
        result, self._result = self._result, None
        if result is None or result[2] != digest:
            return None
        return result[0], result[1]


_started: ModelPrefetch | None = None


def start(precompiled_dir: str | Path) -> None:
    """Start prefetching the last-used model of ``precompiled_dir`` (the AOT script calls this first)."""
    global _started
    _started = ModelPrefetch(precompiled_dir)


def take_prefetched(digest: str) -> tuple[Any, Any] | None:
    """The prefetched (plant, copy) if one was started and matches ``digest``; each is handed out once."""
    global _started
    prefetch, _started = _started, None
    return prefetch.take(digest) if prefetch is not None else None
