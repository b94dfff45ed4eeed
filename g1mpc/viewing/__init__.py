"""Looking at a run: the local MuJoCo viewer, offscreen rendering and video, plots, and the browser view (``web``)."""
