"""Expert dataset shards: one ``.npz`` per episode, written atomically, validated on load."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from g1mpc.common.atomic import atomic_write
from g1mpc.common.errors import UserError

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


def _read(path: Path) -> tuple[np.ndarray, np.ndarray, dict, np.ndarray | None]:
    """A shard's features, knots, metadata and warm starts (None where it has none), validated."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            features, knots = npz["features"], npz["knots"]
            metadata = json.loads(npz["metadata"].tobytes().decode())
            warm_starts = npz["warm_starts"] if "warm_starts" in npz.files else None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, json.JSONDecodeError) as exc:
        raise UserError(
            f"dataset shard '{path}' is unreadable ({type(exc).__name__}); delete it and re-run 'g1mpc collect' to redo that episode"
        ) from None
    if features.ndim != 2 or knots.ndim != 3 or len(features) != len(knots) or (
            warm_starts is not None and warm_starts.shape != knots.shape):
        shapes = f"{features.shape} / {knots.shape}" + ("" if warm_starts is None else f" / {warm_starts.shape}")
        raise UserError(f"dataset shard '{path}' has inconsistent shapes {shapes}; delete it and re-collect")
    if not all(np.all(np.isfinite(a)) for a in (features, knots, warm_starts) if a is not None):
        raise UserError(f"dataset shard '{path}' contains non-finite values; delete it and re-collect")
    return features, knots, metadata, warm_starts


def read_shard(path: str | Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """A shard's features (T, F), knots (T, K, nu) and metadata, validated."""
    return _read(Path(path))[:3]


class Episodes(NamedTuple):
    """Every non-empty shard of a directory, in shard order, and the metadata they share."""

    features: list[np.ndarray]  # per episode (T, F)
    knots: list[np.ndarray]  # per episode (T, K, nu)
    metadata: dict
    warm_starts: list[np.ndarray | None]  # per episode (T, K, nu): the plan each update started from; None if not recorded


def load_episodes(directory: str | Path) -> Episodes:
    """All shards of a directory, read once; one clear error for a missing, empty or mixed directory."""
    directory = Path(directory)
    paths = sorted(directory.glob(SHARD_GLOB)) if directory.is_dir() else []
    if not paths:
        raise UserError(f"--data: no dataset shards ({SHARD_GLOB}) in '{directory}'; run 'g1mpc collect --out {directory}' first")
    episodes, meta = Episodes([], [], {}, []), None
    for path in paths:
        f, k, m, w = _read(path)
        if meta is not None and m.get("task_spec") != meta.get("task_spec"):
            raise UserError(f"dataset shard '{path}' was collected for another task spec than '{paths[0]}'; keep one task per directory")
        meta = meta or m
        if len(f):
            episodes.features.append(f)
            episodes.knots.append(k)
            episodes.warm_starts.append(w)
    if not episodes.features:
        raise UserError(f"--data: the shards in '{directory}' hold no samples; collect more episodes")
    return episodes._replace(metadata=meta)


def load_dataset(directory: str | Path) -> tuple[list[np.ndarray], list[np.ndarray], dict]:
    """All shards of a directory: per-episode features and knots, plus the common metadata."""
    return tuple(load_episodes(directory)[:3])
