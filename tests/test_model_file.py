"""Stored models: read with the digest of the very bytes loaded, and prefetched while JAX imports."""

import hashlib

import mujoco
import numpy as np

from g1mpc.model_file import ModelPrefetch, model_path, read_model_file, remember_last_used


def _store(root, plant) -> str:
    path = root / "models" / "tmp.mjb"
    path.parent.mkdir(parents=True)
    mujoco.mj_saveModel(plant, str(path), None)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.rename(model_path(root, digest))
    return digest


def test_the_digest_is_of_the_bytes_loaded(tmp_path, plant):
    digest = _store(tmp_path, plant)
    model, read_digest = read_model_file(model_path(tmp_path, digest))
    assert read_digest == digest and model.nq == plant.nq
    np.testing.assert_array_equal(model.body_mass, plant.body_mass)
    broken = model_path(tmp_path, digest)
    broken.write_bytes(broken.read_bytes()[:1000])
    model, read_digest = read_model_file(broken)
    assert isinstance(model, Exception) and read_digest != digest


def test_the_last_used_model_is_prefetched_and_handed_out_only_for_its_digest(tmp_path, plant):
    assert ModelPrefetch(tmp_path).take("0" * 64) is None  # nothing used yet: nothing read
    digest = _store(tmp_path, plant)
    remember_last_used(tmp_path, digest)
    prefetch = ModelPrefetch(tmp_path)
    plant_copy = prefetch.take(digest)
    assert plant_copy is not None and plant_copy[0].nq == plant.nq and plant_copy[1] is not plant_copy[0]
    assert prefetch.take(digest) is None  # handed out once
    assert ModelPrefetch(tmp_path).take("f" * 64) is None  # another build's model: the loader reads its own
