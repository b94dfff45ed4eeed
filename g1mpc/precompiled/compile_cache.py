"""JAX's persistent compilation cache inside a precompiled directory, and its repair.

JAX writes a cache entry in place (not through a temporary file), so a crash or two processes writing the
same entry can leave one that does not read. JAX then warns, compiles the function and keeps the damaged
file, since it never overwrites an entry: every later load would compile it again. :func:`repairing` removes
such entries after a load that met one, so the next load caches them afresh.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jax

DIRECTORY = "jax_cache"
READ_ERROR = "Error reading persistent compilation cache entry"  # JAX's warning for an entry that does not load


def cache_dir(precompiled_dir: str | Path) -> Path:
    return Path(precompiled_dir).resolve() / DIRECTORY


def enable(precompiled_dir: str | Path) -> None:
    """Point JAX's compilation cache into the precompiled dir (call before anything compiles)."""
    jax.config.update("jax_compilation_cache_dir", str(cache_dir(precompiled_dir)))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def entry_reads(data: bytes) -> bool:
    """Whether a cache file's bytes decompress into an executable and its compile time, as JAX reads them."""
    from jax._src import compilation_cache  # JAX's own reader: the cache format is JAX's, not ours

    try:
        compilation_cache.extract_executable_and_time(compilation_cache.decompress_executable(data))
    except Exception:
        return False
    return True


def remove_unreadable_entries(directory: Path) -> list[str]:
    """Delete the cache files of ``directory`` that do not read; returns their names."""
    removed = []
    for path in sorted(directory.glob("*-cache")):
        try:
            if not entry_reads(path.read_bytes()):
                path.unlink(missing_ok=True)
                removed.append(path.name)
        except FileNotFoundError:  # removed meanwhile by another process's repair
            continue
    return removed


@dataclass
class CacheRepair:
    """What :func:`repairing` found: whether JAX met an unreadable entry, and the files it removed."""

    directory: Path
    met_damage: bool = False
    removed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Header lines for the run's log (none when the cache read cleanly)."""
        if self.removed:
            return [f"removed {len(self.removed)} unreadable entries of JAX's compilation cache ({self.directory}); "
                    "they were compiled, and the next run caches them again"]
        if self.met_damage:
            return [f"JAX could not read an entry of its compilation cache ({self.directory}) and compiled it; "
                    "if this repeats, delete that directory"]
        return []


@contextmanager
def repairing(precompiled_dir: str | Path) -> Iterator[CacheRepair]:
    """Run a load; if JAX met an unreadable cache entry in it, remove the unreadable entries afterwards.

    Yields the :class:`CacheRepair` filled in on leaving. Other warnings are passed on unchanged.
    """
    repair = CacheRepair(cache_dir(precompiled_dir))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield repair
        finally:
            passed_on = [w for w in caught if READ_ERROR not in str(w.message)]
            repair.met_damage = len(passed_on) < len(caught)
    for w in passed_on:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if repair.met_damage:
        repair.removed.extend(remove_unreadable_entries(repair.directory))
