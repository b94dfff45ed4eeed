"""On ``PYTHONPATH``, runs g1mpc as before its loops froze the heap: ``gc.freeze`` does nothing (the collector's
pauses are still counted). For side-by-side screens only:

    PYTHONPATH=benchmarks/screens/gc_unfrozen python benchmarks/bench_sim2sim.py ...
"""

import gc

gc.freeze = lambda: None
