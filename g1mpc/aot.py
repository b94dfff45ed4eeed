"""Ahead-of-time compiled planning pipeline: ``jax.export`` artifacts + persistent XLA cache.

A precompiled directory holds:

- ``manifest.json``: what it was built from (see :mod:`g1mpc.manifest`). Written last.
- ``functions/<stage>.jaxexport``: each stage of :mod:`g1mpc.stages`, serialised with ``jax.export``
  (StableHLO data, never pickled code).
- ``jax_cache/``: JAX's persistent compilation cache, so loading skips XLA compilation.
- ``models/plant.mjb`` and ``reference.npz``: the compiled MuJoCo model (MuJoCo's binary format) and the
  reference derived from it, so loading skips model compilation and forward kinematics too.
- ``network.npz``: the converted network weights (loading needs no torch).

The directory is built next to its destination and renamed into place, under a lock file, so a crash
mid-build never leaves a directory that loads and two builders never mix their files.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import jax
import mujoco
import numpy as np
from jax import export

from g1mpc.assembly import Assembly, TaskModels, assemble
from g1mpc.config import RunConfig
from g1mpc.errors import UserError, require_checkpoint_file
from g1mpc.manifest import StaleArtifact, check, expected_manifest
from g1mpc.models import PlannerModelConfig, planner_model_from
from g1mpc.network_jax import flatten_params, unflatten_params
from g1mpc.reference import Reference
from g1mpc.stages import StageFunctions


def enable_persistent_cache(precompiled_dir: str | Path) -> None:
    """Point JAX's compilation cache into the precompiled dir (call before anything compiles)."""
    cache = Path(precompiled_dir).resolve() / "jax_cache"
    jax.config.update("jax_compilation_cache_dir", str(cache))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


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


def build(precompiled_dir: str | Path, assembly: Assembly, network_params: dict, manifest: dict) -> None:
    """Export every declared stage, then swap the new directory into place atomically."""
    target = Path(precompiled_dir)
    declared = assembly.declared_stages(network_params)
    with _build_lock(target):
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.build-"))
        try:
            (tmp / "functions").mkdir()
            shapes = {}
            for name, stage in zip(StageFunctions._fields, declared, strict=True):
                if stage is None:
                    continue
                leaves, treedef = jax.tree_util.tree_flatten(stage.example_args)
                specs = [jax.ShapeDtypeStruct(np.shape(x), np.asarray(x).dtype) for x in leaves]
                exported = export.export(jax.jit(_flat(stage.fn, treedef)), platforms=[manifest["platform"]])(*specs)
                (tmp / "functions" / f"{name}.jaxexport").write_bytes(exported.serialize())
                shapes[name] = [list(s.shape) for s in specs]
            if (target / "jax_cache").is_dir():  # keep compiled entries that are still valid
                shutil.copytree(target / "jax_cache", tmp / "jax_cache")
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


def load_network_params(precompiled_dir: str | Path) -> dict:
    """The network weights stored with the artifact (plain arrays, ``allow_pickle=False``)."""
    path = Path(precompiled_dir) / "network.npz"
    try:
        with np.load(path, allow_pickle=False) as npz:
            return unflatten_params({k: npz[k] for k in npz.files})
    except FileNotFoundError:
        raise StaleArtifact(f"artifact '{path}' is missing") from None
    except Exception as exc:
        raise StaleArtifact(f"artifact '{path}' is unreadable ({type(exc).__name__})") from None


def _save_task_models(directory: Path, assembly: Assembly) -> None:
    (directory / "models").mkdir()
    mujoco.mj_saveModel(assembly.plant, str(directory / "models" / "plant.mjb"), None)
    ref = assembly.reference
    with open(directory / "reference.npz", "wb") as f:
        np.savez(f, qpos=ref.qpos, ctrl=ref.ctrl, sensordata=ref.sensordata, fps=np.float64(ref.fps))


def load_task_models(precompiled_dir: str | Path, planner_config: PlannerModelConfig) -> TaskModels:
    """The compiled plant and the reference stored with the artifact (binary MJB and plain arrays).

    The planner model is the plant with the planner settings applied, as when compiling from XML.
    """
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
    for name in StageFunctions._fields:
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


def prepare_precompiled(config: RunConfig, model_path: str | Path, precompiled_dir: str | Path, recompile: bool = False,
                        nthread: int | None = None, log: Callable[[str], None] = print) -> tuple[Assembly, dict, list[str]]:
    """Return (assembly, network params, header lines) with the stages and models loaded, or built first.

    The manifest is checked from sources only: a matching artifact is loaded without compiling anything,
    neither JAX functions nor MuJoCo models, and without importing torch.
    """
    enable_persistent_cache(precompiled_dir)  # before anything compiles
    require_checkpoint_file(model_path)
    manifest = expected_manifest(config, model_path)  # hashes the checkpoint's bytes: no torch needed
    header = [f"precompiled dir {precompiled_dir}"]
    tic = time.perf_counter()
    reason = "--recompile given" if recompile else None
    if reason is None:
        try:
            check(precompiled_dir, manifest)
            params = load_network_params(precompiled_dir)
            # MuJoCo reads its models without holding the GIL: load them while JAX loads the stages.
            with ThreadPoolExecutor(max_workers=1) as pool:
                models_loading = pool.submit(load_task_models, precompiled_dir, config.planner_model)
                stages = load(precompiled_dir, config.controller.backend)
                models = models_loading.result()
            assembly = assemble(config, nthread=nthread, models=models, stages=stages)
            header.append(f"loaded precompiled pipeline in {time.perf_counter() - tic:.2f} s")
            return assembly, params, header
        except StaleArtifact as exc:
            reason = str(exc)
    log(f"[g1mpc] building the precompiled pipeline ({reason}) ...")
    from g1mpc.network import load_network  # torch: only when building

    assembly = assemble(config, nthread=nthread)
    try:
        params = load_network(model_path, assembly.network_spec())  # validates the checkpoint against this run
        build(precompiled_dir, assembly, params, manifest)
        assembly.stages = load(precompiled_dir, config.controller.backend)
    except OSError as exc:
        assembly.close()
        raise UserError(
            f"--precompiled_dir: cannot write '{precompiled_dir}' ({exc.strerror or exc}); "
            "choose a writable directory with free space"
        ) from None
    except BaseException:
        assembly.close()
        raise
    header.append(f"created precompiled pipeline in {time.perf_counter() - tic:.2f} s ({reason})")
    return assembly, params, header
