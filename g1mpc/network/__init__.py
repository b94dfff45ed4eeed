"""The knot-predicting network: the PyTorch MLP and its checkpoints, and the same MLP evaluated in JAX by the planner."""
