"""Counts, in one run, the states the push observer saw within its last prediction's path, past its end, or with
none, and how many of each gave an estimate above the deadband; runs a script in the same process.

    python benchmarks/screens/observer_probe.py run_policy_aot.py --headless --quiet --duration 10 --push_force 400 --seed 2341

Prints ``OBSERVER states: {...} estimates out of the deadband: {...}`` on stderr at exit.
"""

import atexit
import collections
import runpy
import sys

import numpy as np

from g1mpc.planning import push_observer

states: collections.Counter = collections.Counter()
fired: collections.Counter = collections.Counter()
observed = push_observer.PushObserver.update


def counted_update(self, time, base_velocity):
    if self._path is None:
        kind = "no path"
    else:
        step, last = int(round((time - self._path_time) / self._path_dt)), len(self._path) - 1
        kind = "within" if 1 <= step <= last else "past end <= 2x" if last < step <= 2 * last else "other"
    states[kind] += 1
    estimate = observed(self, time, base_velocity)
    fired[kind] += bool(np.any(estimate != 0))
    return estimate


push_observer.PushObserver.update = counted_update
atexit.register(lambda: print(f"OBSERVER states: {dict(states)} estimates out of the deadband: {dict(fired)}", file=sys.stderr))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
