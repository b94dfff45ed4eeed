"""The interactive viewer under Xvfb: a real window with the ghost, a few cycles, a clean close."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import ctrl_c_reaches_it

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("import") is None,
                    reason="needs Xvfb and ImageMagick's import (apt-get install xvfb imagemagick; .ci/run does)")
def test_viewer_shows_ghost_under_xvfb(tmp_path):
    display = ":97"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = {**os.environ, "DISPLAY": display}
        env.pop("MUJOCO_GL", None)
        run = subprocess.Popen(
            [sys.executable, "run_policy.py", "--cem_only", "--show_reference", "--duration", "120", "--num_samples", "8",
             "--num_elites", "2", "--plan_horizon", "0.3", "--sigma_start", "0.05", "--sigma_min", "0.01"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_reaches_it,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "viewer_xvfb.png"
        from PIL import Image

        def greenish(pixels):  # the ghost is translucent green; nothing else in the scene is green-dominant
            return (pixels[..., 1] > pixels[..., 0] + 40) & (pixels[..., 1] > pixels[..., 2] + 20)

        pixels = np.zeros((2, 2, 3))
        while run.poll() is None:  # screenshots until the running loop has drawn the ghost
            time.sleep(0.5)
            subprocess.run(["import", "-display", display, "-window", "root", str(shot)], timeout=30, capture_output=True)
            if shot.exists():
                pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
                if greenish(pixels).sum() > 100:
                    break
        if run.poll() is None:  # seen: Ctrl-C ends the run with its summary (how soon depends on this machine's speed)
            run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-2000:]
        assert "no display" not in out and "cannot open the viewer" not in out
        assert "[summary]" in out
        assert pixels.std() > 10, "the screenshot is blank"
        assert greenish(pixels).sum() > 100, "no ghost in the window"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
