"""What watching costs the control loop: headless, the web view, and MuJoCo's viewer (under Xvfb).

The web view runs with a client that receives the page's stream as a browser on another machine would
(``web+client``), and with a headless Chromium on this machine rendering it (``web+browser``). Configs are
interleaved over rounds so they share the machine's state. A config ending in ``+process`` runs the
planner in its own process (``--planner_process on``). Each run is ``run_policy_aot.py`` with its
defaults (``--num_samples auto``, the asynchronous loop), ``--duration`` s with pushes; planning p50/p95
and the share of the target rate come from its report. ``--code_dirs before=/tmp/old now=.`` runs every config
from each checkout in turn within each round (a row per checkout and config), and the table gives each web
config's planning p50 against its own checkout's headless run, round by round.

    python benchmarks/bench_viewer_cost.py --rounds 3 --out benchmarks/results/viewer_cost.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from g1mpc.running.reporting import write_json_atomic  # noqa: E402

CHROMIUM_FLAGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
PORT = 8741
PROCESS = "+process"


def code_dirs_of(items: list[str], needed: str = "run_policy_aot.py") -> dict[str, Path]:
    """label -> checkout, from ``--code_dirs`` items ``LABEL=DIR`` or a bare ``DIR`` (its label: DIR as written);
    ValueError naming the first item whose DIR holds no ``needed``."""
    dirs = {}
    for item in items:
        label, _, path = item.partition("=") if "=" in item else (item, "", item)
        if not label or not (Path(path) / needed).exists():
            raise ValueError(f"--code_dirs: '{item}' is not DIR or LABEL=DIR with DIR a checkout holding {needed}")
        dirs[label] = Path(path).resolve()
    return dirs


def _run(config: str, args, report: Path, display: str | None, code_dir: Path = ROOT) -> dict:
    flags = ["--duration", str(args.duration), "--push_force", str(args.push_force), "--seed", str(args.seed), "--quiet",
             "--report", str(report)]
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    if config.endswith(PROCESS):  # the same, with the planner in its own process
        flags += ["--planner_process", "on"]
        config = config.removesuffix(PROCESS)
    if config == "headless":
        flags.append("--headless")
    elif config.startswith("web"):
        flags += ["--viewer", "web", "--port", str(PORT)]
    else:
        env["DISPLAY"] = display
    proc = subprocess.Popen([sys.executable, "run_policy_aot.py", *flags], cwd=code_dir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    browser = client = None
    if config in ("web+browser", "web+client"):
        for line in proc.stdout:
            if "web view at" in line:
                break
    if config == "web+client":  # a browser elsewhere: the server sends everything, nothing renders here
        client = _RemoteClient(f"ws://127.0.0.1:{PORT}")
    if config == "web+browser":
        from playwright.sync_api import sync_playwright

        browser = sync_playwright().start()
        page = browser.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS).new_page(
            viewport={"width": 1280, "height": 800})
        page.goto(f"http://127.0.0.1:{PORT}")
    out, _ = proc.communicate(timeout=600)
    if browser is not None:
        browser.stop()
    received = client.close() if client is not None else None
    if proc.returncode != 0:
        raise SystemExit(f"error: {config} run failed:\n{out[-2000:]}")
    s = json.loads(report.read_text())["summary"]
    return {**{k: s[k] for k in ("planning_p50_ms", "planning_p95_ms", "target_share", "latency_p50_ms", "falls", "cycles")},
            **({} if received is None else {"client_messages": received[0], "client_bytes": received[1]})}


class _RemoteClient:
    """A websocket client that receives everything the page would (as a browser on another machine), renders nothing."""

    def __init__(self, url: str):
        import threading

        import msgspec
        import viser
        import websockets.sync.client

        self._ws = websockets.sync.client.connect(url, subprotocols=["viser-v" + viser.__version__], max_size=None)
        # a browser reports its camera first; viser counts a client as connected from then on
        self._ws.send(msgspec.msgpack.encode({
            "type": "ViewerCameraMessage", "wxyz": [1.0, 0.0, 0.0, 0.0], "position": [1.6, -1.6, 1.2], "fov": 1.0,
            "near": 0.01, "far": 100.0, "image_height": 800, "image_width": 1280, "look_at": [0.0, 0.0, 0.65],
            "up_direction": [0.0, 0.0, 1.0]}))
        self.messages = self.bytes = 0
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        try:
            for message in self._ws:
                self.messages += 1
                self.bytes += len(message)
        except Exception:  # the run ended and closed the connection
            pass

    def wait(self) -> tuple[int, int]:
        """(messages, bytes) received once the server has closed the connection."""
        self._thread.join()
        return self.messages, self.bytes

    def close(self) -> tuple[int, int]:
        self._ws.close()
        self._thread.join(timeout=5)
        return self.messages, self.bytes


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", nargs="+", default=["headless", "web+client", "web+browser", "mujoco"],
                   help="web: the page served, nobody connected; web+client: a client receiving everything, as a browser "
                        "on another machine; web+browser: headless Chromium on this machine rendering the page; each "
                        f"with '{PROCESS}' appended: the planner in its own process (--planner_process on)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--push_force", type=float, default=150.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--code_dirs", nargs="+", default=[f"now={ROOT}"], metavar="[LABEL=]DIR",
                   help="checkouts to run each config from, in turn within each round (default: this one)")
    p.add_argument("--out", default=str(ROOT / "benchmarks/results/viewer_cost.json"))
    args = p.parse_args()
    try:
        code_dirs = code_dirs_of(args.code_dirs)
    except ValueError as e:
        p.error(str(e))
    names = {(label, c): c if len(code_dirs) == 1 else f"{label}:{c}" for label in code_dirs for c in args.configs}
    xvfb = None
    if "mujoco" in args.configs:
        xvfb = subprocess.Popen(["Xvfb", ":93", "-screen", "0", "1280x800x24"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
    runs: dict[str, list[dict]] = {name: [] for name in names.values()}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                for (label, config), name in names.items():
                    report = Path(tmp) / f"{label}_{config}_{r}.json"
                    runs[name].append(_run(config, args, report, ":93", code_dirs[label]))
                    print(f"[viewer cost] round {r}: {name} {runs[name][-1]}", flush=True)
    finally:
        if xvfb is not None:
            xvfb.terminate()
    rows = []
    print(f"{'config':<18} {'plan p50':>9} {'plan p95':>9} {'of 50 Hz':>9} {'vs headless':>12} {'p50 vs headless':>16} "
          f"{'falls':>6}")
    for (label, _config), name in names.items():
        xs, base = runs[name], runs.get(names.get((label, "headless"), ""))
        share = float(np.mean([x["target_share"] for x in xs]))
        row = {"config": name, "runs": len(xs), "planning_p50_ms": float(np.median([x["planning_p50_ms"] for x in xs])),
               "planning_p95_ms": float(np.median([x["planning_p95_ms"] for x in xs])), "target_share": share,
               "share_vs_headless_points": None, "planning_p50_vs_headless_pct": None, "falls": sum(x["falls"] for x in xs)}
        if base:  # round by round against the same checkout's headless run
            row["share_vs_headless_points"] = 100 * (share - float(np.mean([x["target_share"] for x in base])))
            row["planning_p50_vs_headless_pct"] = float(np.mean(
                [100 * (x["planning_p50_ms"] / b["planning_p50_ms"] - 1) for x, b in zip(xs, base, strict=True)]))
        rows.append(row)
        points = "" if row["share_vs_headless_points"] is None else f"{row['share_vs_headless_points']:+.1f} pts"
        pct = "" if row["planning_p50_vs_headless_pct"] is None else f"{row['planning_p50_vs_headless_pct']:+.1f} %"
        print(f"{name:<18} {row['planning_p50_ms']:>8.2f} {row['planning_p95_ms']:>9.2f} {100 * share:>8.1f}% {points:>12} "
              f"{pct:>16} {row['falls']:>6}")
    write_json_atomic(args.out, {"rows": rows, "runs": runs, "duration_s": args.duration, "push_force_N": args.push_force,
                                 "code_dirs": {k: str(v) for k, v in code_dirs.items()},
                                 "command": "python benchmarks/bench_viewer_cost.py " + " ".join(sys.argv[1:])})
    return 0


if __name__ == "__main__":
    sys.exit(main())
