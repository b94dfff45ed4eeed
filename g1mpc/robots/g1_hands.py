"""Unitree G1 with three-finger hands, 43 position servos (Menagerie ``unitree_g1/scene_with_hands.xml``)."""

from dataclasses import replace

from g1mpc.robots.base import ActuatorGroup
from g1mpc.robots.g1 import ACTUATOR_GROUPS, G1

G1_HANDS = replace(
    G1,
    name="g1_hands",
    scene="unitree_g1/scene_with_hands.xml",
    actuator_groups={**ACTUATOR_GROUPS, "fingers": ActuatorGroup(("*_hand_*",), 0.1)},
    # The 14 finger joints make each rollout costlier: fewer samples fit the cycle (sized in the README).
    preset_settings={"cpu": {"num_samples": 32, "num_elites": 4}},
)
