"""Running the controller: the run configuration, its assembly, the simulated robot, both loops, sizing, sessions, evaluation."""
