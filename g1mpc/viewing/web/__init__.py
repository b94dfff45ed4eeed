"""The browser view (``--viewer web``): the scene, the planner's traces, live plots and controls, served by viser."""
