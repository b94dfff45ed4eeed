"""Collection and evaluation on a real local Ray runtime: determinism, lost workers, interruptions."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from g1mpc.cli import main
from g1mpc.learning.collect import CollectConfig, collect
from g1mpc.learning.dataset import load_dataset, read_shard
from g1mpc.planning.controller import ControllerConfig
from g1mpc.running.cluster import ClusterConfig
from g1mpc.running.config import RunConfig

pytestmark = pytest.mark.slow  # the whole module: the fast tier is python -m pytest -m "not slow"

pytest.importorskip("ray")
ROOT = Path(__file__).resolve().parents[1]
SMALL_RUN = RunConfig(plan_horizon=0.2, controller=ControllerConfig(num_samples=8, num_elites=2))
SMALL_FLAGS = ["--num_samples", "8", "--num_elites", "2", "--plan_horizon", "0.2"]


def _arrays(directory: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {p.name: read_shard(p)[:2] for p in sorted(directory.glob("shard-*.npz"))}


def _same_shards(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k][i], b[k][i]) for k in a for i in (0, 1))


def test_serial_one_and_two_workers_write_identical_shards(tmp_path):
    config = CollectConfig(episodes=3, episode_duration=0.4, seed=5)
    stats = {}
    for name, cluster in (("serial", None), ("one", ClusterConfig(workers=1)), ("two", ClusterConfig(workers=2))):
        stats[name] = collect(tmp_path / name, SMALL_RUN, config, progress=False, cluster=cluster)
    assert stats["two"]["workers"] == 2 and stats["two"]["threads_per_worker"] == max(1, (os.cpu_count() or 1) // 2)
    serial = _arrays(tmp_path / "serial")
    assert len(serial) == 3 and all(len(f) == 20 for f, _ in serial.values())
    assert _same_shards(serial, _arrays(tmp_path / "one"))
    assert _same_shards(serial, _arrays(tmp_path / "two"))


def _descendants(pid: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _job_workers(pid: int) -> list[int]:
    workers = []
    for child in _descendants(pid):
        try:
            if b"JobWorker" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
        except OSError:
            continue
    return workers


def _start_collect(out: Path, episodes: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "g1mpc", "collect", *SMALL_FLAGS, "--out", str(out), "--episodes", str(episodes),
         "--episode_duration", "1.5", "--workers", "2"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_shards(out: Path, proc: subprocess.Popen, count: int = 1, timeout: float = 240) -> None:
    deadline = time.time() + timeout
    while len(list(out.glob("shard-*.npz"))) < count and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)


def test_a_killed_worker_loses_no_finished_shard_and_the_run_completes(tmp_path):
    out = tmp_path / "data"
    proc = _start_collect(out, episodes=6)
    _wait_for_shards(out, proc)
    before = {p.name: p.read_bytes() for p in out.glob("shard-*.npz")}
    workers = _job_workers(proc.pid)
    assert before and len(workers) == 2 and proc.poll() is None
    os.kill(workers[0], signal.SIGKILL)  # mid-episode: the worker holds one at all times while episodes remain
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    assert len(list(out.glob("shard-*.npz"))) == 6 and not list(out.glob("*.tmp"))
    assert "[collect] 6/6 episodes, 450 labels" in err  # stderr is a pipe: progress comes as lines, not a redrawn bar
    assert all((out / name).read_bytes() == data for name, data in before.items())
    features, _, _ = load_dataset(out)
    assert len(features) == 6


def test_an_interrupted_run_keeps_its_shards_and_a_rerun_completes_the_set(tmp_path, capsys):
    out = tmp_path / "data"
    proc = _start_collect(out, episodes=6)
    _wait_for_shards(out, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 130), err[-2000:]
    kept = sorted(p.name for p in out.glob("shard-*.npz"))
    assert 1 <= len(kept) < 6 and not list(out.glob("*.tmp"))
    load_dataset(out)  # every shard left behind loads
    assert main(["collect", *SMALL_FLAGS, "--out", str(out), "--episodes", "6", "--episode_duration", "1.5", "--workers", "2"]) == 0
    assert f'"skipped_existing": {len(kept)}' in capsys.readouterr().out
    collect(tmp_path / "serial", SMALL_RUN, CollectConfig(episodes=6, episode_duration=1.5), progress=False)
    assert _same_shards(_arrays(out), _arrays(tmp_path / "serial"))


def test_an_evaluation_sweep_on_two_workers_equals_the_serial_one():
    from g1mpc.running.evaluate import Evaluation, evaluate
    from g1mpc.running.sim import PushConfig

    evaluation = Evaluation(SMALL_RUN, duration=3.0, pushes=PushConfig(force=300.0, interval=1.0))
    serial = evaluate(evaluation, [0, 1, 2])
    spread = evaluate(evaluation, [0, 1, 2], ClusterConfig(workers=2))
    assert [r["seed"] for r in spread] == [0, 1, 2]
    for a, b in zip(serial, spread):
        assert a["falls"] == b["falls"]
        np.testing.assert_array_equal(a["joint_rms"], b["joint_rms"])
    assert any(r["falls"] for r in serial)  # the pushes matter here: the comparison covers falls too


def test_an_unreachable_cluster_is_one_clear_error(tmp_path, capsys):
    code = main(["collect", "--out", str(tmp_path / "d"), "--episodes", "1", "--ray_address", "127.0.0.1:1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error: --ray_address: nothing answers at '127.0.0.1:1'") and "\n" not in err
