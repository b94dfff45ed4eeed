"""``bench_planning.py`` on sole_screen.py's plants, so the screen runs with any controller settings (``--set``):

    python benchmarks/screens/soles_factors.py --plant soles_shape --modes hybrid:32:4 --pushes 300 \\
        --set planner=mppi calm_noise=0.25 anchor_fraction=1.0 --seed_list 700 ... 709 --out FILE.json

- ``soles_shape``: Unitree's seven capsules per sole with the scene's contact parameters (sole_screen's
  ``soles_geometry``).
- ``soles_contact``: the scene's four spheres per foot with Unitree's contact parameters (friction 0.8, solref 0.01).
- ``soles_corners``: the scene's four spheres moved to the corners of Unitree's sole (sole_screen's).
- ``soles_hull``: six spheres on the outline of Unitree's sole, the scene's contact parameters.

Each is a plant for ``--plant`` and a planner model for ``--planner_plant`` (the planner's feet made like the
as-built G1's at the scene's cost: spheres, not capsules).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "benchmarks" / "screens")]

from sole_screen import (  # noqa: E402
    soles_with_scene_contact,
    spheres_at_unitree_corners,
    spheres_on_unitree_hull,
    spheres_with_unitree_contact,
)

from g1mpc.robots.g1 import G1  # noqa: E402
from g1mpc.robots.plants import PlantVariant  # noqa: E402

G1.plants.update({
    "soles_shape": PlantVariant("Unitree's sole capsules, the scene's contact parameters", soles_with_scene_contact),
    "soles_contact": PlantVariant("the scene's foot spheres, Unitree's contact parameters", spheres_with_unitree_contact),
    "soles_corners": PlantVariant("the scene's four spheres at Unitree's sole corners", spheres_at_unitree_corners),
    "soles_hull": PlantVariant("six spheres on the outline of Unitree's sole", spheres_on_unitree_hull),
})
sys.argv[0] = str(ROOT / "benchmarks" / "bench_planning.py")
runpy.run_path(sys.argv[0], run_name="__main__")
