"""Issue 38 screen: which part of the as-built soles makes the G1 fall (geometry, or contact parameters).

Registers two temporary plants on the G1 in this process (nothing in the package changes):
  soles_geometry: Unitree's seven capsules per sole, but with the scene's contact parameters (friction 0.6,
                  solref 0.02) in their floor pairs;
  soles_contact:  the scene's four spheres per foot, with Unitree's contact parameters (friction 0.8, solref 0.01).
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
