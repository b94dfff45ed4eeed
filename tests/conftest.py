import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")  # deterministic CPU runs; JAX_PLATFORMS=cuda runs them on a GPU
# sizings measured under the suite's load stay out of the user's cache (exported_models/sizing.json)
os.environ.setdefault("G1MPC_SIZING_CACHE", str(Path(tempfile.mkdtemp(prefix="g1mpc-tests-")) / "sizing.json"))
import g1mpc  # noqa: F401  sets MUJOCO_GL (EGL or OSMesa where there is no display) before MuJoCo loads


@pytest.fixture(scope="session")
def plant():
    from g1mpc.robots.g1 import G1
    from g1mpc.robots.models import load_plant_model

    return load_plant_model(G1)


@pytest.fixture(scope="session")
def reference(plant):
    from g1mpc.robots.g1 import G1
    from g1mpc.running.assembly import default_reference
    from g1mpc.tasks.balance import BalanceTask

    return default_reference(plant, G1, BalanceTask())


@pytest.fixture(scope="session")
def small_assembly():
    """A small real configuration: 8 samples, 0.2 s horizon, native rollouts."""
    from g1mpc.planning.controller import ControllerConfig
    from g1mpc.running.assembly import assemble
    from g1mpc.running.config import RunConfig

    config = RunConfig(plan_horizon=0.2, controller=ControllerConfig(num_samples=8, num_elites=2))
    assembly = assemble(config, nthread=2)
    yield assembly
    assembly.close()
