"""The precompiled pipeline: same controls as the JIT hybrid, the stored models, no compiles on load.

Damage, staleness and concurrent runs: tests/test_precompiled.py.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--headless", "--no_realtime", "--num_samples", "8", "--num_elites", "2", "--seed", "3", "--warmup", "1"]

# Runs run-aot in a fresh process and counts JAX persistent-cache misses/hits (monitoring events).
COUNT_COMPILES = """
import sys, json, jax.monitoring as m
counts = {"/jax/compilation_cache/cache_misses": 0, "/jax/compilation_cache/cache_hits": 0, "mujoco_compiles": 0}
m.register_event_listener(lambda e, **kw: counts.__setitem__(e, counts[e] + 1) if e in counts else None)
import g1mpc.robots.models as models
_compile = models._compile
def counting_compile(*args):
    counts["mujoco_compiles"] += 1
    return _compile(*args)
models._compile = counting_compile
from g1mpc.cli import main
code = main(["run-aot", *sys.argv[1:]])
counts["torch_imported"] = "torch" in sys.modules
print("COUNTS" + json.dumps(counts))
sys.exit(code)
"""


def _run(script, args, tmp_path):
    out = subprocess.run([sys.executable, *script, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def _aot(args):
    out = subprocess.run([sys.executable, "-c", COUNT_COMPILES, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    counts = json.loads(out.stdout.split("COUNTS")[1])
    return out.stdout, counts


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("aot")
    pre = d / "precompiled"
    stdout, counts = _aot([*SMALL, "--duration", "0.1", "--precompiled_dir", str(pre)])
    assert "building the precompiled pipeline (no precompiled build in" in stdout
    return pre


def test_aot_controls_equal_jit_hybrid_for_50_cycles(built, tmp_path):
    jit_report, aot_report = tmp_path / "jit.json", tmp_path / "aot.json"
    _run(["run_policy.py", "--hybrid"], [*SMALL, "--duration", "1.0", "--report", str(jit_report)], tmp_path)
    _aot([*SMALL, "--duration", "1.0", "--precompiled_dir", str(built), "--report", str(aot_report)])
    jit = json.loads(jit_report.read_text())["cycles"]
    aot = json.loads(aot_report.read_text())["cycles"]
    assert len(jit) == len(aot) == 50
    diff = max(np.abs(np.array(a["ctrl"]) - np.array(b["ctrl"])).max() for a, b in zip(jit, aot))
    assert diff <= 1e-5, f"max control difference {diff}"


def test_aot_with_the_shipped_noise_correlation_rebuilds_and_equals_jit(built, tmp_path):
    """The correlation file is baked into the sampling stage: the build says why it rebuilds, plans as the JIT
    hybrid with the same file, and otherwise than without it."""
    corr = ["--noise_correlation", "shipped", "--noise_shrinkage", "0.5"]
    reports = {name: tmp_path / f"{name}.json" for name in ("jit", "aot", "independent")}
    _run(["run_policy.py", "--hybrid"], [*SMALL, *corr, "--duration", "0.5", "--report", str(reports["jit"])], tmp_path)
    _run(["run_policy.py", "--hybrid"], [*SMALL, "--duration", "0.5", "--report", str(reports["independent"])], tmp_path)
    builds = tmp_path / "precompiled"  # a copy: the shared build directory keeps its one build
    shutil.copytree(built, builds)
    stdout, _ = _aot([*SMALL, *corr, "--duration", "0.5", "--precompiled_dir", str(builds), "--report", str(reports["aot"])])
    assert "another sampling-noise correlation file" in stdout
    jit, aot, independent = (np.array([c["ctrl"] for c in json.loads(reports[n].read_text())["cycles"]])
                             for n in ("jit", "aot", "independent"))
    assert jit.shape == aot.shape == (25, jit.shape[1])
    assert np.abs(jit - aot).max() <= 1e-5
    assert np.abs(jit - independent).max() > 1e-3


def test_second_run_loads_without_compiling(built):
    stdout, counts = _aot([*SMALL, "--duration", "0.2", "--precompiled_dir", str(built)])
    assert "loaded precompiled pipeline" in stdout
    assert counts["/jax/compilation_cache/cache_misses"] == 0
    assert counts["/jax/compilation_cache/cache_hits"] > 0
    assert counts["torch_imported"] is False  # weights come from the artifact's network.npz
    assert counts["mujoco_compiles"] == 0  # the model comes from the artifact's plant.mjb


def test_stored_models_and_reference_match_the_compiled_ones(built):
    """plant.mjb (+ planner settings) and reference.npz behave exactly like compiling from the XML."""
    import mujoco

    from g1mpc.precompiled import aot
    from g1mpc.running.assembly import load_task_models
    from g1mpc.running.config import RunConfig

    config = RunConfig()
    fresh = load_task_models(config)
    (directory,) = (built / "builds").glob("[!.]*")
    manifest = json.loads((directory / "manifest.json").read_text())
    stored = aot.load_stored_task_models(directory, manifest, config)
    for name in ("qpos", "ctrl", "sensordata"):
        np.testing.assert_array_equal(getattr(fresh.reference, name), getattr(stored.reference, name))
    assert fresh.reference.fps == stored.reference.fps
    for a, b in ((fresh.plant, stored.plant), (fresh.planner_model, stored.planner_model)):
        assert a.opt.timestep == b.opt.timestep and a.opt.iterations == b.opt.iterations
        np.testing.assert_array_equal(a.dof_armature, b.dof_armature)
        da, db = mujoco.MjData(a), mujoco.MjData(b)
        for d in (da, db):
            d.qpos[:] = fresh.reference.qpos[0]
            d.qvel[7] = 0.5
            d.ctrl[:] = fresh.reference.ctrl[0] + 0.05
        for _ in range(50):
            mujoco.mj_step(a, da)
            mujoco.mj_step(b, db)
        np.testing.assert_array_equal(da.qpos, db.qpos)
        np.testing.assert_array_equal(da.sensordata, db.sensordata)
    assert stored.planner_model.opt.timestep != stored.plant.opt.timestep  # the copy, not the plant, was changed


def test_code_digest_follows_the_package_source(tmp_path, monkeypatch):
    from g1mpc.precompiled import manifest

    (tmp_path / "sub").mkdir()
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub" / "b.py").write_text("y = 2\n")
    monkeypatch.setattr(manifest, "PACKAGE_DIR", tmp_path)
    first = manifest.code_digest()
    assert manifest.code_digest() == first
    (tmp_path / "sub" / "b.py").write_text("y = 3\n")
    assert manifest.code_digest() != first



def test_a_missing_build_names_the_nearest_and_what_differs(tmp_path):
    """After an update the rebuild says why: the nearest stored build differs only in the package source."""
    import json

    from g1mpc.precompiled.manifest import why_no_build

    expected = {"format": 5, "code_sha256": "new", "config_digest": "c1", "checkpoint_sha256": "k1"}
    assert "yet" in why_no_build(tmp_path / "builds", expected)
    for key, manifest in {"aaaa": {**expected, "code_sha256": "old"},
                          "bbbb": {**expected, "code_sha256": "old", "config_digest": "c2"}}.items():
        (tmp_path / "builds" / key).mkdir(parents=True)
        (tmp_path / "builds" / key / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "builds" / "cccc").mkdir()
    (tmp_path / "builds" / "cccc" / "manifest.json").write_text("{not json")
    reason = why_no_build(tmp_path / "builds", expected)
    assert "aaaa" in reason and "source changed" in reason and "configuration" not in reason

# Loads the precompiled build, plans once as configured and once with every cost weight doubled (live tuning).
TUNE_PRECOMPILED = """
import sys, json, numpy as np, jax.monitoring as m
misses = []
m.register_event_listener(lambda e, **kw: misses.append(e) if e == "/jax/compilation_cache/cache_misses" else None)
from g1mpc.precompiled.aot import prepare_precompiled
from g1mpc.cli import build_parser, run_config_from_args, _model_path
args = build_parser().parse_args(["run-aot", *sys.argv[1:]])
config = run_config_from_args(args, "hybrid")
assembly, params, _ = prepare_precompiled(config, _model_path(args), args.precompiled_dir, log=lambda line: None)
costs = []
for scale in (1.0, 2.0):
    controller = assembly.controller(params)
    weights = np.full(len(config.task.weight_values()), scale)
    weights[list(config.task.weight_values()).index("terminal")] = 1.0
    controller.tune(weights)
    controller.replan(0.0, assembly.reference.qpos[0].copy(), np.zeros(assembly.plant.nv))
    costs.append(np.asarray(controller.last_costs).tolist())
from g1mpc.running.clips import clip_menu
motion = clip_menu(assembly)["generated motion 3"]()
plans = []
for reference in (assembly.reference, motion):
    controller = assembly.controller(params)
    controller.use_reference(reference, 0.0)
    plan, _ = controller.replan(0.5, motion.qpos[15].copy(), np.zeros(assembly.plant.nv))
    plans.append(plan.controls.tolist())
print("TUNED" + json.dumps({"costs": costs, "plans": plans, "misses": len(misses)}))
"""


def test_precompiled_stages_take_the_live_tuning_and_the_clip_as_inputs(built):
    """Cost weights changed on a loaded build act at once (every cost doubled), and a generated motion
    switched in plans otherwise than the build's own clip, with nothing compiled."""
    out = subprocess.run([sys.executable, "-c", TUNE_PRECOMPILED, *SMALL, "--precompiled_dir", str(built)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.split("TUNED")[1])
    configured, doubled = (np.array(c) for c in result["costs"])
    np.testing.assert_allclose(doubled, 2 * configured, rtol=1e-5)
    own_clip, motion = (np.array(p) for p in result["plans"])
    assert np.max(np.abs(own_clip - motion)) > 1e-3
    assert result["misses"] == 0
