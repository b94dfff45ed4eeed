"""CPU per 2 ms tick of the two loops around the planner over DDS, for two versions of the code side by side.

Sim-to-sim puts three things on the machine besides the planner: the robot-sim's 500 Hz loop and ``deploy``'s
500 Hz command loop (two Python threads in two processes), and the DDS traffic between them. This times, per
tick, the Python work of each loop on a recording of the G1 as built holding its clip under 200 N pushes (the
robot-sim's sensor noise on), without DDS and without the plant's ``mj_step``, which both versions share:

- robot-sim: decode the newest command, check it (CRC, finite, order), set the motor drivers' gains, measure the
  sensors with noise and CRC, encode the state;
- deploy: decode the state, fold it into the base estimator, clamp the plan's targets, build the command with its
  CRC and encode it.

Each version is measured in its own process (``PYTHONPATH`` = its tree), alternating over ``--rounds``; the table
gives the median microseconds per tick and the share of a core at 500 Hz. ``mj_step`` of the as-built plant is
timed too, for scale, and each message's encoding and decoding alone (the command's encoding with its CRC).

    git worktree add /tmp/before <commit>
    python benchmarks/bench_loop_cost.py --trees /tmp/before . --names before after --out benchmarks/results/loop_cost/ticks.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TICK_HZ = 500
TIMES = ("robot_sim_us", "deploy_us", "mj_step_as_built_us")
MESSAGE_TIMES = ("state_encode_us", "state_decode_us", "command_encode_us", "command_decode_us")  # with the CRC: command


def _recording(seconds: float, force: float):
    """(motor-drive model, motors, LowStates, commands as bytes, MjData) of the as-built G1 holding its clip."""
    from g1mpc.lowlevel.messages import LowCommand
    from g1mpc.lowlevel.motors import MotorMap
    from g1mpc.lowlevel.robot_sim import SensorNoise, Sensors, apply_command, motor_drive_model
    from g1mpc.robots.g1 import G1
    from g1mpc.robots.models import load_plant_model
    from g1mpc.running.assembly import default_reference
    from g1mpc.running.sim import PushConfig, RunResult, SimConfig, Simulation
    from g1mpc.tasks.balance import BalanceTask

    plant = load_plant_model(G1, "as_built")
    reference = default_reference(plant, G1, BalanceTask())
    motors, model = MotorMap.from_model(plant), motor_drive_model(plant)
    sim = Simulation(model, reference, SimConfig(duration=seconds, pushes=PushConfig(force=force, interval=1.0, seed=3)),
                     frequency=50, fall_test=BalanceTask().fall_test(plant, G1), push_body="pelvis")
    sensors, result = Sensors(model, motors, SensorNoise(), seed=1), RunResult()
    states, commands = [], []
    for tick in range(int(seconds * TICK_HZ)):
        cmd = LowCommand()
        cmd.kp[:motors.count], cmd.kd[:motors.count], cmd.mode[:motors.count] = motors.kp, motors.kd, 1
        cmd.q[:motors.count] = reference.ctrl[min(int(sim.data.time * reference.fps), len(reference.ctrl) - 1)]
        cmd.reserve = (tick, 0, 0, 0)
        commands.append(cmd.with_crc().to_cdr())
        sim.step(apply_command(model, motors, cmd), result)
        states.append(sensors.measure(sim.data, tick))
    return model, motors, states, commands, sim.data


def _median_us(step, count: int, repeats: int) -> float:
    """Median µs per call of ``step(i)`` for i in 0..count-1, over ``repeats`` passes (the first is a warm-up)."""
    per_tick = []
    for r in range(repeats + 1):
        start = time.perf_counter()
        for i in range(count):
            step(i)
        if r:
            per_tick.append((time.perf_counter() - start) / count)
    return float(np.median(per_tick) * 1e6)


def measure(seconds: float, force: float, repeats: int) -> dict:
    """µs per tick of each loop's Python work, and of the as-built plant's ``mj_step``, on this tree's code."""
    import mujoco

    import g1mpc
    from g1mpc.lowlevel.estimator import robot_estimator
    from g1mpc.lowlevel.messages import LowCommand, LowState
    from g1mpc.lowlevel.motors import MotorMap
    from g1mpc.lowlevel.robot_sim import CommandGate, RobotSimResult, SensorNoise, Sensors, apply_command
    from g1mpc.lowlevel.safety import clamp_targets, servo_command
    from g1mpc.robots.g1 import G1
    from g1mpc.robots.models import load_plant_model

    model, motors, states, commands, data = _recording(seconds, force)
    count = len(states)
    sensors, gate = Sensors(model, motors, SensorNoise(), seed=2), CommandGate(RobotSimResult())

    def robot_sim_tick(i: int) -> None:
        gate.last_tick = -1
        newest = gate.newest([LowCommand.from_cdr(commands[i])])
        apply_command(model, motors, newest)
        sensors.measure(data, i).to_cdr()

    nominal = load_plant_model(G1)  # deploy's estimator is built on the robot's own model
    deploy_motors = MotorMap.from_model(nominal)
    wire = [s.to_cdr() for s in states]
    targets = [np.asarray(s.q[:deploy_motors.count]) for s in states]
    estimator = robot_estimator(nominal, G1)

    def deploy_tick(i: int) -> None:
        state = LowState.from_cdr(wire[i])
        estimator.fold_in([state], 0.002)
        n = deploy_motors.count
        target, _, _ = clamp_targets(targets[(i + 5) % count], state.q[:n], state.dq[:n], deploy_motors, True)
        servo_command(target, deploy_motors, state.tick, state.mode_machine).to_cdr()

    def physics_tick(i: int) -> None:
        mujoco.mj_step(model, data)

    command = LowCommand.from_cdr(commands[0])
    messages = {"state_encode_us": _median_us(lambda i: states[i].to_cdr(), count, repeats),
                "state_decode_us": _median_us(lambda i: LowState.from_cdr(wire[i]), count, repeats),
                "command_encode_us": _median_us(lambda i: command.with_crc().to_cdr(), count, repeats),
                "command_decode_us": _median_us(lambda i: LowCommand.from_cdr(commands[i]), count, repeats)}
    return {"source": str(Path(g1mpc.__file__).resolve().parents[1]), "robot_sim_us": _median_us(robot_sim_tick, count, repeats),
            "deploy_us": _median_us(deploy_tick, count, repeats),
            "mj_step_as_built_us": _median_us(physics_tick, count, repeats), **messages, "ticks": count}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trees", nargs="+", default=[str(ROOT)], help="source trees to compare (each its own process)")
    p.add_argument("--names", nargs="+", help="a name per tree (default: the paths)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds over the trees")
    p.add_argument("--seconds", type=float, default=2.0, help="length of the recording (ticks at 500 Hz)")
    p.add_argument("--force", type=float, default=200.0, help="N, pushes every second in the recording")
    p.add_argument("--repeats", type=int, default=5, help="passes over the recording per measurement")
    p.add_argument("--out", help="JSON file for the table")
    p.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # child: measure this tree, print JSON
    args = p.parse_args()
    if args.measure:
        print(json.dumps(measure(args.seconds, args.force, args.repeats)))
        return 0
    names = args.names or args.trees
    if len(names) != len(args.trees):
        sys.exit("bench_loop_cost: --names needs one name per --trees entry")
    for tree in args.trees:
        if not (Path(tree) / "g1mpc" / "__init__.py").exists():
            sys.exit(f"bench_loop_cost: --trees {tree}: no g1mpc package there")
    samples: dict[str, list[dict]] = {n: [] for n in names}
    for r in range(args.rounds):
        order = list(zip(names, args.trees, strict=True))
        for name, tree in order if r % 2 == 0 else order[::-1]:
            env = {**os.environ, "PYTHONPATH": str(Path(tree).resolve())}
            out = subprocess.run([sys.executable, __file__, "--measure", "--seconds", str(args.seconds), "--force",
                                  str(args.force), "--repeats", str(args.repeats)], env=env, cwd=tree, capture_output=True,
                                 text=True, check=False)
            if out.returncode:
                sys.exit(f"bench_loop_cost: measuring {tree} failed:\n{out.stderr[-2000:]}")
            samples[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {r + 1} {name}: {samples[name][-1]}", flush=True)
    rows = []
    for name, tree in zip(names, args.trees, strict=True):
        med = {k: float(np.median([s[k] for s in samples[name]])) for k in (*TIMES, *MESSAGE_TIMES)}
        rows.append({"name": name, "tree": tree, **med, "robot_sim_core_share": med["robot_sim_us"] * 1e-6 * TICK_HZ,
                     "deploy_core_share": med["deploy_us"] * 1e-6 * TICK_HZ, "rounds": samples[name]})
    print(f"{'code':<12} {'robot-sim µs/tick':>18} {'deploy µs/tick':>15} {'both, % of a core':>18} {'mj_step µs':>11}")
    for row in rows:
        both = 100 * (row["robot_sim_core_share"] + row["deploy_core_share"])
        print(f"{row['name']:<12} {row['robot_sim_us']:>18.1f} {row['deploy_us']:>15.1f} {both:>17.1f}% "
              f"{row['mj_step_as_built_us']:>11.1f}   messages µs: " + ", ".join(f"{k[:-3]} {row[k]:.1f}" for k in MESSAGE_TIMES))
    if args.out:
        from g1mpc.running.reporting import write_json_atomic

        write_json_atomic(Path(args.out), {"rows": rows, "command": "python benchmarks/bench_loop_cost.py " + " ".join(sys.argv[1:])})
    return 0


if __name__ == "__main__":
    sys.exit(main())
