"""Sim-to-sim over DDS on the loopback interface against the same controller in-process.

For every force and seed: ``g1mpc robot-sim`` and ``g1mpc deploy`` as two processes (the controller sees
only rt/lowstate and estimates its base), and ``g1mpc run-aot`` in-process (the asynchronous loop, the true
state), both with their defaults (``--num_samples auto``), 20 s, pushes every 2 s. One JSON per run under
``--out`` (resumable: a finished run is skipped), then a table of falls, tracking, planning, latencies and
the estimator's error, printed and written to ``<out>/table.json``. Run it on an otherwise idle machine.

    python benchmarks/bench_sim2sim.py --forces 0 150 200 --seeds 500 501 502 503 504 505 506 507 508 509
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REALTIME_PRIORITY = 50  # SCHED_FIFO priority of a --robot_sim_realtime robot-sim (1-99; above every normal thread)
sys.path.insert(0, str(ROOT))

from g1mpc.running.reporting import write_json_atomic  # noqa: E402


def _pinned(cpus: list[int] | None, realtime: bool = False):
    """A ``preexec_fn`` that pins the child process to ``cpus`` (None: no pinning) and, with ``realtime``, runs it
    (and the threads it starts) under the first-in-first-out real-time policy; None when it does neither."""
    if cpus is None and not realtime:
        return None

    def prepare() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
        if realtime:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(REALTIME_PRIORITY))
    return prepare


def _check_realtime_allowed() -> None:
    """Exit with a one-line error when this process may not start real-time children (not root, no CAP_SYS_NICE)."""
    try:
        pid = os.fork()
    except OSError as exc:
        sys.exit(f"bench_sim2sim.py: --robot_sim_realtime: cannot fork to check the policy ({exc})")
    if pid == 0:
        try:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(REALTIME_PRIORITY))
            os._exit(0)
        except OSError:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench_sim2sim.py: --robot_sim_realtime needs the real-time policy (root or CAP_SYS_NICE): run without it")


def _run_dds(force: float, seed: int, duration: float, domain: int, extra: list[str], truth: bool = False,
             robot_flags: list[str] = (), robot_cpus: list[int] | None = None, deploy_cpus: list[int] | None = None,
             robot_realtime: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        robot_report, deploy_report = Path(tmp) / "robot.json", Path(tmp) / "deploy.json"
        robot = subprocess.Popen([sys.executable, "-m", "g1mpc", "robot-sim", "--domain", str(domain), "--duration", str(duration),
                                  "--push_force", str(force), "--seed", str(seed), "--wait", "300", "--report", str(robot_report),
                                  *(["--truth_every", "1"] if truth else []), *robot_flags],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 preexec_fn=_pinned(robot_cpus, robot_realtime))
        deploy = subprocess.run([sys.executable, "-m", "g1mpc", "deploy", "--domain", str(domain), "--seed", str(seed),
                                 "--report", str(deploy_report), *(["--base", "truth"] if truth else []), *extra],
                                cwd=ROOT, capture_output=True, text=True, timeout=900, preexec_fn=_pinned(deploy_cpus))
        robot_out, _ = robot.communicate(timeout=120)
        if deploy.returncode != 0 or robot.returncode != 0:
            raise RuntimeError(f"sim-to-sim run failed (force {force}, seed {seed}):\n{deploy.stderr[-2000:]}\n{robot_out[-2000:]}")
        robot_data = json.loads(robot_report.read_text())
        return {"robot": robot_data["summary"], "plant": robot_data.get("plant"),
                "deploy": json.loads(deploy_report.read_text())["summary"],
                "deploy_log_tail": deploy.stdout.splitlines()[-6:]}


def _run_inprocess(force: float, seed: int, duration: float, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "run.json"
        run = subprocess.run([sys.executable, "-m", "g1mpc", "run-aot", "--headless", "--quiet", "--duration", str(duration),
                              "--push_force", str(force), "--seed", str(seed), "--report", str(report), *extra],
                             cwd=ROOT, capture_output=True, text=True, timeout=900)
        if run.returncode != 0:
            raise RuntimeError(f"in-process run failed (force {force}, seed {seed}):\n{run.stderr[-2000:]}")
        data = json.loads(report.read_text())
        return {"run": data["summary"], "sizing": (data["flags"].get("sizing") or {}).get("line")}


def _pct(values: list, q: float) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.percentile(values, q)) if values else None


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _row(name: str, force: float, runs: list[dict]) -> dict:
    if name in ("dds", "ddstruth"):
        robots, deploys = [r["robot"] for r in runs], [r["deploy"] for r in runs]
        return {
            "config": "DDS (estimated state)" if name == "dds" else "DDS (robot-sim's true base)", "force_N": force, "runs": len(runs),
            "falls": sum(r["falls"] > 0 for r in robots),
            "joint_rms_rad": float(np.sqrt(np.mean([r["joint_rms_rad"] ** 2 for r in robots]))),
            "plan_p50_ms": _pct([d["planning_p50_ms"] for d in deploys], 50),
            "target_share": float(np.mean([d["target_share"] for d in deploys])),
            "plan_latency_p50_ms": _pct([d["latency_p50_ms"] for d in deploys], 50),
            "roundtrip_p50_ms": _pct([r["roundtrip_p50_ms"] for r in robots], 50),
            "roundtrip_p95_ms": _pct([r["roundtrip_p95_ms"] for r in robots], 50),
            "command_latency_p50_ms": _pct([d["command_latency_p50_ms"] for d in deploys], 50),
            # robot time from the state a command answered to each step that applied it (runs that reported it)
            "command_age_p95_ms": _pct([r.get("command_age_p95_ms") for r in robots], 50),
            "command_age_p99_ms": _pct([r.get("command_age_p99_ms") for r in robots], 50),
            "estimator_height_rms_m": float(np.sqrt(np.mean([d["estimator_height_rms_m"] ** 2 for d in deploys]))),
            "estimator_speed_rms_mps": float(np.sqrt(np.mean([d["estimator_speed_error_rms_mps"] ** 2 for d in deploys]))),
            "estimator_velocity_rms_mps": np.sqrt(np.mean([np.square(d["estimator_velocity_rms_mps"]) for d in deploys], axis=0)).tolist(),
            "safety_actions": sorted({a for d in deploys for a in d["safety_actions"]}),
            # CPU share of one core: deploy's command loop thread, the robot-sim's loop thread (runs that reported them)
            "command_loop_cpu_share": _mean([d.get("command_loop_cpu_share") for d in deploys]),
            "robot_sim_cpu_share": _mean([r.get("loop_cpu_share") for r in robots]),
        }
    summaries = [r["run"] for r in runs]
    return {
        "config": "in-process (true state)", "force_N": force, "runs": len(runs),
        "falls": sum(s["falls"] > 0 for s in summaries),
        "joint_rms_rad": float(np.sqrt(np.mean([s["joint_rms_rad"] ** 2 for s in summaries]))),
        "plan_p50_ms": _pct([s["planning_p50_ms"] for s in summaries], 50),
        "target_share": float(np.mean([s["target_share"] for s in summaries])),
        "plan_latency_p50_ms": _pct([s["latency_p50_ms"] for s in summaries], 50),
    }


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--forces", type=float, nargs="+", default=[0.0, 150.0, 200.0])
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(500, 510)))
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--configs", nargs="+", choices=("dds", "ddstruth", "inproc"), default=["dds", "inproc"],
                   help="ddstruth: DDS with the base from the robot-sim's debug truth instead of the estimator (a diagnostic)")
    p.add_argument("--domain", type=int, default=90)
    p.add_argument("--out", default=str(ROOT / "benchmarks/results/sim2sim"))
    p.add_argument("--table", default="table.json", help="the aggregate's file name under --out")
    p.add_argument("--robot_sim_flags", default="",
                   help="flags for robot-sim, as one string (its plant is the G1 as built by default; '--plant nominal': "
                        "the planner's own model, as before that default)")
    p.add_argument("--robot_sim_cpus", type=int, nargs="+", default=None,
                   help="pin the robot-sim to these CPUs (default: wherever this script may run)")
    p.add_argument("--deploy_cpus", type=int, nargs="+", default=None,
                   help="pin deploy to these CPUs: with --robot_sim_cpus on others, a controller on a slow computer "
                        "beside a robot that simulates itself elsewhere, as a real G1 does")
    p.add_argument("--robot_sim_realtime", action="store_true",
                   help="run the robot-sim under the real-time FIFO policy (root or CAP_SYS_NICE), so it keeps its 500 Hz "
                        "beside deploy as a G1's own computer does, instead of being held up and catching up")
    p.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="flags passed to deploy and run-aot (e.g. --num_samples 24)")
    args = p.parse_args()
    if args.robot_sim_realtime:
        _check_realtime_allowed()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for force in args.forces:
        for name in args.configs:
            runs = []
            for seed in args.seeds:
                path = out / f"{name}_{force:g}N_s{seed}.json"
                if not path.exists():
                    start = time.time()
                    result = (_run_inprocess(force, seed, args.duration, args.extra) if name == "inproc"
                              else _run_dds(force, seed, args.duration, args.domain, args.extra, truth=name == "ddstruth",
                                            robot_flags=shlex.split(args.robot_sim_flags), robot_cpus=args.robot_sim_cpus,
                                            deploy_cpus=args.deploy_cpus, robot_realtime=args.robot_sim_realtime))
                    write_json_atomic(path, {"force_N": force, "seed": seed, "duration_s": args.duration, "extra": args.extra,
                                             "robot_sim_flags": args.robot_sim_flags, "robot_sim_cpus": args.robot_sim_cpus,
                                             "deploy_cpus": args.deploy_cpus, "robot_sim_realtime": args.robot_sim_realtime,
                                             "wall_s": time.time() - start, **result})
                    fell = result["run"]["falls"] if name == "inproc" else result["robot"]["falls"]
                    print(f"[sim2sim] {name} {force:g} N seed {seed}: falls {fell} ({time.time() - start:.0f} s)", flush=True)
                runs.append(json.loads(path.read_text()))
            rows.append(_row(name, force, runs))
    print(f"{'config':<26} {'N':>5} {'falls':>7} {'joint rms':>9} {'plan p50':>9} {'of 50 Hz':>8} {'plan lat':>8} "
          f"{'rt p50/p95 ms':>14} {'cmd p50':>7} {'est h cm':>8} {'est v m/s':>9} {'cpu loop/sim':>12}")
    for r in rows:
        print(f"{r['config']:<26} {r['force_N']:>5g} {r['falls']:>3}/{r['runs']:<3} {r['joint_rms_rad']:>9.4f} "
              f"{_fmt(r['plan_p50_ms'], '8.1f')} {100 * r['target_share']:>7.1f}% {_fmt(r['plan_latency_p50_ms'], '7.1f')} "
              f"{_fmt(r.get('roundtrip_p50_ms'), '6.2f')}/{_fmt(r.get('roundtrip_p95_ms'), '<6.2f')} "
              f"{_fmt(r.get('command_latency_p50_ms'), '7.2f')} "
              f"{_fmt(None if r.get('estimator_height_rms_m') is None else 100 * r['estimator_height_rms_m'], '8.2f')} "
              f"{_fmt(r.get('estimator_speed_rms_mps'), '9.3f')} "
              f"{_fmt(None if r.get('command_loop_cpu_share') is None else 100 * r['command_loop_cpu_share'], '5.1f')}/"
              f"{_fmt(None if r.get('robot_sim_cpu_share') is None else 100 * r['robot_sim_cpu_share'], '<5.1f')}%")
    write_json_atomic(out / args.table, {"seeds": args.seeds, "duration_s": args.duration, "rows": rows,
                                           "command": "python benchmarks/bench_sim2sim.py " + " ".join(sys.argv[1:])})
    return 0


if __name__ == "__main__":
    sys.exit(main())
