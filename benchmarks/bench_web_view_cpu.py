"""What the browser view itself costs in CPU, apart from the planner: the web view of a G1 fed 50 frames and 50
plans a second in wall-clock time (each plan the reference's targets over a 0.5 s horizon: the page rolls the
newest out for its traces; ``--plan_ms`` of CPU spent per cycle in the feeding thread stands in for the
planner, whose CPU the view's rates follow), with a client on the websocket (a separate process, as a browser on another
machine) and without one (the page served, nobody watching: the baseline), its process's CPU time per
50 Hz cycle, and the stand-in plan's wall time: how much longer a plan of ``--plan_ms`` CPU takes beside the view
(its threads take the interpreter lock, and on one core the core, from a plan they overlap). The run's interpreter
switch interval is set as the asynchronous loop sets it.

Two motions: ``pushed`` (the G1's servos holding the standing reference under 150 N pushes every 2 s, the
ghost still) and ``motion`` (a generated motion clip, robot and ghost both moving: the most the page sends).
``--code_dirs`` runs each directory's g1mpc in turn, interleaved over ``--rounds``, to compare versions side
by side on one machine (``LABEL=DIR`` names a row, as ``bench_viewer_cost.py --code_dirs`` takes them):

    git worktree add /tmp/web_old HEAD~1
    python benchmarks/bench_web_view_cpu.py --code_dirs . /tmp/web_old --out benchmarks/results/web_view_cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PERIOD = 0.02
# the client of bench_viewer_cost.py (a browser on another machine: it receives everything, renders nothing), in a
# process of its own; it prints what it received once the view closes
CLIENT = (f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); from bench_viewer_cost import _RemoteClient; "
          "print(*_RemoteClient(sys.argv[1]).wait(), flush=True)")


def _frames(motion: str, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """(robot qpos, ghost qpos), each (cycles, nq), 50 per second."""
    import mujoco

    from g1mpc.motion.generated import motion_reference
    from g1mpc.running.assembly import load_task_models
    from g1mpc.running.config import RunConfig

    config = RunConfig()
    models = load_task_models(config)
    plant, reference = models.plant, models.reference
    cycles = int(seconds / PERIOD)
    if motion == "motion":
        clip = motion_reference(plant, config.robot_description, seed=2)
        index = (np.arange(cycles) * PERIOD * clip.fps).astype(int) % len(clip.qpos)
        return clip.qpos[index], clip.qpos[index]
    data = mujoco.MjData(plant)
    data.qpos[:] = reference.qpos[0]
    steps = int(round(PERIOD / plant.opt.timestep))
    robot = []
    for c in range(cycles):
        data.ctrl[:] = reference.ctrl[0]
        angle = 0.7 * c
        data.xfrc_applied[1, :2] = 150.0 * np.array([np.cos(angle), np.sin(angle)]) if c % 100 < 5 else 0.0
        for _ in range(steps):
            mujoco.mj_step(plant, data)
        robot.append(data.qpos.copy())
    return np.array(robot), np.repeat(reference.qpos[:1], cycles, axis=0)


def _spend_cpu(seconds: float) -> None:
    """Busy this thread for ``seconds`` of its own CPU time (the planner's share of a cycle)."""
    import time

    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def measure(motion: str, seconds: float, client: bool, port: int, plan_ms: float = 0.0) -> dict:
    """CPU ms of this process per 50 Hz cycle while the view is fed ``seconds`` of frames, ``plan_ms`` of them
    spent by the feeding thread in each cycle as a planner would."""
    import time

    import mujoco

    from g1mpc.planning.controller import CycleTiming
    from g1mpc.planning.plan import Plan
    from g1mpc.running.assembly import load_task_models
    from g1mpc.running.async_loop import GIL_SWITCH_INTERVAL
    from g1mpc.running.config import RunConfig
    from g1mpc.running.sim import SimConfig, Simulation
    from g1mpc.viewing.web.viewer import WebViewer

    config = RunConfig()
    models = load_task_models(config)
    robot_qpos, ghost_qpos = _frames(motion, seconds)
    sim = Simulation(models.plant, models.reference, SimConfig(), frequency=1 / PERIOD,
                     fall_test=config.task.fall_test(models.plant, config.robot_description), push_body="pelvis")
    feet = [mujoco.mj_name2id(models.planner_model, mujoco.mjtObj.mjOBJ_SITE, f.name) for f in config.robot_description.feet]
    viewer = WebViewer(sim, models.planner_model, feet, config.task.weight_values(), port=port, log=None)
    dt = models.plant.opt.timestep
    controls = np.repeat(models.reference.ctrl[:1], int(round(0.5 / dt)), axis=0)
    timing = CycleTiming(total=plan_ms / 1e3, nn=0.0, cem=plan_ms / 1e3, other=0.0)
    watcher = None
    if client:
        watcher = subprocess.Popen([sys.executable, "-c", CLIENT, f"ws://127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
        while not viewer.server.get_clients():
            time.sleep(0.05)
        time.sleep(2.0)  # the scene's meshes go out first: not what a frame costs
    sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    plan_walls = []
    start_cpu, start = time.process_time(), time.perf_counter()
    for i in range(len(robot_qpos)):
        plan_start = time.perf_counter()
        _spend_cpu(plan_ms / 1e3)
        plan_walls.append(time.perf_counter() - plan_start)
        sim.data.qpos[:] = robot_qpos[i]
        mujoco.mj_kinematics(sim.model, sim.data)
        plan = Plan(start_time=i * PERIOD, state_time=i * PERIOD, controls=controls, dt=dt, knots=np.zeros((4, sim.model.nu)))
        viewer.on_plan(plan, timing, robot_qpos[i], np.zeros(sim.model.nv), None)
        viewer.update(sim.data, ghost_qpos[i])
        time.sleep(max(0.0, start + (i + 1) * PERIOD - time.perf_counter()))
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    viewer.close()
    received = [0, 0]
    if watcher is not None:
        received = [int(x) for x in watcher.communicate(timeout=30)[0].split()]
    return {"cpu_ms_per_cycle": 1e3 * cpu / len(robot_qpos), "wall_s": wall, "messages": received[0], "bytes": received[1],
            "plan_wall_ms_mean": 1e3 * float(np.mean(plan_walls)), "plan_wall_ms_p50": 1e3 * float(np.median(plan_walls))}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--code_dirs", nargs="+", default=["."], metavar="[LABEL=]DIR",
                   help="g1mpc checkouts to compare (interleaved), each labelled LABEL or DIR as written")
    p.add_argument("--motions", nargs="+", default=["pushed", "motion"], choices=["pushed", "motion"])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--port", type=int, default=8751)
    p.add_argument("--plan_ms", type=float, default=15.0,
                   help="CPU ms per cycle the feeding thread spends as the planner would (one core's run: ~15)")
    p.add_argument("--out", default=None)
    p.add_argument("--child", nargs=2, metavar=("MOTION", "CLIENT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.seconds, args.child[1] == "client", args.port, args.plan_ms)))
        return 0
    sys.path.insert(0, str(ROOT / "benchmarks"))  # not in a child: it must import the g1mpc of its PYTHONPATH
    from bench_viewer_cost import code_dirs_of

    try:
        code_dirs = code_dirs_of(args.code_dirs, needed="g1mpc")
    except ValueError as e:
        p.error(str(e))
    runs: dict[str, list[dict]] = {}
    for r in range(args.rounds):
        for code, code_dir in code_dirs.items():
            for motion in args.motions:
                for watched in ("client", "none"):
                    env = {**os.environ, "PYTHONPATH": str(code_dir)}
                    out = subprocess.run([sys.executable, __file__, "--child", motion, watched, "--seconds", str(args.seconds),
                                          "--port", str(args.port), "--plan_ms", str(args.plan_ms)],
                                         env=env, capture_output=True, text=True, cwd=code_dir)
                    if out.returncode != 0:
                        raise SystemExit(f"error: {code} {motion} {watched} failed:\n{out.stderr[-2000:]}")
                    row = json.loads(out.stdout.strip().splitlines()[-1])
                    runs.setdefault(f"{code}|{motion}|{watched}", []).append(row)
                    print(f"[web cpu] round {r} {code} {motion} {watched}: {row}", flush=True)
    table = []
    print(f"{'code':<24} {'motion':<8} {'CPU ms/cycle, client':>21} {'no client':>10} {'view costs':>11} {'of plan':>8} "
          f"{'msgs/s':>7} {'kB/s':>6} {'plan wall, client':>18} {'no client':>10} {'longer':>7}")
    for code in code_dirs:
        for motion in args.motions:
            watched, idle = runs[f"{code}|{motion}|client"], runs[f"{code}|{motion}|none"]
            c, n = np.mean([x["cpu_ms_per_cycle"] for x in watched]), np.mean([x["cpu_ms_per_cycle"] for x in idle])
            rate = np.mean([x["messages"] / x["wall_s"] for x in watched])
            kbs = np.mean([x["bytes"] / x["wall_s"] / 1e3 for x in watched])
            pc, pn = (np.mean([x["plan_wall_ms_mean"] for x in xs]) for xs in (watched, idle))
            table.append({"code": code, "motion": motion, "cpu_ms_per_cycle_client": c, "cpu_ms_per_cycle_no_client": n,
                          "view_ms_per_cycle": c - n,
                          "view_share_of_plan": (c - n) / args.plan_ms if args.plan_ms > 0 else None,
                          "messages_per_s": rate, "kbytes_per_s": kbs, "plan_wall_ms_client": pc, "plan_wall_ms_no_client": pn,
                          "plan_longer_with_client": pc / pn - 1})
            share = f"{100 * (c - n) / args.plan_ms:.1f} %" if args.plan_ms > 0 else "-"
            print(f"{code:<24} {motion:<8} {c:>21.2f} {n:>10.2f} {c - n:>11.2f} {share:>8} {rate:>7.0f} {kbs:>6.0f} "
                  f"{pc:>18.2f} {pn:>10.2f} {100 * (pc / pn - 1):>6.1f}%")
    if args.out:
        sys.path.insert(0, str(ROOT))
        from g1mpc.running.reporting import write_json_atomic

        write_json_atomic(args.out, {"args": vars(args), "runs": runs, "table": table})
    return 0


if __name__ == "__main__":
    sys.exit(main())
