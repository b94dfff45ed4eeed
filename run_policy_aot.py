#!/usr/bin/env python
"""Run the hybrid G1 controller from the ahead-of-time compiled pipeline (no compile work at run time)."""

import sys

from g1mpc.cli import run_policy_aot_main

if __name__ == "__main__":
    sys.exit(run_policy_aot_main())
