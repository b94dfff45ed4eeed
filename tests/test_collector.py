"""The cyclic collector kept out of the real-time loops: what is alive before a loop is frozen, and every
collection during it is counted."""

import gc
import weakref

from g1mpc.common.collector import CollectorPauses, collector_frozen
from g1mpc.running.loop import run_loop
from g1mpc.running.sim import SimConfig


class Node:
    def __init__(self):
        self.other = self


def test_objects_alive_before_the_loop_are_set_aside_and_collections_during_it_are_counted():
    alive = [[i] for i in range(50_000)]  # tracked containers a full collection would walk
    with collector_frozen() as pauses:
        assert gc.get_freeze_count() >= len(alive)
        assert len(gc.get_objects(2)) < len(alive)  # a full collection no longer walks them
        cycle = Node()  # garbage made during the loop is still collected
        gone = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert gone() is None
    assert pauses.collections >= 1 and pauses.full_collections >= 1
    assert 0 < pauses.longest <= pauses.total
    assert pauses.frozen >= len(alive)
    assert gc.get_freeze_count() == 0  # unfrozen after the block
    counted = pauses.collections
    gc.collect()  # and collections after it are no longer counted
    assert pauses.collections == counted


def test_pauses_add_up_into_the_summary():
    pauses = CollectorPauses()
    pauses.add(0, 0.001)
    pauses.add(2, 0.004)
    s = pauses.summary()
    assert s["gc_collections"] == 2 and s["gc_full_collections"] == 1
    assert abs(s["gc_pause_total_ms"] - 5.0) < 1e-9 and abs(s["gc_pause_max_ms"] - 4.0) < 1e-9


def test_the_asynchronous_loop_runs_with_the_heap_frozen_and_reports_the_pauses(small_assembly):
    sim = small_assembly.simulation(SimConfig(duration=0.3, print_every=0, loop="async"))
    result = run_loop(sim, small_assembly.controller(), log=None)
    summary = result.summary()
    assert summary["gc_frozen_objects"] > 10_000  # JAX, MuJoCo and the stages were set aside before the loop
    assert gc.get_freeze_count() == 0
