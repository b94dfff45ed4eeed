#!/usr/bin/env python
"""Run the G1 controller with the planner compiled just in time (NN-only, --hybrid or --cem_only)."""

import sys

from g1mpc.cli import run_policy_main

if __name__ == "__main__":
    sys.exit(run_policy_main())
