import numpy as np

from g1mpc import pipeline as P


def test_reference_pose_costs_less_than_perturbed_pose(small_assembly):
    a = small_assembly
    t = 2.0
    times = P.planner_step_times(a.spec, t) + a.spec.planner_dt
    window = P.reference_window(a.spec, a.arrays, times)
    H = a.spec.horizon_steps
    ref_q = np.asarray(window.qpos)[None]
    ref_s = np.asarray(window.sensordata)[None]
    ref_c = np.asarray(window.ctrl)[None]
    zeros_v = np.zeros((1, H, a.spec.nv))
    good = P.rollout_costs(a.spec, ref_q, zeros_v, ref_c, ref_s, t, ref_c[0, 0], a.arrays)
    bad_q = ref_q.copy()
    bad_q[..., 7:] += 0.1
    bad_q[..., 2] -= 0.05
    bad = P.rollout_costs(a.spec, bad_q, zeros_v + 0.2, ref_c + 0.1, ref_s, t, ref_c[0, 0], a.arrays)
    assert float(good[0]) < 1e-3
    assert float(bad[0]) > 10 * float(good[0]) + 0.1


def test_diverged_rollout_gets_large_finite_cost(small_assembly):
    a = small_assembly
    H = a.spec.horizon_steps
    q = np.full((1, H, a.spec.nq), np.nan)
    c = P.rollout_costs(a.spec, q, np.zeros((1, H, a.spec.nv)), np.zeros((1, H, a.spec.nu)),
                        np.zeros((1, H, a.plant.nsensordata)), 0.0, np.zeros(a.spec.nu), a.arrays)
    assert float(c[0]) == 1e6
