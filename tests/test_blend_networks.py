"""benchmarks/blend_networks.py: weight interpolation between a network and its fine-tuned copy."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from g1mpc.network.torch_mlp import load_checkpoint

pytestmark = pytest.mark.slow  # the whole module: the fast tier is python -m pytest -m "not slow"

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests/data/g1_network_v1.ckpt"  # v1, the network fine-tuned into TUNED
TUNED = ROOT / "benchmarks/results/network_v5/candidate_v5_tuned.ckpt"  # v1 fine-tuned (g1mpc train --init_model)
FROM_SCRATCH = ROOT / "benchmarks/results/network_v5/candidate_v5.ckpt"  # its own normalisation


def _blend(tmp_path, weight: float, tuned: Path = TUNED) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks/blend_networks.py"), "--base", str(BASE),
                           "--tuned", str(tuned), "--weight", str(weight), "--out", str(tmp_path / "blend.ckpt")],
                          capture_output=True, text=True, cwd=ROOT)


def test_blend_is_the_parameterwise_interpolation_and_runs_as_a_network(tmp_path):
    base, tuned = (load_checkpoint(p)[0].state_dict() for p in (BASE, TUNED))
    assert _blend(tmp_path, 0.25).returncode == 0
    model, hyper = load_checkpoint(tmp_path / "blend.ckpt")
    blend = model.state_dict()
    changed = [k for k in base if not torch.equal(base[k], tuned[k])]
    assert changed  # the fine-tuned copy differs, so the check below can fail
    for k in base:
        torch.testing.assert_close(blend[k], 0.75 * base[k] + 0.25 * tuned[k])
    assert hyper["task_spec"] == load_checkpoint(BASE)[1]["task_spec"]
    payload = torch.load(tmp_path / "blend.ckpt", weights_only=True)
    assert payload["blend"]["weight"] == 0.25
    features = torch.randn(3, hyper["in_dim"])
    assert torch.isfinite(model(features)).all()


def test_a_network_with_other_normalisation_is_refused(tmp_path):
    result = _blend(tmp_path, 0.5, FROM_SCRATCH)
    assert result.returncode != 0 and "--tuned: its in_mean differs" in result.stderr
    assert not (tmp_path / "blend.ckpt").exists()
    assert "--weight must lie in [0, 1]" in _blend(tmp_path, 1.5).stderr
