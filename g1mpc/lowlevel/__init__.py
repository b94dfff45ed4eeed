"""The G1's low-level interface: ``rt/lowstate`` and ``rt/lowcmd`` over DDS, a simulated robot behind them
(:mod:`.robot_sim`), and the controller that drives a robot through them (:mod:`.deploy`)."""
