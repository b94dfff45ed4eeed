"""Times every cyclic garbage collection over 5 ms in a whole process (start-up included) and runs a script in it.

    python benchmarks/screens/gc_probe.py run_policy_aot.py --headless --quiet --duration 20 --push_force 400 --seed 2304

Prints ``GC>5ms: [(generation, ms, collected), ...]`` and the objects the collector tracks at exit, on stderr.
"""

import atexit
import gc
import runpy
import sys
import time

slow: list[tuple[int, float, int]] = []
started = 0.0


def on_collection(phase: str, info: dict) -> None:
    global started
    if phase == "start":
        started = time.perf_counter()
    elif time.perf_counter() - started > 0.005:
        slow.append((info["generation"], round((time.perf_counter() - started) * 1e3, 1), info["collected"]))


gc.callbacks.append(on_collection)
atexit.register(lambda: print(f"GC>5ms: {slow} tracked {len(gc.get_objects())}", file=sys.stderr))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
