"""Offscreen frames with the ghost, recorded video, report schema, plots (real renders, real files)."""

import json
import os
from pathlib import Path

import mujoco
import numpy as np
import pytest

from g1mpc.cli import main
from g1mpc.common.errors import UserError

SCHEMA = Path(__file__).resolve().parents[1] / "g1mpc" / "running" / "report_schema.json"


def test_ghost_changes_pixels_where_reference_differs(plant, reference):
    from g1mpc.viewing.render import FrameRenderer

    data = mujoco.MjData(plant)
    data.qpos[:] = reference.qpos[0]
    mujoco.mj_forward(plant, data)
    frames = FrameRenderer(plant, 160, 120, show_reference=True)
    arms_out = reference.qpos[0].copy()
    arms_out[[22, 29]] += [1.2, -1.2]  # shoulder roll: the ghost's arms stick out, the robot's do not
    without = frames.render(data, None)
    with_same = frames.render(data, reference.qpos[0])
    with_different = frames.render(data, arms_out)
    frames.close()
    diff = lambda a, b: np.abs(a.astype(int) - b.astype(int)).sum(-1) > 30
    assert diff(with_same, without).sum() > 100  # the ghost tints the robot it overlaps
    # where the ghost's raised arms are, away from the robot's own body, pixels change
    ghost_only = diff(with_different, without) & ~diff(with_same, without)
    assert ghost_only.sum() > 50


@pytest.mark.slow
def test_record_report_and_plots(tmp_path, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    import imageio.v2 as imageio

    video, report, plots = tmp_path / "run.mp4", tmp_path / "run.json", tmp_path / "plots"
    code = main(["run", "--cem_only", "--headless", "--no_realtime", "--duration", "0.5", "--num_samples", "4",
                 "--num_elites", "2", "--plan_horizon", "0.1", "--push_force", "50", "--push_interval", "0.2",
                 "--record", str(video), "--record_fps", "20", "--record_size", "160x120",
                 "--report", str(report), "--plots", str(plots)])
    assert code == 0
    reader = imageio.get_reader(video)
    assert reader.count_frames() == 10  # 0.5 s at 20 fps
    assert reader.get_meta_data()["size"] == (160, 120)
    data = json.loads(report.read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["summary"]["cycles"] == 25 and len(data["push_times"]) == 2
    for name in ("planning_time.png", "tracking.png"):
        assert (plots / name).stat().st_size > 1000


def test_unwritable_video_path_and_unknown_camera(tmp_path, capsys):
    base = ["run", "--cem_only", "--headless", "--duration", "0.1", "--num_samples", "4", "--num_elites", "2"]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main([*base, "--record", str(blocker / "out.mp4")]) == 2
    assert "--record" in capsys.readouterr().err
    assert main([*base, "--record", str(tmp_path / "v.mp4"), "--camera", "nope"]) == 2
    assert "--camera: unknown camera 'nope'" in capsys.readouterr().err


def test_headless_gl_choice_never_names_a_missing_library(monkeypatch):
    """Without a display, MUJOCO_GL names a GL library this machine has, or stays unset (import mujoco must work)."""
    from g1mpc.viewing import gl_backend

    for var in ("MUJOCO_GL", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(gl_backend, "_loadable", lambda names: False)
    gl_backend.choose_for_headless()
    assert "MUJOCO_GL" not in os.environ
    monkeypatch.setattr(gl_backend, "_loadable", lambda names: "libOSMesa.so.8" in names)
    gl_backend.choose_for_headless()
    assert os.environ["MUJOCO_GL"] == "osmesa"
    monkeypatch.setenv("MUJOCO_GL", "glfw")  # the user's choice wins
    gl_backend.choose_for_headless()
    assert os.environ["MUJOCO_GL"] == "glfw"


def test_offscreen_rendering_without_any_gl_library_is_one_clear_error(monkeypatch):
    from g1mpc.viewing import render

    for var in ("MUJOCO_GL", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(UserError, match="libEGL nor libOSMesa"):
        render.ensure_offscreen_backend()
