#!/usr/bin/env python
"""Run the hybrid G1 controller from the ahead-of-time compiled pipeline (no compile work at run time)."""

import sys

from g1mpc import model_file
from g1mpc.paths import precompiled_dir_in

if __name__ == "__main__":
    model_file.start(precompiled_dir_in(sys.argv[1:]))  # read the last-used model while JAX imports
    from g1mpc.cli import run_policy_aot_main

    sys.exit(run_policy_aot_main())
