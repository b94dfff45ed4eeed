"""benchmarks/bench_vs_policy.py: an entry names the controller, its settings, the plant and the gains."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_vs_policy import evaluation_of, parse_entry  # noqa: E402


def test_controller_settings_after_commas_reach_the_run_config():
    entry = parse_entry("hybrid:64:8,planner=mppi,calm_noise=0.25@as_built")
    controller = evaluation_of(entry, 400.0, 20.0).config.controller
    assert (entry["plant"], entry["gains"], entry["samples"], entry["elites"]) == ("as_built", "model", 64, 8)
    assert (controller.planner, controller.calm_noise, controller.num_samples) == ("mppi", 0.25, 64)
    plain = evaluation_of(parse_entry("hybrid:16@nominal"), 400.0, 20.0).config.controller
    assert (plain.planner, plain.calm_noise, plain.num_elites) == ("cem", 1.0, 2)  # ControllerConfig's defaults


def test_planner_model_fields_after_a_planner_prefix_reach_the_planner_model():
    config = evaluation_of(parse_entry("hybrid:64:8,planner=mppi,planner.timestep=0.02,iterations=2@nominal"), 150.0, 20.0).config
    assert (config.planner_model.timestep, config.planner_model.iterations) == (0.02, 3)  # the model's solver untouched
    assert (config.controller.planner, config.controller.iterations) == ("mppi", 2)  # a plain name is the controller's
    assert evaluation_of(parse_entry("hybrid:64@nominal"), 150.0, 20.0).config.planner_model.timestep == 0.04


def test_cost_weights_and_task_fields_after_their_prefixes_reach_the_task():
    task = evaluation_of(parse_entry("hybrid:64:8,weights.feet_stay=1000,task.stay_margin=0.05@nominal"), 150.0, 20.0).config.task
    assert (task.weights.feet_stay, task.stay_margin, task.weights.joints) == (1000.0, 0.05, 1.0)
    assert evaluation_of(parse_entry("hybrid:64@nominal"), 150.0, 20.0).config.task.weights.feet_stay == 0.0


@pytest.mark.parametrize("entry, message", [("hybrid:64:8,no_such_field=1@nominal", "unknown field 'no_such_field'"),
                                            ("walk:64@nominal", "is not ppo, fastsac or MODE"),
                                            ("hybrid:64,planner.no_such=1@nominal", "unknown field 'no_such'"),
                                            ("hybrid:64,weights.no_such=1@nominal", "unknown field 'no_such'"),
                                            ("hybrid:64,task.sole=0.1@nominal", "field 'sole' holds a tuple"),
                                            ("hybrid:64", "is not CONTROLLER@PLANT")])
def test_a_bad_entry_ends_the_script_with_one_line_naming_the_flag(entry, message):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks/bench_vs_policy.py"), "--entries", entry,
                             "--report_only", "--out", "/nonexistent"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "--entries" in last and message in last
