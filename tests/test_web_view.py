"""The browser view in a real headless Chromium (Debian's, driven by Playwright): the page shows the robot,
its push button pushes the robot in the simulation, a second browser watches without driving, a weight
slider changes the weight the next plan uses, the clip menu switches the run to a generated motion, and
closing the browser leaves the run going."""

import json
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import ROOT, ctrl_c_reaches_it

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Software WebGL: the only flags with which headless Chromium draws viser's scene on a machine without a GPU
CHROMIUM_FLAGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]
SCREENSHOT = ROOT / "test-artifacts" / "web_view.png"


def _status_once(page, *needles: str, timeout: float = 90.0) -> str:
    """The page's status line once it holds every one of ``needles``, polled: how soon depends on how fast this
    machine plans and draws (two software-WebGL browsers beside the run), not on the behaviour under test."""
    deadline = time.time() + timeout
    while True:
        status = page.get_by_text("browser(s)").inner_text()
        if all(n in status for n in needles) or time.time() > deadline:
            return status
        time.sleep(0.5)


def _start_run(tmp_path: Path, port: int) -> subprocess.Popen:
    # niced: a real-time run takes every cycle a core has, and on one core (taskset -c 0) the software-WebGL browser
    # then drew no frame for a screenshot in 180 s; this file tests the page, the run's timing is the benchmarks'
    proc = subprocess.Popen(
        ["nice", "-n", "10", sys.executable, "run_policy_aot.py", "--viewer", "web", "--port", str(port), "--duration", "900",
         "--num_samples", "16", "--num_elites", "2", "--reset_on_fall", "--precompiled_dir", str(tmp_path / "pre"),
         "--report", str(tmp_path / "run.json")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ctrl_c_reaches_it)
    deadline = time.time() + 300
    for line in proc.stdout:
        if "web view at" in line:
            return proc
        if time.time() > deadline:
            break
    proc.kill()
    raise AssertionError("the run never printed its web view's address")


# The page is served by a thread of the run, beside its planner: on one core (taskset -c 0) loading it, drawing its
# 3-D view and taking a screenshot each took over 30-60 s at times, which is the machine's speed, not the page's
# behaviour: every page action may take this long (each page's default timeout).
PAGE_LOAD_MS = 180_000


def _changed_pixels(before: bytes, after: bytes) -> int:
    """Pixels of the page's 3-D view (left of the control panel) that differ between two screenshots."""
    import io

    from PIL import Image

    a, b = (np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int) for png in (before, after))
    width = int(a.shape[1] * 0.7)
    return int((np.abs(a[:, :width] - b[:, :width]).max(axis=2) > 40).sum())


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_page_shows_the_robot_push_moves_it_and_closing_leaves_the_run(tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    port = 8731
    proc = _start_run(tmp_path, port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(PAGE_LOAD_MS)
            page.goto(f"http://127.0.0.1:{port}")
            # the page has more than one canvas, and which comes first depends on what mounted first: a 0 x 0 one
            # never becomes visible, so wait for any visible one
            page.locator("canvas:visible").first.wait_for()
            time.sleep(6)  # the meshes arrive and the first frames draw
            shot = page.screenshot()
            SCREENSHOT.parent.mkdir(exist_ok=True)
            SCREENSHOT.write_bytes(shot)
            for label in ("show robot", "show reference ghost"):  # hide both: what is left is the floor
                page.get_by_text(label, exact=True).click()
            time.sleep(1.5)
            empty = page.screenshot()
            for label in ("show robot", "show reference ghost"):
                page.get_by_text(label, exact=True).click()
            assert _changed_pixels(shot, empty) > 5000, "hiding the robot changed nothing: no robot was drawn"
            force = page.locator("[role=slider][aria-valuemax='400']")  # push force: 0 to 400 N, 150 N at first
            force.focus()
            for _ in range(15):  # to 300 N in steps of 10: a push whose effect stands out of the tracking error
                force.press("ArrowRight")  # of a slow machine as clearly as 150 N's does of a fast one's
                time.sleep(0.05)
            time.sleep(1.0)
            page.get_by_role("button", name="Push (0.1 s)").click()
            time.sleep(2)
            second = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
            watcher = second.new_page(viewport={"width": 1280, "height": 800})  # a second browser: it watches
            watcher.set_default_timeout(PAGE_LOAD_MS)
            watcher.goto(f"http://127.0.0.1:{port}")
            watcher.get_by_role("button", name="Push (0.1 s)").wait_for()
            time.sleep(2)
            # not the driver: ignored. The click event is dispatched on the button itself: with two software-WebGL
            # browsers on two slow cores the page may draw too rarely for Playwright to find the button "stable"
            try:
                watcher.get_by_role("button", name="Push (0.1 s)").dispatch_event("click", timeout=120_000)
            except PlaywrightTimeout:
                warnings.warn("the watching browser's Push button was not found again within 120 s (a slow machine): "
                              "its ignored push was not tried this time", stacklevel=1)
            time.sleep(1.5)  # the watcher's push would have counted by now
            status = _status_once(page, "2 browser(s)")
            assert "2 browser(s)" in status and "pushes from the page 1" in status, status
            second.close()
            thumb = page.locator("[role=slider][aria-valuemax='3000']")  # capture_point: 0 to 3 x its 1000
            assert page.get_by_text("weight capture_point").count() == 1 and thumb.count() == 1
            thumb.focus()
            for _ in range(10):  # 1000 - 10 steps of 50
                thumb.press("ArrowLeft")
                time.sleep(0.05)
            time.sleep(2)
            page.get_by_role("combobox", name="clip").click()
            page.get_by_role("option", name="generated motion 2").click()
            time.sleep(0.5)  # the choice reaches the server before the button does
            assert page.get_by_role("combobox", name="clip").input_value() == "generated motion 2"
            page.get_by_role("button", name="Switch to this clip").click()
            status = _status_once(page, "clip generated motion 2")
            assert "clip generated motion 2" in status, status
            browser.close()
        closed_at = time.time()
        time.sleep(3)
        assert proc.poll() is None, "closing the browser stopped the run"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out[-3000:]
    used = [line for line in out.splitlines() if line.startswith("[web] weight capture_point") and "in use from the plan" in line]
    assert used and "-> 500" in used[-1], out[-3000:]
    assert any(line.startswith("[web] clip generated motion 2: in use from the plan") for line in out.splitlines()), out[-3000:]
    report = json.loads((tmp_path / "run.json").read_text())
    assert report["push_times"], "the page's push never reached the simulation"
    assert report["summary"]["wall_time_s"] > 0 and time.time() - closed_at >= 3
    push, cycles = report["push_times"][0], report["cycles"]
    assert any(c["pushing"] for c in cycles), "no cycle was pushed"
    before = max(c["joint_rms"] for c in cycles if push - 1.0 < c["sim_time"] <= push)
    after = max(c["joint_rms"] for c in cycles if push < c["sim_time"] <= push + 1.0)
    assert after > 1.5 * before, (before, after)  # the push moved the robot off its reference
