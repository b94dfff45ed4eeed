import json

import numpy as np

from g1mpc.cli import main
from g1mpc.sim import SimConfig, Simulation


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
            from g1mpc.sim import reference_frame

            return np.repeat(reference_frame(a.reference, t)[7:][None], 10, axis=0), type(
                "T", (), {"total": 0.0, "nn": 0.0, "cem": 0.0, "other": 0.0})()

        def reset(self, *args):
            pass

    from g1mpc.sim import PushConfig

    sim = Simulation(a.plant, a.reference, SimConfig(duration=3.0, realtime=False, print_every=0,
                                                     pushes=PushConfig(force=600.0, interval=1.0, duration=0.2)))
    result = sim.run(Hold(), log=None)
    assert result.push_times and abs(result.push_times[0] - 1.0) < 0.03
    assert len(result.falls) == 1  # 600 N for 0.2 s topples an open-loop stance
