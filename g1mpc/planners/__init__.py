"""Sampling planners over spline knots, behind one interface."""

from g1mpc.planners.base import PlannerState, SamplingPlanner
from g1mpc.planners.cem import CEM
from g1mpc.planners.mppi import MPPI
from g1mpc.planners.predictive_sampling import PredictiveSampling

PLANNERS = {"cem": CEM, "mppi": MPPI, "ps": PredictiveSampling}

__all__ = ["CEM", "MPPI", "PLANNERS", "PlannerState", "PredictiveSampling", "SamplingPlanner"]
