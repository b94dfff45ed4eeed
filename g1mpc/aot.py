"""Ahead-of-time compiled planning pipeline: ``jax.export`` artifacts + persistent XLA cache.

A precompiled directory holds:

- ``manifest.json``: what it was built from (config digest, checkpoint/robot/reference
  hashes, jax/jaxlib versions, platform, shapes). Written last.
- ``functions/<stage>.jaxexport``: each stage of :class:`~g1mpc.controller.StageFunctions`
  serialised with ``jax.export`` (StableHLO data, never pickled code).
- ``jax_cache/``: JAX's persistent compilation cache, so loading skips XLA compilation.
- ``models/plant.mjb`` and ``reference.npz``: the compiled MuJoCo model (MuJoCo's binary
  format) and the reference derived from it, so loading skips model compilation and
  forward kinematics too.
- ``network.npz``: the converted network weights (loading needs no torch).

The directory is built next to its destination and renamed into place, under a
lock file, so a crash mid-build never leaves a directory that loads and two
builders never mix their files.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import jax
import mujoco
import numpy as np
from jax import export

from g1mpc.controller import StageFunctions
from g1mpc.reference import Reference

MANIFEST_FORMAT = 2
PACKAGE_DIR = Path(__file__).resolve().parent
STAGES = ("warm_start", "propose", "score", "plant", "features", "network", "iterate")


class StaleArtifact(Exception):
    """The precompiled directory is missing, stale or unreadable; the message says why."""


def enable_persistent_cache(precompiled_dir: str | Path) -> None:
    """Point JAX's compilation cache into the precompiled dir (call before anything compiles)."""
    cache = Path(precompiled_dir).resolve() / "jax_cache"
    jax.config.update("jax_compilation_cache_dir", str(cache))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def sha256_arrays(*arrays) -> str:
    h = hashlib.sha256()
    for a in jax.tree_util.tree_leaves(arrays):
        h.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    return h.hexdigest()[:16]


def code_digest() -> str:
    """Hash of this package's source: any change to the planner code makes an artifact stale."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def expected_manifest(run_config, checkpoint: str | Path) -> dict:
    """The fields a matching artifact must have: everything its code, models and inputs were built from.

    Computed from sources only (config, files, versions), so checking needs no model compilation.
    """
    from g1mpc.assembly import robot_file_digest

    cfg = run_config
    return {
        "format": MANIFEST_FORMAT,
        "config_digest": cfg.digest(),
        "code_sha256": code_digest(),
        "checkpoint_sha256": sha256_file(checkpoint),
        "robot": cfg.robot,
        "robot_sha256": robot_file_digest(cfg.robot),
        "reference_sha256": sha256_file(cfg.reference) if cfg.reference else "generated",
        "backend": cfg.controller.backend,
        "frequency": cfg.frequency,
        "platform": export.default_export_platform(),  # cpu, cuda, rocm or tpu: what jax.export takes
        "jax_version": jax.__version__,
        "jaxlib_version": jax.lib.__version__ if hasattr(jax.lib, "__version__") else jax.__version__,
        "mujoco_version": mujoco.__version__,
    }


def _example_args(assembly, network_params) -> dict[str, tuple]:
    """Concrete example arguments of every stage (their shapes and dtypes define the export)."""
    s, c = assembly.spec, assembly.config.controller
    f32 = np.float32
    mean = np.zeros((s.num_knots, s.nu), f32)
    knots = np.zeros((c.num_samples, s.num_knots, s.nu), f32)
    controls = np.zeros((c.num_samples, s.horizon_steps, s.nu), f32)
    qpos, qvel = np.zeros(s.nq, f32), np.zeros(s.nv, f32)
    rq = np.zeros((c.num_samples, s.horizon_steps, s.nq), f32)
    rv = np.zeros((c.num_samples, s.horizon_steps, s.nv), f32)
    rs = np.zeros((c.num_samples, s.horizon_steps, assembly.plant.nsensordata), f32)
    t0, seed, ctr, prev = f32(0), np.int32(0), np.int32(0), np.zeros(s.nu, f32)
    task = assembly.task
    feats = np.zeros(s.feature_size, f32)
    return {
        "warm_start": (mean, mean),
        "propose": (mean, mean, mean, seed, ctr, t0, task),
        "score": (mean, mean, knots, controls, rq, rv, rs, t0, prev, task),
        "plant": (mean, t0, task),
        "features": (qpos, qvel, t0, task),
        "network": (network_params, feats),
        "iterate": (mean, mean, mean, seed, ctr, t0, qpos, qvel, prev, task),
    }


def _flat(fn: Callable, treedef):
    def flat_fn(*leaves):
        return fn(*jax.tree_util.tree_unflatten(treedef, leaves))

    return flat_fn


class _LoadedStage:
    """An exported stage, called with the same pytree arguments as the jitted one.

    Compiled when loaded (from the persistent cache when it holds the entry), so the first
    planning cycle runs no lowering and the argument signature is fixed to the exported one.
    """

    def __init__(self, exported: export.Exported):
        specs = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in exported.in_avals]
        self._call = jax.jit(exported.call).lower(*specs).compile()

    def __call__(self, *args):
        return self._call(*jax.tree_util.tree_leaves(args))


@contextmanager
def _build_lock(target: Path):
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build(precompiled_dir: str | Path, stages: StageFunctions, assembly, network_params, manifest: dict) -> None:
    """Export every stage, then swap the new directory into place atomically."""
    target = Path(precompiled_dir)
    examples = _example_args(assembly, network_params)
    with _build_lock(target):
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.build-"))
        try:
            (tmp / "functions").mkdir()
            shapes = {}
            for name in STAGES:
                fn = getattr(stages, name)
                if fn is None:
                    continue
                leaves, treedef = jax.tree_util.tree_flatten(examples[name])
                specs = [jax.ShapeDtypeStruct(np.shape(x), np.asarray(x).dtype) for x in leaves]
                exported = export.export(jax.jit(_flat(fn, treedef)), platforms=[manifest["platform"]])(*specs)
                (tmp / "functions" / f"{name}.jaxexport").write_bytes(exported.serialize())
                shapes[name] = [list(s.shape) for s in specs]
            if (target / "jax_cache").is_dir():  # keep compiled entries that are still valid
                shutil.copytree(target / "jax_cache", tmp / "jax_cache")
            from g1mpc.network_jax import flatten_params

            with open(tmp / "network.npz", "wb") as f:  # the converted weights: loading needs no torch
                np.savez(f, **flatten_params(network_params))
            _save_task_models(tmp, assembly)
            (tmp / "manifest.json").write_text(json.dumps({**manifest, "shapes": shapes}, indent=1))
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            if target.exists():
                os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def check(precompiled_dir: str | Path, manifest: dict) -> None:
    """Raise :class:`StaleArtifact` naming why the directory cannot be used as is."""
    target = Path(precompiled_dir)
    path = target / "manifest.json"
    if not path.is_file():
        raise StaleArtifact(f"no precompiled pipeline in '{target}'")
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise StaleArtifact(f"manifest '{path}' does not parse ({type(exc).__name__})") from None
    if not isinstance(found, dict):
        raise StaleArtifact(f"manifest '{path}' is not a JSON object")
    for key, value in manifest.items():
        if found.get(key) != value:
            raise StaleArtifact(f"stale: {key} is {found.get(key)!r} in the artifact but {value!r} now")


def load_network_params(precompiled_dir: str | Path) -> dict:
    """The network weights stored with the artifact (plain arrays, ``allow_pickle=False``)."""
    from g1mpc.network_jax import unflatten_params

    path = Path(precompiled_dir) / "network.npz"
    try:
        with np.load(path, allow_pickle=False) as npz:
            return unflatten_params({k: npz[k] for k in npz.files})
    except FileNotFoundError:
        raise StaleArtifact(f"artifact '{path}' is missing") from None
    except Exception as exc:
        raise StaleArtifact(f"artifact '{path}' is unreadable ({type(exc).__name__})") from None


def _save_task_models(directory: Path, assembly) -> None:
    (directory / "models").mkdir()
    mujoco.mj_saveModel(assembly.plant, str(directory / "models" / "plant.mjb"), None)
    ref = assembly.reference
    with open(directory / "reference.npz", "wb") as f:
        np.savez(f, qpos=ref.qpos, ctrl=ref.ctrl, sensordata=ref.sensordata, fps=np.float64(ref.fps))


def load_task_models(precompiled_dir: str | Path, planner_config):
    """The compiled plant and the reference stored with the artifact (binary MJB and plain arrays).

    The planner model is the plant with the planner settings applied, as when compiling from XML.
    """
    from g1mpc.assembly import TaskModels
    from g1mpc.robot import planner_model_from

    target = Path(precompiled_dir)
    path = target / "models" / "plant.mjb"
    try:
        plant = mujoco.MjModel.from_binary_path(str(path))
        planner_model = planner_model_from(copy.deepcopy(plant), planner_config)
        path = target / "reference.npz"
        with np.load(path, allow_pickle=False) as npz:
            reference = Reference(qpos=npz["qpos"], fps=float(npz["fps"]), ctrl=npz["ctrl"], sensordata=npz["sensordata"])
    except Exception as exc:
        if not path.exists():
            raise StaleArtifact(f"artifact '{path}' is missing") from None
        raise StaleArtifact(f"artifact '{path}' is unreadable ({type(exc).__name__})") from None
    return TaskModels(plant, planner_model, reference)


def load(precompiled_dir: str | Path, backend: str) -> StageFunctions:
    """Deserialise the exported stages (data only; nothing is unpickled) and compile them.

    Call :func:`enable_persistent_cache` first: compiling then loads the cached executables.
    """
    target = Path(precompiled_dir)
    loaded = {}
    for name in STAGES:
        path = target / "functions" / f"{name}.jaxexport"
        if name == "iterate" and backend != "mjx":
            loaded[name] = None
            continue
        try:
            loaded[name] = _LoadedStage(export.deserialize(bytearray(path.read_bytes())))
        except FileNotFoundError:
            raise StaleArtifact(f"artifact '{path}' is missing") from None
        except Exception as exc:
            raise StaleArtifact(f"artifact '{path}' is unreadable ({type(exc).__name__})") from None
    return StageFunctions(**loaded)
