import json

import numpy as np
import pytest

from g1mpc.cli import main
from g1mpc.running.sim import SimConfig


def test_headless_cem_run_stays_up_and_reports(tmp_path, capsys):
    report = tmp_path / "run.json"
    code = main(["run", "--cem_only", "--headless", "--duration", "0.5", "--num_samples", "8", "--num_elites", "2",
                 "--plan_horizon", "0.2", "--no_realtime", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    assert "[summary]" in out and "achieved" in out
    data = json.loads(report.read_text())
    assert data["summary"]["cycles"] == 25
    assert data["summary"]["falls"] == 0
    assert data["summary"]["joint_rms_rad"] < 0.1
    assert len(data["cycles"]) == 25 and all(c["total"] > 0 for c in data["cycles"])


def test_pushes_are_applied_and_falls_detected(small_assembly):
    a = small_assembly

    class Hold:
        """Holds the reference servo targets: a planner-free baseline."""

        def plan(self, t, qpos, qvel):
            from g1mpc.running.sim import reference_frame

            return np.repeat(reference_frame(a.reference, t)[7:][None], 10, axis=0), type(
                "T", (), {"total": 0.0, "nn": 0.0, "cem": 0.0, "other": 0.0})()

        def reset(self, *args):
            pass

    from g1mpc.running.sim import PushConfig

    sim = a.simulation(SimConfig(duration=3.0, realtime=False, print_every=0,
                                 pushes=PushConfig(force=600.0, interval=1.0, duration=0.2)))
    result = sim.run(Hold(), log=None)
    assert result.push_times and abs(result.push_times[0] - 1.0) < 0.03
    assert len(result.falls) == 1  # 600 N for 0.2 s topples an open-loop stance


def test_push_schedule_is_what_the_simulation_applies(small_assembly):
    """PushConfig.schedule (what the push-direction benchmark reads) gives the forces the simulation applies."""
    from g1mpc.running.sim import PushConfig

    pushes = PushConfig(force=300.0, seed=301)
    sim = small_assembly.simulation(SimConfig(duration=9.0, realtime=False, print_every=0, pushes=pushes))
    schedule = pushes.schedule(9.0)
    assert [t for t, _ in schedule] == [2.0, 4.0, 6.0, 8.0]
    assert len(PushConfig(seed=1).schedule(20.0)) == 9  # at 2, 4, ... 18 s
    for t, angle in schedule:
        force = sim._push_force(t + 0.05)
        np.testing.assert_allclose(force, 300.0 * np.array([np.cos(angle), np.sin(angle), 0.0]))
        assert sim._push_force(t + 0.15) is None  # 0.1 s long


def test_push_directions_restrict_the_forces(small_assembly):
    """--push_directions 90 270: every applied push is along +y or -y, both occur, and the draw is the seed's."""
    from g1mpc.common.errors import ConfigError
    from g1mpc.running.sim import PushConfig

    sideways = PushConfig(force=300.0, seed=202, directions=(90.0, 270.0))
    sim = small_assembly.simulation(SimConfig(duration=20.0, realtime=False, print_every=0, pushes=sideways))
    forces = np.array([sim._push_force(t + 0.05) for t, _ in sideways.schedule(20.0)])
    np.testing.assert_allclose(forces[:, [0, 2]], 0.0, atol=1e-9)
    assert set(np.round(forces[:, 1])) == {300.0, -300.0}
    assert sideways.schedule(20.0) == PushConfig(seed=202, directions=(90.0, 270.0)).schedule(20.0)
    assert PushConfig(seed=202).schedule(20.0) != sideways.schedule(20.0)  # unrestricted: any angle
    with pytest.raises(ConfigError, match="--push_directions"):
        PushConfig(directions=(float("nan"),))


@pytest.mark.slow
def test_default_hybrid_rides_out_150N_pushes():
    """The shipped network + 16-sample CEM (the default run) stays up through three 150 N / 0.1 s pushes.

    The benchmark measures fall rates over many seeds; this checks the shipped defaults on one.
    """
    from g1mpc.common.paths import DEFAULT_CHECKPOINT
    from g1mpc.network.torch_mlp import load_network
    from g1mpc.planning.controller import ControllerConfig
    from g1mpc.running.assembly import assemble
    from g1mpc.running.config import RunConfig
    from g1mpc.running.sim import PushConfig

    a = assemble(RunConfig(controller=ControllerConfig(mode="hybrid")), nthread=2)
    try:
        assert (a.config.controller.num_samples, a.config.controller.num_elites) == (64, 8)
        ctl = a.controller(load_network(DEFAULT_CHECKPOINT, a.network_spec()))
        sim = a.simulation(SimConfig(duration=6.5, realtime=False, print_every=0,
                                     pushes=PushConfig(force=150.0, interval=2.0, duration=0.1)))
        ctl.reset(a.reference.ctrl[0])
        result = sim.run(ctl, log=None)
    finally:
        a.close()
    assert len(result.push_times) == 3
    assert result.falls == []
    rms = np.sqrt(np.mean([c.joint_rms**2 for c in result.cycles]))
    assert rms < 0.03, rms  # CEM alone at 16 samples tracks at ~0.07 rad
