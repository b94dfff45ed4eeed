"""Python's cyclic garbage collector kept out of the real-time loops, and its pauses counted.

A full collection walks every object the process holds with the interpreter lock taken, so every thread (the
plant, ``deploy``'s command loop, the planner) waits for it; after start-up a controller's process holds a few
hundred thousand (JAX, MuJoCo, the compiled stages). :func:`collector_frozen` collects once before a loop and
freezes what is alive then (``gc.freeze``), so the collections during the loop walk only what the loop itself
allocates, and times each of them.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class CollectorPauses:
    """The cyclic collections that ran during a loop: how many, how many were full (generation 2), and how long
    they held the interpreter (s); ``frozen`` objects were set aside before it."""

    collections: int = 0
    full_collections: int = 0
    total: float = 0.0
    longest: float = 0.0
    frozen: int = 0

    def add(self, generation: int, seconds: float) -> None:
        self.collections += 1
        self.full_collections += generation == 2
        self.total += seconds
        self.longest = max(self.longest, seconds)

    def summary(self) -> dict:
        return {"gc_collections": self.collections, "gc_full_collections": self.full_collections,
                "gc_pause_total_ms": self.total * 1e3, "gc_pause_max_ms": self.longest * 1e3,
                "gc_frozen_objects": self.frozen}


@contextmanager
def collector_frozen(pauses: CollectorPauses | None = None) -> Iterator[CollectorPauses]:
    """Collect, freeze every live object, and time each collection until the block ends (then unfreeze).

    ``pauses``: the record to add to (a new one otherwise); it is yielded either way."""
    pauses = pauses if pauses is not None else CollectorPauses()
    started = 0.0

    def on_collection(phase: str, info: dict) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        else:
            pauses.add(info["generation"], time.perf_counter() - started)

    gc.collect()
    gc.freeze()
    pauses.frozen = gc.get_freeze_count()
    gc.callbacks.append(on_collection)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(on_collection)
        gc.unfreeze()
