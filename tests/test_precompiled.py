"""Precompiled builds under damage, flag switches and concurrent runs, through the real command in fresh processes."""

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, finish_script, report_controls, start_script

from g1mpc.precompiled.compile_cache import READ_ERROR, entry_reads, repairing

pytestmark = pytest.mark.slow  # the whole module: the fast tier is python -m pytest -m "not slow"

SMALL = ["--headless", "--no_realtime", "--quiet", "--num_elites", "2", "--seed", "3", "--warmup", "1", "--duration", "0.4"]


def aot(pre: Path, samples: int, report: Path | None = None) -> str:
    args = [*SMALL, "--num_samples", str(samples), "--precompiled_dir", str(pre)]
    return finish_script(start_script("run_policy_aot.py", args + (["--report", str(report)] if report else [])))


@pytest.fixture(scope="module")
def jit_controls(tmp_path_factory):
    """The JIT hybrid's controls for 8 and 6 samples: what every AOT run must reproduce."""
    d = tmp_path_factory.mktemp("jit")
    out = {}
    for samples in (8, 6):
        report = d / f"{samples}.json"
        finish_script(start_script("run_policy.py", ["--hybrid", *SMALL, "--num_samples", str(samples), "--report", str(report)]))
        out[samples] = report_controls(report)
    return out


def _build(pre: Path) -> Path:
    (directory,) = [d for d in (pre / "builds").iterdir() if not d.name.startswith(".")]
    return directory


def _copy_of_pristine(tmp_path: Path, tmp_path_factory) -> Path:
    """A copy of one 8-sample precompiled directory, built once per session."""
    pristine = tmp_path_factory.getbasetemp() / "pristine"
    if not pristine.exists():
        aot(pristine, 8)
    pre = tmp_path / "pc"
    shutil.copytree(pristine, pre)
    return pre


def _stored_model(build: Path) -> Path:
    """The model file a build names (stored once per content under the precompiled directory's models/)."""
    return build.parent.parent / "models" / f"{json.loads((build / 'manifest.json').read_text())['model_sha256']}.mjb"


def _same_controls(report: Path, expected: np.ndarray) -> bool:
    got = report_controls(report)
    return got.shape == expected.shape and float(np.abs(got - expected).max()) <= 1e-5


def _other_values_same_shapes(path: Path) -> None:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["out.b"] = arrays["out.b"] + 0.05  # shifts every predicted knot: a different network, same shapes
    with open(path, "wb") as f:
        np.savez(f, **arrays)


DAMAGE = {
    "another stage's valid file in place of score": (
        lambda b: (b / "functions" / "score.jaxexport").write_bytes((b / "functions" / "propose.jaxexport").read_bytes()),
        "score.jaxexport' does not match its digest"),
    "network.npz with the same shapes and other values": (
        lambda b: _other_values_same_shapes(b / "network.npz"), "network.npz' does not match its digest"),
    "a truncated shared model": (
        lambda b: _stored_model(b).write_bytes(_stored_model(b).read_bytes()[:1000]), ".mjb' does not match its digest"),
    "a garbage stage file": (lambda b: (b / "functions" / "plant.jaxexport").write_bytes(b"garbage"), "plant.jaxexport' does not"),
    "a missing stage file": (lambda b: (b / "functions" / "features.jaxexport").unlink(), "features.jaxexport' is missing"),
    "a manifest that does not parse": (lambda b: (b / "manifest.json").write_text("{not json"), "does not parse"),
    "a manifest from another JAX": (
        lambda b: (b / "manifest.json").write_text(json.dumps({**json.loads((b / "manifest.json").read_text()), "jax_version": "0.0.1"})),
        "stale: jax_version"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_build_is_rebuilt_saying_why_and_runs_correctly(case, tmp_path, tmp_path_factory, jit_controls):
    pre = _copy_of_pristine(tmp_path, tmp_path_factory)
    damage, why = DAMAGE[case]
    damage(_build(pre))
    out = aot(pre, 8, tmp_path / "run.json")
    assert "building the precompiled pipeline (" in out and why in out, out
    assert _same_controls(tmp_path / "run.json", jit_controls[8])
    assert "loaded precompiled pipeline" in aot(pre, 8)  # the rebuilt build is whole again
    assert not [p for p in (pre / "builds").iterdir() if p.name.startswith(".") and p.name != ".locks"]


def test_switching_flags_loads_each_configuration_and_builds_can_be_listed_and_removed(tmp_path):
    pre = tmp_path / "pc"
    assert "created precompiled pipeline" in aot(pre, 8)
    assert "created precompiled pipeline" in aot(pre, 6)
    assert "loaded precompiled pipeline" in aot(pre, 8)
    assert "loaded precompiled pipeline" in aot(pre, 6)
    listing = subprocess.run([sys.executable, "-m", "g1mpc", "precompiled", "list", "--precompiled_dir", str(pre)],
                             capture_output=True, text=True, cwd=ROOT, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[1:-1]]
    assert sorted(r[4] for r in rows) == ["6", "8"], listing
    (model,) = (pre / "models").glob("*.mjb")  # the two builds share one copy of the model
    assert {r[7] for r in rows} == {model.stem[:16]} and all(float(r[6]) < 5 for r in rows), listing
    key_of_6 = next(r[0] for r in rows if r[4] == "6")
    removed = subprocess.run([sys.executable, "-m", "g1mpc", "precompiled", "remove", key_of_6, "--precompiled_dir", str(pre)],
                             capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert key_of_6 in removed and not (pre / "builds" / key_of_6).exists()
    assert model.is_file()  # still named by the 8-sample build
    assert "loaded precompiled pipeline" in aot(pre, 8)
    assert "created precompiled pipeline" in aot(pre, 6)
    subprocess.run([sys.executable, "-m", "g1mpc", "precompiled", "remove", "--all", "--precompiled_dir", str(pre)],
                   capture_output=True, text=True, cwd=ROOT, check=True)
    assert not list((pre / "models").glob("*.mjb"))  # no build names it any more
    missing = subprocess.run([sys.executable, "-m", "g1mpc", "precompiled", "remove", "nosuchkey", "--precompiled_dir", str(pre)],
                             capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2 and missing.stderr.strip().startswith("error: precompiled remove: no build 'nosuchkey'")


def test_concurrent_runs_same_and_different_settings_all_succeed_with_correct_controls(tmp_path, jit_controls):
    pre = tmp_path / "pc"
    jobs = [(8, tmp_path / "a.json"), (6, tmp_path / "b.json"), (8, tmp_path / "c.json")]
    procs = [start_script("run_policy_aot.py", [*SMALL, "--num_samples", str(n), "--precompiled_dir", str(pre), "--report", str(r)])
             for n, r in jobs]
    outs = [finish_script(p) for p in procs]
    for (samples, report), out in zip(jobs, outs):
        assert _same_controls(report, jit_controls[samples]), out
    assert sum("building the precompiled pipeline" in out for out in outs) == 2  # one build per configuration
    # a damaged build met by two runs at once: one rebuilds, the other waits and loads that build
    builds = [d for d in (pre / "builds").iterdir() if not d.name.startswith(".")]
    samples = {d: json.loads((d / "manifest.json").read_text())["config"]["controller"]["num_samples"] for d in builds}
    _other_values_same_shapes(next(d for d, n in samples.items() if n == 8) / "network.npz")
    procs = [start_script("run_policy_aot.py", [*SMALL, "--num_samples", "8", "--precompiled_dir", str(pre), "--report", str(r)])
             for r in (tmp_path / "d.json", tmp_path / "e.json")]
    outs = [finish_script(p) for p in procs]
    assert sum("building the precompiled pipeline" in out for out in outs) == 1
    assert all(_same_controls(r, jit_controls[8]) for r in (tmp_path / "d.json", tmp_path / "e.json"))


def test_unreadable_jax_cache_entries_are_recompiled_then_removed_and_cached_again(tmp_path, tmp_path_factory, jit_controls):
    pre = _copy_of_pristine(tmp_path, tmp_path_factory)
    aot(pre, 8)  # JAX's cache keys depend on the directory's path: a copy caches its loads afresh once
    entries = sorted((pre / "jax_cache").glob("*-cache"))
    assert entries
    for entry in entries:  # what a crash mid-write leaves: JAX writes its entries in place
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    out = aot(pre, 8, tmp_path / "run.json")
    assert f"removed {len(entries)} unreadable entries of JAX's compilation cache" in out, out
    assert "loaded precompiled pipeline" in out  # the build itself is whole: only the cache is repaired
    assert _same_controls(tmp_path / "run.json", jit_controls[8])
    proc = start_script("run_policy_aot.py", [*SMALL, "--num_samples", "8", "--precompiled_dir", str(pre)])
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0 and "unreadable entries" not in out and "Error reading" not in err, err[-2000:]
    cached = list((pre / "jax_cache").glob("*-cache"))  # what the loads read, cached again whole
    assert cached and all(entry_reads(e.read_bytes()) for e in cached)


def test_cache_repair_acts_only_on_jax_read_errors_and_passes_other_warnings_on(tmp_path):
    cache = tmp_path / "jax_cache"
    cache.mkdir()
    (cache / "jit_f-0-cache").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="something else"):
        with repairing(tmp_path) as repair:
            warnings.warn("something else", UserWarning, stacklevel=1)
    assert (cache / "jit_f-0-cache").exists() and not repair.met_damage and repair.lines() == []
    with repairing(tmp_path) as repair:
        warnings.warn(f"{READ_ERROR} for 'jit_f': error", UserWarning, stacklevel=1)
    assert repair.removed == ["jit_f-0-cache"] and not (cache / "jit_f-0-cache").exists()
    assert repair.lines()[0].startswith("removed 1 unreadable entries")
