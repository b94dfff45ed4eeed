"""A running controller switches clips without a rebuild: the clip is an input of the compiled stages,
padded to the run's clip capacity, and the loops hand a clip chosen mid-run to the planner."""

import numpy as np
import pytest

from g1mpc.planning.pipeline import ClipTooLong, run_arrays
from g1mpc.running.clips import clip_menu
from g1mpc.running.sim import SimConfig


def _compiled(assembly) -> dict:
    return {name: fn._cache_size() for name, fn in assembly.stages._asdict().items() if fn is not None}


def _replan(controller, t, qpos, nv):
    plan, _ = controller.replan(t, qpos, np.zeros(nv))
    return plan.controls


@pytest.fixture(scope="module")
def motion(small_assembly):
    return clip_menu(small_assembly)["generated motion 3"]()


def test_the_menu_lists_the_runs_clip_first_and_generated_motions(small_assembly, motion):
    menu = clip_menu(small_assembly)
    assert next(iter(menu)) == "default clip" and menu["default clip"]() is small_assembly.reference
    assert [n for n in menu if n.startswith("generated motion")] == [f"generated motion {s}" for s in range(10)]
    assert motion.qpos.shape == (round(20 * motion.fps), small_assembly.plant.nq)  # 20 s, within the 30 s capacity


def test_padding_to_the_capacity_changes_no_plan(small_assembly):
    arrays = small_assembly.arrays
    frames = len(small_assembly.reference.qpos)
    fps = small_assembly.reference.fps
    assert arrays.ref_qpos.shape[0] == round(30 * fps) > frames and int(arrays.frame_count) == frames
    qpos = small_assembly.reference.qpos[frames - 3].copy()  # near the clip's end: the blend wraps to frame 0
    t = (frames - 3) / small_assembly.reference.fps + 0.01
    padded = _replan(small_assembly.controller(), t, qpos, small_assembly.plant.nv)
    unpadded_controller = small_assembly.controller()
    unpadded_controller.arrays = run_arrays(small_assembly.reference, small_assembly.plant, len(arrays.cost_scale))
    assert unpadded_controller.arrays.ref_qpos.shape[0] == frames
    np.testing.assert_array_equal(_replan(unpadded_controller, t, qpos, small_assembly.plant.nv), padded)


def test_a_switched_clip_plans_as_a_run_of_that_clip_without_compiling(small_assembly, motion):
    nv = small_assembly.plant.nv
    qpos = motion.qpos[round(0.5 * motion.fps)].copy()  # 0.5 s into the motion
    qpos[0] += 0.02
    fresh = _replan(small_assembly.with_reference(motion).controller(), 0.5, qpos, nv)
    compiled = _compiled(small_assembly)
    switched = small_assembly.controller()
    switched.use_reference(motion, clip_start=4.0)
    after_switch = _replan(switched, 4.5, qpos, nv)
    np.testing.assert_allclose(after_switch, fresh, atol=1e-4)
    default = _replan(small_assembly.controller(), 4.5, qpos, nv)
    assert np.max(np.abs(default - fresh)) > 1e-3  # the default clip at 4.5 s asks for something else
    assert _compiled(small_assembly) == compiled


def test_a_clip_longer_than_the_capacity_is_refused_with_what_to_do(small_assembly, motion):
    from g1mpc.motion.reference import Reference

    long = Reference(qpos=np.concatenate([motion.qpos] * 2), fps=motion.fps, ctrl=np.concatenate([motion.ctrl] * 2),
                     sensordata=np.concatenate([motion.sensordata] * 2))
    capacity = small_assembly.arrays.ref_qpos.shape[0]
    with pytest.raises(ClipTooLong, match=f"{2 * len(motion.qpos)} frames but this run's arrays hold at most {capacity}.*--reference"):
        small_assembly.controller().use_reference(long, 0.0)


@pytest.mark.parametrize("loop", ["sync", "async"])
def test_the_loops_switch_the_simulation_and_the_planner_together(small_assembly, motion, loop):
    sim = small_assembly.simulation(SimConfig(duration=1.0, loop=loop, realtime=loop == "async", print_every=0))
    controller = small_assembly.controller()
    seen = []

    def on_cycle(data, ref):
        if len(seen) == 10:
            sim.request_clip(motion, "generated motion 3")
        seen.append((data.time, ref.copy(), float(controller.arrays.clip_start)))
        return True

    from g1mpc.running.loop import run_loop

    result = run_loop(sim, controller, on_cycle=on_cycle, log=None)
    assert not result.falls and sim.clip_name == "generated motion 3" and sim.clip_changes == 1
    start = sim.clip_start
    assert 0.2 <= start <= 0.3  # the end of the cycle it was asked in
    assert int(controller.arrays.frame_count) == len(motion.qpos)
    assert abs(float(controller.arrays.clip_start) - start) < 1e-6
    later = [(t, ref) for t, ref, _ in seen if t > start + 0.1]
    assert later and all(np.array_equal(ref, sim.reference_qpos(t)) for t, ref in later)
    t, ref = later[0]
    np.testing.assert_array_equal(ref, motion.qpos[int(np.floor((t - start) * motion.fps + 1e-9))])
