"""Tasks, one file per task; :mod:`g1mpc.registry` lists them by name."""
