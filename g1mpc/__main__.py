"""``python -m g1mpc``: the command line."""

import sys

from g1mpc.cli import main

sys.exit(main())
