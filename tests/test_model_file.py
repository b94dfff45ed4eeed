"""Stored models: read with the digest of the very bytes loaded."""

import hashlib

import mujoco
import numpy as np

from g1mpc.precompiled.model_file import model_path, read_model_file


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

