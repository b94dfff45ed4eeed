"""Controllers to measure g1mpc against: published learned policies, run in the project's simulation loop."""
