"""Screen of the base estimator's stance choice on closed-loop recordings (the tuning data of docs/g1.md).

Records the real plant under the in-process hybrid (24 samples / 3 elites, the synchronous loop with 24 ms
latency and compensation, as the sim-to-sim runs see it) for 20 s with pushes, turns every plant step into
an rt/lowstate message with the robot-sim's sensor noise, and runs estimator variants over it:

- ``lower_site``: the first version: the lower foot site is the stance foot, kept unless the other is
  1 cm lower;
- ``agreeing_site``: of the foot sites near the floor, the one agreeing best with the IMU's prediction;
- ``agreeing_site_slip``: the same, the legs trusted less the more the chosen foot disagrees;
- ``shipped``: sole corners instead of sites (the estimator as shipped);
- ``corners_consensus``: the corners, the legs' velocity the one the low corners agree on (their median);
- ``shipped_*``: the shipped estimator with one setting changed;
- ``shipped_batched_drop`` / ``_predict``: the shipped estimator fed 1-3 states at a time, as ``deploy``'s command
  loop takes them on a loaded machine, the older ones dropped or folded in by ``predict``.

    python benchmarks/screens/estimator_screen.py --force 150 --seed 500
    python benchmarks/screens/estimator_screen.py --force 200 --seed 501
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mujoco
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from g1mpc.common.paths import default_checkpoint  # noqa: E402
from g1mpc.lowlevel.estimator import BaseEstimator, EstimatorConfig, foot_sites  # noqa: E402
from g1mpc.lowlevel.motors import MotorMap  # noqa: E402
from g1mpc.lowlevel.robot_sim import SensorNoise, Sensors  # noqa: E402
from g1mpc.network.torch_mlp import load_network  # noqa: E402
from g1mpc.planning.controller import ControllerConfig  # noqa: E402
from g1mpc.robots.plants import NOMINAL  # noqa: E402
from g1mpc.running.assembly import assemble  # noqa: E402
from g1mpc.running.config import RunConfig  # noqa: E402
from g1mpc.running.reporting import write_json_atomic  # noqa: E402
from g1mpc.running.sim import PushConfig, SimConfig  # noqa: E402


class SiteEstimator(BaseEstimator):
    """The estimator on the foot sites (one point per foot), as first written."""

    def __init__(self, model, feet, config, keyframe, lower_only: bool):
        self._sites = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, f) for f in feet]
        self._lower_only = lower_only
        super().__init__(model, feet, config, keyframe)
        self.points = [(int(model.site_bodyid[s]), model.site_pos[s].copy()) for s in self._sites]
        self.sole_offset = self._sole_offset(keyframe)

    def _legs(self, rel, foot_vel, predicted):
        if not self._lower_only or self.anchors is None:
            return super()._legs(rel, foot_vel, predicted)
        lower = int(np.argmin(rel[:, 2]))
        self.stance = lower if rel[lower, 2] < rel[self.stance, 2] - 0.01 else self.stance
        return -foot_vel[self.stance], 0.0


def record(force: float, seed: int, duration: float, controller_settings: dict, plant: str = NOMINAL) -> dict:
    """The recording on ``plant`` (a plant variant of the G1, or its own model); ``model`` is the robot's own model
    (what ``deploy`` builds its estimator on), ``plant`` the model stepped."""
    config = RunConfig(controller=ControllerConfig(mode="hybrid", **controller_settings))
    assembly = assemble(config, nthread=2)
    controller = assembly.controller(load_network(str(default_checkpoint("g1")), assembly.network_spec()))
    sim = assembly.simulation(SimConfig(duration=duration, realtime=False, pushes=PushConfig(force=force, seed=seed),
                                        print_every=0, loop="sync", latency=0.024, compensation="predict", plant=plant))
    controller.reset(assembly.reference.ctrl[0])
    sensors = Sensors(sim.model, MotorMap.from_model(sim.model), SensorNoise(), seed)
    rec = {"states": [], "qpos": [], "qvel": []}
    step = sim.step

    def recording_step(ctrl, result):
        pushing = step(ctrl, result)
        rec["states"].append(sensors.measure(sim.data, len(rec["qpos"])))
        rec["qpos"].append(sim.data.qpos.copy())
        rec["qvel"].append(sim.data.qvel.copy())
        return pushing

    sim.step = recording_step
    result = sim.run(controller, log=None)
    assembly.close()
    return {"model": assembly.plant, "plant": sim.model, "robot": assembly.robot, "falls": result.falls, **rec}


# the shipped estimator with one setting changed
VARIANTS = {
    "slip_speed_0.05": EstimatorConfig(slip_speed=0.05),
    "slip_speed_0.3": EstimatorConfig(slip_speed=0.3),
    "contact_band_0.005": EstimatorConfig(contact_band=0.005),
    "contact_band_0.02": EstimatorConfig(contact_band=0.02),
}


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def evaluate(rec: dict, make) -> dict:
    estimator = make()
    est = np.array([np.concatenate(estimator.update(s, 0.002 if i else 0.0)) for i, s in enumerate(rec["states"])])
    qpos, qvel = np.array(rec["qpos"]), np.array(rec["qvel"])
    nq = qpos.shape[1]
    vel = est[:, nq:nq + 3] - qvel[:, :3]
    return {"velocity_rms_mps": np.sqrt(np.mean(vel**2, axis=0)).round(4).tolist(),
            "velocity_max_mps": np.abs(vel).max(axis=0).round(3).tolist(),
            "height_rms_m": round(float(np.sqrt(np.mean((est[:, 2] - qpos[:, 2]) ** 2))), 5)}


# how many states a command loop that falls behind takes at once (1, 2 or 3), as deploy saw on two loaded cores
ARRIVAL_BATCHES = (0.5, 0.3, 0.2)


def evaluate_arrivals(rec: dict, make, skipped: str, seed: int = 0) -> dict:
    """The error of an estimator fed the recording in batches of ARRIVAL_BATCHES' sizes: the older states of each
    batch folded in by ``fold_in`` (``skipped='predict'``, deploy since 2026-12-04) or dropped, the newest's
    acceleration stretched over the batch (``'drop'``, deploy before)."""
    rng, estimator, states = np.random.default_rng(seed), make(), rec["states"]
    estimator.update(states[0], 0.0)
    rows, end = [], 0
    while True:
        size = int(rng.choice(len(ARRIVAL_BATCHES), p=ARRIVAL_BATCHES)) + 1
        if end + size >= len(states):
            break
        batch, end = states[end + 1:end + size + 1], end + size
        if skipped == "predict":
            _, qvel = estimator.fold_in(batch, 0.002)
        else:
            _, qvel = estimator.update(batch[-1], 0.002 * size)
        rows.append((end, qvel[:3].copy()))
    ends, est = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    vel = est - np.array(rec["qvel"])[ends, :3]
    return {"velocity_rms_mps": np.sqrt(np.mean(vel**2, axis=0)).round(4).tolist(),
            "velocity_max_mps": np.abs(vel).max(axis=0).round(3).tolist()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--force", type=float, default=150.0)
    p.add_argument("--seed", type=int, default=500)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--out", default=str(ROOT / "benchmarks/results/estimator_screen"))
    p.add_argument("--controller", nargs="*", default=["num_samples=24", "num_elites=3"], metavar="FIELD=VALUE",
                   help="ControllerConfig fields of the recording's controller (default: CEM, 24 samples, 3 elites; the "
                        "default since 2026-12-04: num_samples=16 num_elites=2 planner=mppi calm_noise=0.25)")
    p.add_argument("--tag", default="", help="appended to the result's file name")
    p.add_argument("--plant", default=NOMINAL, help="the G1 build the recording steps (nominal: the robot's own model, "
                   "as the estimator assumes; as_built: the variants then run on the robot's own model, and "
                   "'shipped_on_plant' on the build stepped)")
    args = p.parse_args()
    settings = {k: _value(v) for k, v in (a.split("=", 1) for a in args.controller)}
    rec = record(args.force, args.seed, args.duration, settings, args.plant)
    plant, feet, stand = rec["model"], foot_sites(rec["robot"]), rec["robot"].keyframe
    variants = {
        "lower_site": lambda: SiteEstimator(plant, feet, EstimatorConfig(slip_speed=1e9, stance="prediction"), stand, lower_only=True),
        "agreeing_site": lambda: SiteEstimator(plant, feet, EstimatorConfig(slip_speed=1e9, contact_band=0.02, stance="prediction"),
                                               stand, lower_only=False),
        "agreeing_site_slip": lambda: SiteEstimator(plant, feet, EstimatorConfig(contact_band=0.02, stance="prediction"), stand,
                                                    lower_only=False),
        "shipped": lambda: BaseEstimator(plant, feet, EstimatorConfig(), stand),
        "corners_consensus": lambda: BaseEstimator(plant, feet, EstimatorConfig(stance="consensus"), stand),
        **{f"shipped_{name}": (lambda c=c: BaseEstimator(plant, feet, c, stand)) for name, c in VARIANTS.items()},
    }
    if args.plant != NOMINAL:  # the estimator on the geometry of the build stepped (its soles), not the robot's own model
        variants["shipped_on_plant"] = lambda: BaseEstimator(rec["plant"], feet, EstimatorConfig(), stand)
    rows = {name: evaluate(rec, make) for name, make in variants.items()}
    for skipped in ("drop", "predict"):  # the shipped estimator as deploy feeds it when states arrive together
        rows[f"shipped_batched_{skipped}"] = evaluate_arrivals(rec, variants["shipped"], skipped, args.seed)
    print(f"{args.force:g} N, seed {args.seed}, {args.duration:g} s (plant falls: {len(rec['falls'])})")
    print(f"{'variant':<20} {'velocity RMS x y z (m/s)':<26} {'max x y z (m/s)':<22} height RMS (cm)")
    for name, r in rows.items():
        print(f"{name:<20} {' '.join(f'{v:.3f}' for v in r['velocity_rms_mps']):<26} "
              f"{' '.join(f'{v:.2f}' for v in r['velocity_max_mps']):<22} "
              + (f"{100 * r['height_rms_m']:.2f}" if "height_rms_m" in r else "-"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / f"{args.force:g}N_s{args.seed}{args.tag}.json",
                      {"force_N": args.force, "seed": args.seed, "duration_s": args.duration, "plant": args.plant,
                       "plant_falls": rec["falls"],
                       "controller": settings,
                       "variants": rows, "command": "python benchmarks/screens/estimator_screen.py " + " ".join(sys.argv[1:])})
    return 0


if __name__ == "__main__":
    sys.exit(main())
