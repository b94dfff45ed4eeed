"""Sampling planners over spline knots, behind one interface."""

from g1mpc.planning.planners.base import PlannerState, SamplingPlanner
from g1mpc.planning.planners.cem import CEM
from g1mpc.planning.planners.mppi import MPPI
from g1mpc.planning.planners.predictive_sampling import PredictiveSampling

PLANNERS = {"cem": CEM, "mppi": MPPI, "ps": PredictiveSampling}

__all__ = ["CEM", "MPPI", "PLANNERS", "PlannerState", "PredictiveSampling", "SamplingPlanner"]
