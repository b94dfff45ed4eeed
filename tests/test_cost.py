import numpy as np

from g1mpc.planning import pipeline as P


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



def _reference_term(a, t: float, name: str, **weights):
    """The reference's sensordata (H, S) over the horizon from ``t``, and the cost term ``name`` (H,) with
    ``weights`` as a function of edited sensordata (the rest of the state stays the reference's)."""
    from g1mpc.tasks.balance import BalanceTask, CostWeights

    task = BalanceTask(weights=CostWeights(**weights))
    window = P.reference_window(a.spec, a.arrays, P.planner_step_times(a.spec, t))
    sens = np.asarray(window.sensordata)

    def term(sensordata):
        terms = task.stage_costs(a.spec.layout, window.qpos, np.zeros((len(sens), a.spec.nv)), window.ctrl, sensordata,
                                 window, np.asarray(window.ctrl)[0])
        return np.asarray(terms[name])

    return sens, term


def _moved(layout, sensordata, name: str, axis: int, delta: float):
    """A copy of ``sensordata`` (H, S) with component ``axis`` of sensor ``name`` moved by ``delta``."""
    out = sensordata.copy()
    out[:, layout.slices[name][0] + axis] += delta
    return out


def test_feet_crossing_costs_only_a_gap_narrower_than_the_minimum(small_assembly):
    """The feet_crossing term: zero at the reference stance (a 0.237 m gap), growing as the feet cross."""
    layout = small_assembly.spec.layout
    sens, crossing = _reference_term(small_assembly, 1.0, "feet_crossing", feet_crossing=1000.0)

    assert np.all(crossing(sens) == 0.0)
    gap = np.asarray(layout.get(sens, "left_foot_pos") - layout.get(sens, "right_foot_pos"))[:, 1]
    costs = []
    for inward in (0.10, 0.20, 0.30):  # the left foot moved towards the right: gaps of about 0.14, 0.04, -0.06 m
        got = crossing(_moved(layout, sens, "left_foot_pos", 1, -inward))
        np.testing.assert_allclose(got, 1000.0 * np.maximum(0.12 - (gap - inward), 0.0) ** 2, rtol=1e-4, atol=1e-6)
        costs.append(float(got[0]))
    assert costs[0] == 0.0 < costs[1] < costs[2]


def test_capture_support_costs_a_capture_point_outside_the_feet_not_a_narrow_stance(small_assembly):
    """The capture_support term: zero while the capture point is over the soles or between them; a sideways
    CoM velocity puts it outside, and only a step of the foot on that side outwards brings it back in."""
    layout = small_assembly.spec.layout
    sens, squared = _reference_term(small_assembly, 0.5, "capture_support", capture_support=1.0)

    def outside(sensordata):
        return np.sqrt(squared(sensordata))

    assert np.all(outside(sens) == 0.0)
    assert np.all(outside(_moved(layout, sens, "left_foot_world", 1, -0.10)) == 0.0)  # a narrower stance alone costs nothing
    pushed_right = _moved(layout, sens, "com_velocity", 1, -0.9)  # about a 300 N, 0.1 s push: capture point ~0.24 m right
    before = outside(pushed_right)
    assert np.all(before > 0.05)
    np.testing.assert_allclose(outside(_moved(layout, pushed_right, "left_foot_world", 1, -0.10)), before, rtol=1e-5)
    stepped = outside(_moved(layout, pushed_right, "right_foot_world", 1, -0.08))
    np.testing.assert_allclose(stepped, np.maximum(before - 0.08, 0.0), atol=1e-5)


def test_flight_costs_only_both_feet_off_the_floor(small_assembly):
    """The flight term: zero at the reference and with one foot lifted (a step); the lower foot's lift squared
    when both are up."""
    layout = small_assembly.spec.layout
    sens, flight = _reference_term(small_assembly, 1.0, "flight", flight=100.0)
    assert np.all(flight(sens) == 0.0)
    one_up = _moved(layout, sens, "left_foot_world", 2, 0.15)
    assert np.all(flight(one_up) == 0.0)
    both_up = _moved(layout, one_up, "right_foot_world", 2, 0.05)
    np.testing.assert_allclose(flight(both_up), 100.0 * 0.05**2, rtol=1e-4)
    assert np.all(flight(_moved(layout, sens, "right_foot_world", 2, -0.02)) == 0.0)  # a foot below its reference


def test_feet_stay_costs_a_step_only_while_the_capture_point_is_over_the_support(small_assembly):
    """The feet_stay term: zero at the reference; a foot that travels after the first step costs its travel squared
    while the capture point stays over the support, nothing once a push has taken it ``stay_margin`` outside, and
    the reference's own footsteps cost nothing."""
    layout = small_assembly.spec.layout
    sens, stay = _reference_term(small_assembly, 1.0, "feet_stay", feet_stay=1000.0)
    assert np.all(stay(sens) == 0.0)

    stepped = sens.copy()
    stepped[1:, layout.slices["left_foot_world"][0] + 0] += 0.1  # the left foot 0.1 m forward from the second step on
    got = stay(stepped)
    assert got[0] == 0.0
    np.testing.assert_allclose(got[1:], 1000.0 * 0.1**2, rtol=1e-4)

    pushed = _moved(layout, stepped, "com_velocity", 1, -0.9)  # the capture point ~0.24 m right of the feet: a step is due
    assert np.all(stay(pushed) == 0.0)

    from g1mpc.tasks.balance import BalanceTask, CostWeights

    task = BalanceTask(weights=CostWeights(feet_stay=1000.0))
    window = P.reference_window(small_assembly.spec, small_assembly.arrays, P.planner_step_times(small_assembly.spec, 1.0))
    walking = window._replace(sensordata=stepped)  # the reference takes the same step: it costs nothing
    terms = task.stage_costs(layout, window.qpos, np.zeros((len(sens), small_assembly.spec.nv)), window.ctrl, stepped,
                             walking, np.asarray(window.ctrl)[0])
    assert np.all(np.asarray(terms["feet_stay"]) == 0.0)


def test_stay_margin_must_be_a_positive_length():
    import pytest

    from g1mpc.common.errors import ConfigError
    from g1mpc.tasks.balance import BalanceTask

    with pytest.raises(ConfigError, match="stay_margin"):
        BalanceTask(stay_margin=0.0)
