"""Ahead-of-time compiled planning pipeline: ``jax.export`` artifacts + persistent XLA cache.

A precompiled directory (``--precompiled_dir``) holds one immutable build per configuration, found by
the key of what it was built from (:mod:`g1mpc.precompiled.manifest`), the compiled models they share, and one JAX
compilation cache::

    builds/<key>/manifest.json            what it was built from, and the SHA-256 of each file below and of its model; written last
    builds/<key>/functions/<stage>.jaxexport   each stage of :mod:`g1mpc.planning.stages` (StableHLO data, never pickled code)
    builds/<key>/reference.npz             the reference derived from the model (no forward kinematics at load)
    builds/<key>/network.npz               the network weights for JAX (loading needs no torch)
    models/<sha256>.mjb                    the compiled MuJoCo model, stored once per content (loading compiles no model)
    jax_cache/                             JAX's persistent compilation cache (:mod:`~g1mpc.precompiled.compile_cache`): no compile at load

A build is written in a temporary sibling directory under the key's lock and renamed into place, so a
crash leaves nothing that loads, and a valid build is never changed: a loader reading it is never mixed up
by a concurrent build of another configuration. The loader checks every file's digest on the bytes it
uses; a build that fails the check is moved aside and built again, saying why.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import jax
import mujoco
import numpy as np
from jax import export

from g1mpc.common.errors import UserError, require_checkpoint_file
from g1mpc.motion.reference import Reference
from g1mpc.network.jax_mlp import flatten_params, unflatten_params
from g1mpc.planning.stages import StageFunctions
from g1mpc.precompiled import compile_cache
from g1mpc.precompiled.manifest import (
    StaleArtifact,
    build_key,
    expected_manifest,
    read_manifest,
    read_verified,
    sha256_bytes,
    why_no_build,
)
from g1mpc.precompiled.model_file import MODELS, model_path, read_model_file
from g1mpc.running.assembly import Assembly, TaskModels, assemble, planner_model_for
from g1mpc.running.config import RunConfig

BUILDS = "builds"


def build_dir(precompiled_dir: str | Path, key: str) -> Path:
    return Path(precompiled_dir) / BUILDS / key


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
def _build_lock(precompiled_dir: Path, key: str):
    """One builder per configuration at a time (other configurations build in parallel)."""
    locks = precompiled_dir / BUILDS / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _move_aside(directory: Path, why: str) -> Path:
    """Rename a build out of its key's place in one step (a loader then finds no build, never half of one);
    returns the hidden directory now holding it, to delete."""
    aside = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.{why}-"))
    os.replace(directory, aside / directory.name)
    return aside


def _npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def build(precompiled_dir: str | Path, key: str, assembly: Assembly, network_params: dict, expected: dict) -> Path:
    """Export every declared stage and the models into a new build directory, renamed into place last.

    Call it holding the key's lock (:func:`prepare_precompiled` does). A damaged build already at the
    key's place is moved aside first and deleted once the new one is in place.
    """
    builds = Path(precompiled_dir) / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=builds, prefix=f".{key}.build-"))
    files: dict[str, str] = {}

    def put(name: str, data: bytes) -> None:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_bytes(data)
        files[name] = sha256_bytes(data)

    try:
        shapes = {}
        for name, stage in zip(StageFunctions._fields, assembly.declared_stages(network_params), strict=True):
            if stage is None:
                continue
            leaves, treedef = jax.tree_util.tree_flatten(stage.example_args)
            specs = [jax.ShapeDtypeStruct(np.shape(x), np.asarray(x).dtype) for x in leaves]
            exported = export.export(jax.jit(_flat(stage.fn, treedef)), platforms=[expected["platform"]])(*specs)
            put(f"functions/{name}.jaxexport", bytes(exported.serialize()))
            shapes[name] = [list(s.shape) for s in specs]
        put("network.npz", _npz_bytes(**flatten_params(network_params)))
        ref = assembly.reference
        put("reference.npz", _npz_bytes(qpos=ref.qpos, ctrl=ref.ctrl, sensordata=ref.sensordata, fps=np.float64(ref.fps)))
        with _models_lock(Path(precompiled_dir)):  # no model collection between storing the model and the build's rename
            model = store_model(Path(precompiled_dir), assembly.plant)
            manifest = {**expected, "key": key, "config": assembly.config.as_dict(), "shapes": shapes, "files": files,
                        "model_sha256": model, "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
            target = builds / key
            aside = _move_aside(target, "replaced") if target.exists() else None
            os.replace(tmp, target)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
        return target
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def _models_lock(precompiled_dir: Path):
    """Storing a model and naming it in a build, or collecting unnamed models: one at a time."""
    (precompiled_dir / MODELS).mkdir(parents=True, exist_ok=True)
    with open(precompiled_dir / MODELS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def store_model(precompiled_dir: Path, model: mujoco.MjModel) -> str:
    """Save ``model`` once per content under ``models/``; returns its SHA-256. An existing file with that name
    is kept when its bytes match, replaced (atomically) when they do not: a damaged shared model is repaired."""
    tmp = Path(tempfile.mkstemp(dir=precompiled_dir / MODELS, prefix=".model-", suffix=".mjb")[1])
    try:
        mujoco.mj_saveModel(model, str(tmp), None)
        digest = sha256_bytes(tmp.read_bytes())
        target = model_path(precompiled_dir, digest)
        if target.is_file() and sha256_bytes(target.read_bytes()) == digest:
            tmp.unlink()
        else:
            os.replace(tmp, target)
        return digest
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def collect_unused_models(precompiled_dir: Path) -> list[str]:
    """Delete the stored models no build names; returns their digests."""
    root = Path(precompiled_dir)
    if not (root / MODELS).is_dir():
        return []
    with _models_lock(root):
        named = set()
        for directory in (root / BUILDS).glob("[!.]*"):
            try:
                named.add(read_manifest(directory).get("model_sha256"))
            except StaleArtifact:
                continue  # an unreadable build is rebuilt (and its model stored again) when next loaded
        unused = [p for p in (root / MODELS).glob("*.mjb") if p.stem not in named]
        for path in unused:
            path.unlink(missing_ok=True)
    return [p.stem for p in unused]


def _unreadable(path: Path, exc: Exception) -> StaleArtifact:
    return StaleArtifact(f"build file '{path}' is unreadable ({type(exc).__name__})")


def load_network_params(directory: Path, manifest: dict) -> dict:
    """The network weights stored with the build (plain arrays, ``allow_pickle=False``)."""
    data = read_verified(directory, "network.npz", manifest)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return unflatten_params({k: npz[k] for k in npz.files})
    except Exception as exc:
        raise _unreadable(directory / "network.npz", exc) from None


def _load_checked_model(directory: Path, manifest: dict) -> mujoco.MjModel:
    """The build's stored model, used only if the digest of the bytes MuJoCo read is the one the manifest names."""
    digest = manifest.get("model_sha256")
    if not isinstance(digest, str) or len(digest) != 64:
        raise StaleArtifact(f"manifest '{directory / 'manifest.json'}' names no stored model")
    path = model_path(directory.parent.parent, digest)
    try:
        model, read_digest = read_model_file(path)
    except FileNotFoundError:
        raise StaleArtifact(f"model file '{path}' is missing") from None
    if read_digest != digest:
        raise StaleArtifact(f"model file '{path}' does not match its digest in the manifest (changed or damaged)")
    if isinstance(model, Exception):
        raise _unreadable(path, model)
    return model


def load_stored_task_models(directory: Path, manifest: dict, config: RunConfig) -> TaskModels:
    """The compiled plant and the reference stored with the build (digest-checked MJB and plain arrays).

    The planner model is the plant with the planner settings applied, as when compiling from XML.
    """
    plant = _load_checked_model(directory, manifest)
    reference_bytes = read_verified(directory, "reference.npz", manifest)
    try:
        with np.load(io.BytesIO(reference_bytes), allow_pickle=False) as npz:
            reference = Reference(qpos=npz["qpos"], fps=float(npz["fps"]), ctrl=npz["ctrl"], sensordata=npz["sensordata"])
    except Exception as exc:
        raise _unreadable(directory / "reference.npz", exc) from None
    return TaskModels(plant, planner_model_for(config, plant), reference)


def load_stages(directory: Path, manifest: dict, backend: str) -> StageFunctions:
    """Deserialise the exported stages (checked bytes, data only; nothing is unpickled) and compile them.

    Call :func:`g1mpc.precompiled.compile_cache.enable` first: compiling then loads the cached executables.
    """
    loaded = {}
    for name in StageFunctions._fields:
        if name == "iterate" and backend != "mjx":
            loaded[name] = None
            continue
        relative = f"functions/{name}.jaxexport"
        data = read_verified(directory, relative, manifest)
        try:
            loaded[name] = _LoadedStage(export.deserialize(bytearray(data)))
        except Exception as exc:
            raise _unreadable(directory / relative, exc) from None
    return StageFunctions(**loaded)


def load_build(directory: Path, expected: dict, config: RunConfig, nthread: int | None) -> tuple[Assembly, dict]:
    """Assembly and network parameters from a build whose manifest and file digests match."""
    manifest = read_manifest(directory, expected)
    params = load_network_params(directory, manifest)
    # MuJoCo reads its model without holding the GIL (and hashing releases it): load it while JAX loads the stages.
    with ThreadPoolExecutor(max_workers=1) as pool:
        models_loading = pool.submit(load_stored_task_models, directory, manifest, config)
        stages = load_stages(directory, manifest, config.controller.backend)
        models = models_loading.result()
    return assemble(config, nthread=nthread, models=models, stages=stages), params


def prepare_precompiled(config: RunConfig, model_path: str | Path, precompiled_dir: str | Path, recompile: bool = False,
                        nthread: int | None = None, log: Callable[[str], None] = print) -> tuple[Assembly, dict, list[str]]:
    """Return (assembly, network params, header lines) from this configuration's build, built first if needed.

    Finding and checking the build compiles nothing and imports no torch. A missing, stale or damaged
    build is (re)built under the key's lock; a process that waited for another's build loads it. Unreadable
    entries of JAX's compilation cache met on the way are removed, so the next run caches them afresh.
    """
    compile_cache.enable(precompiled_dir)  # before anything compiles
    with compile_cache.repairing(precompiled_dir) as repair:
        assembly, params, header = _prepare(config, model_path, precompiled_dir, recompile, nthread, log)
    return assembly, params, header + repair.lines()


def _prepare(config: RunConfig, model_path: str | Path, precompiled_dir: str | Path, recompile: bool,
             nthread: int | None, log: Callable[[str], None]) -> tuple[Assembly, dict, list[str]]:
    root = Path(precompiled_dir)
    require_checkpoint_file(model_path)
    expected = expected_manifest(config, model_path)  # hashes the checkpoint's bytes: no torch needed
    key = build_key(expected)
    directory = build_dir(root, key)
    header = [f"precompiled build {key} in {root}"]
    tic = time.perf_counter()
    reason = "--recompile given" if recompile else None
    if reason is None and not (directory / "manifest.json").is_file():
        reason = why_no_build(root / BUILDS, expected)
    if reason is None:
        try:
            assembly, params = load_build(directory, expected, config, nthread)
            return assembly, params, [*header, f"loaded precompiled pipeline in {time.perf_counter() - tic:.2f} s"]
        except StaleArtifact as exc:
            reason = str(exc)
    try:
        with _build_lock(root, key):
            if not recompile:  # another process may have built it while this one waited for the lock
                try:
                    assembly, params = load_build(directory, expected, config, nthread)
                    return assembly, params, [*header, f"loaded precompiled pipeline in {time.perf_counter() - tic:.2f} s "
                                                       "(built by another process meanwhile)"]
                except StaleArtifact as exc:
                    if (directory / "manifest.json").is_file():
                        reason = str(exc)
            log(f"[g1mpc] building the precompiled pipeline ({reason}) ...")
            from g1mpc.network.torch_mlp import load_network  # torch: only when building

            assembly = assemble(config, nthread=nthread)
            try:
                params = load_network(model_path, assembly.network_spec())  # validates the checkpoint against this run
                build(root, key, assembly, params, expected)
                assembly.stages = load_stages(directory, read_manifest(directory, expected), config.controller.backend)
            except BaseException:
                assembly.close()
                raise
    except OSError as exc:
        raise UserError(
            f"--precompiled_dir: cannot write '{precompiled_dir}' ({exc.strerror or exc}); "
            "choose a writable directory with free space"
        ) from None
    return assembly, params, [*header, f"created precompiled pipeline in {time.perf_counter() - tic:.2f} s ({reason})"]


def list_builds(precompiled_dir: str | Path) -> list[dict]:
    """Every build under the directory: key, what it is for, when made, its own size and its (shared) model's,
    and whether its manifest reads."""
    rows = []
    for directory in sorted((Path(precompiled_dir) / BUILDS).glob("[!.]*")):
        size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
        try:
            m = read_manifest(directory)
            c = m.get("config", {}).get("controller", {})
            model = model_path(Path(precompiled_dir), str(m.get("model_sha256")))
            rows.append({"key": directory.name, "robot": m.get("robot"), "task": m.get("task"), "backend": m.get("backend"),
                         "samples": c.get("num_samples"), "elites": c.get("num_elites"), "created": m.get("created"),
                         "size_mb": size / 1e6, "model": model.stem[:16],
                         "model_mb": model.stat().st_size / 1e6 if model.is_file() else None, "ok": True})
        except StaleArtifact as exc:
            rows.append({"key": directory.name, "size_mb": size / 1e6, "ok": False, "problem": str(exc)})
    return rows


def remove_builds(precompiled_dir: str | Path, keys: list[str]) -> list[str]:
    """Delete the named builds (each under its lock, so no build in progress is cut); returns those removed."""
    root, removed = Path(precompiled_dir), []
    for key in keys:
        directory = build_dir(root, key)
        if not directory.is_dir() or key.startswith("."):
            raise UserError(f"precompiled remove: no build '{key}' in '{root}'; see 'g1mpc precompiled list'")
        with _build_lock(root, key):
            shutil.rmtree(_move_aside(directory, "removed"), ignore_errors=True)
        removed.append(key)
    collect_unused_models(root)
    return removed
