"""Robot descriptions, one file per robot; :mod:`g1mpc.registry` lists them by name."""
