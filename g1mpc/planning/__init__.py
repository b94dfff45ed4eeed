"""The planner: pure JAX planning math (splines, sampling planners, cost, the stages), rollout backends and the controller."""
