"""Expert dataset shards: one ``.npz`` per episode, written atomically, validated on load."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from g1mpc.atomic import atomic_write
from g1mpc.errors import UserError

SHARD_GLOB = "shard-*.npz"


def shard_path(directory: str | Path, index: int) -> Path:
    return Path(directory) / f"shard-{index:05d}.npz"


def write_shard(path: str | Path, features: np.ndarray, knots: np.ndarray, metadata: dict,
                warm_starts: np.ndarray | None = None) -> None:
    """features (T, F), knots (T, K, nu), JSON metadata and, optionally, the plan (T, K, nu) each labelled
    update started from; temp file + rename."""
    extra = {} if warm_starts is None else {"warm_starts": np.asarray(warm_starts, np.float32)}
    with atomic_write(path) as f:
        np.savez(
            f,
            features=np.asarray(features, np.float32),
            knots=np.asarray(knots, np.float32),
            metadata=np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8),
            **extra,
        )


def read_shard(path: str | Path) -> tuple[np.ndarray, np.ndarray, dict]:
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            features, knots = npz["features"], npz["knots"]
            metadata = json.loads(npz["metadata"].tobytes().decode())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, json.JSONDecodeError) as exc:
        raise UserError(
            f"dataset shard '{path}' is unreadable ({type(exc).__name__}); delete it and re-run 'g1mpc collect' to redo that episode"
        ) from None
    if features.ndim != 2 or knots.ndim != 3 or len(features) != len(knots):
        raise UserError(f"dataset shard '{path}' has inconsistent shapes {features.shape} / {knots.shape}; delete it and re-collect")
    if not (np.all(np.isfinite(features)) and np.all(np.isfinite(knots))):
        raise UserError(f"dataset shard '{path}' contains non-finite values; delete it and re-collect")
    return features, knots, metadata


def load_dataset(directory: str | Path) -> tuple[list[np.ndarray], list[np.ndarray], dict]:
    """All shards of a directory: per-episode features and knots, plus the common metadata."""
    directory = Path(directory)
    paths = sorted(directory.glob(SHARD_GLOB)) if directory.is_dir() else []
    if not paths:
        raise UserError(f"--data: no dataset shards ({SHARD_GLOB}) in '{directory}'; run 'g1mpc collect --out {directory}' first")
    features, knots, meta = [], [], None
    for path in paths:
        f, k, m = read_shard(path)
        if meta is not None and m.get("task_spec") != meta.get("task_spec"):
            raise UserError(f"dataset shard '{path}' was collected for another task spec than '{paths[0]}'; keep one task per directory")
        meta = meta or m
        if len(f):
            features.append(f)
            knots.append(k)
    if not features:
        raise UserError(f"--data: the shards in '{directory}' hold no samples; collect more episodes")
    return features, knots, meta


def load_warm_starts(directory: str | Path) -> list[np.ndarray | None]:
    """Per non-empty shard, in :func:`load_dataset`'s order: the stored warm starts (T, K, nu), or None for a
    shard collected without them (its expert started every update from its own previous label)."""
    plans = []
    for path in sorted(Path(directory).glob(SHARD_GLOB)):
        with np.load(path, allow_pickle=False) as npz:
            if len(npz["features"]):
                plans.append(np.asarray(npz["warm_starts"]) if "warm_starts" in npz.files else None)
    return plans
