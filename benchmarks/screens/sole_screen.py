"""Issue 38 screen: which part of the as-built soles makes the G1 fall (geometry, or contact parameters).

Registers two temporary plants on the G1 in this process (nothing in the package changes):
  soles_geometry: Unitree's seven capsules per sole, but with the scene's contact parameters (friction 0.6,
                  solref 0.02) in their floor pairs;
  soles_contact:  the scene's four spheres per foot, with Unitree's contact parameters (friction 0.8, solref 0.01);
  soles_end_spheres: a sphere at each end of each of Unitree's capsules (14 per foot, the capsules' radius),
                  with the scene's contact parameters: the capsules' contact points without the capsules;
  soles_corners:  four spheres per foot as the scene has them, but at the corners of Unitree's sole (heel
                  (-0.044, +-0.018), toe (0.1, +-0.026)), the scene's contact parameters: the support area alone.
Then runs the hybrid on each, as benchmarks/screens/plant_table.sh runs its cells.

    python benchmarks/screens/sole_screen.py --seeds 700 701 702 703 704 705 --out benchmarks/results/plants/sole_screen.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mujoco

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_planning import run_entry

from g1mpc.common.paths import default_checkpoint
from g1mpc.robots import g1_build
from g1mpc.robots.g1 import G1
from g1mpc.robots.plants import PlantVariant
from g1mpc.running.reporting import write_json_atomic


def soles_with_scene_contact(spec: mujoco.MjSpec) -> None:
    g1_build.replace_soles(spec)
    for pair in spec.pairs:
        pair.solref = [0.02, 1.0]
        pair.friction = [0.6, 0.6, 0.005, 0.0001, 0.0001]


def spheres_with_unitree_contact(spec: mujoco.MjSpec) -> None:
    for body_name in g1_build.SOLES:
        for geom in spec.body(body_name).geoms:
            if geom.contype or geom.conaffinity:
                geom.solref = list(g1_build.SOLE_FLOOR_PAIR["solref"])
                geom.friction = [0.8, 0.005, 0.0001]


def _sole_spheres(spec: mujoco.MjSpec, centres_by_body: dict[str, list[tuple[float, float, float, float]]]) -> None:
    """Replace each foot's contact geoms by spheres (x, y, z, radius) in the ankle-roll frame, default contact."""
    for body_name, centres in centres_by_body.items():
        body = spec.body(body_name)
        template = next(g for g in body.geoms if g.contype or g.conaffinity)
        friction, solref = list(template.friction), list(template.solref)
        for geom in [g for g in body.geoms if g.contype or g.conaffinity]:
            spec.delete(geom)
        for k, (x, y, z, radius) in enumerate(centres):
            body.add_geom(name=f"{body_name}_sphere{k}", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[radius, 0, 0],
                          pos=[x, y, z], contype=1, conaffinity=1, group=3, density=0, friction=friction,
                          solref=solref)


def capsule_end_spheres(spec: mujoco.MjSpec) -> None:
    _sole_spheres(spec, {body: [(*end, radius) for radius, start, stop in capsules for end in (start, stop)]
                         for body, capsules in g1_build.SOLES.items()})


def spheres_at_unitree_corners(spec: mujoco.MjSpec) -> None:
    corners = [(-0.044, 0.018), (-0.044, -0.018), (0.1, 0.026), (0.1, -0.026)]
    _sole_spheres(spec, {body: [(x, y, -0.03, 0.005) for x, y in corners] for body in g1_build.SOLES})


def spheres_on_unitree_hull(spec: mujoco.MjSpec) -> None:
    """Six spheres per foot on the outline of Unitree's sole: heel and toe ends of its second capsules, and the
    front ends of its outer ones (where the sole is widest)."""
    corners = [(-0.044, 0.018), (-0.044, -0.018), (0.1, 0.026), (0.1, -0.026), (0.123, 0.018), (0.123, -0.018)]
    _sole_spheres(spec, {body: [(x, y, -0.03, 0.005) for x, y in corners] for body in g1_build.SOLES})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(700, 706)))
    p.add_argument("--push", type=float, default=300.0)
    p.add_argument("--samples", type=int, default=32)
    p.add_argument("--elites", type=int, default=4)
    p.add_argument("--plants", nargs="+", default=["soles_geometry", "soles_contact"])
    p.add_argument("--out", default="benchmarks/results/plants/sole_screen.json")
    args = p.parse_args()
    G1.plants["soles_geometry"] = PlantVariant("Unitree's sole capsules, the scene's contact parameters", soles_with_scene_contact)
    G1.plants["soles_contact"] = PlantVariant("the scene's foot spheres, Unitree's contact parameters", spheres_with_unitree_contact)
    G1.plants["soles_end_spheres"] = PlantVariant("a sphere at each end of Unitree's capsules", capsule_end_spheres)
    G1.plants["soles_corners"] = PlantVariant("the scene's four spheres at Unitree's sole corners", spheres_at_unitree_corners)
    rows = []
    for plant in args.plants:
        row = run_entry("hybrid", args.samples, args.elites, args.push, args.seeds, 20.0, str(default_checkpoint("g1")),
                        plant=plant)
        rows.append(row)
        print(f"{plant:>16}: falls {row['falls']}/{len(args.seeds)} at {args.push:g} N, joint RMS {row['joint_rms_rad']:.4f}",
              flush=True)
        write_json_atomic(args.out, {"args": vars(args), "rows": rows, "complete": len(rows) == len(args.plants),
                                     "command": "python benchmarks/screens/sole_screen.py " + " ".join(sys.argv[1:])})


if __name__ == "__main__":
    main()
