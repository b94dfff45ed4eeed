"""Interpolate the weights of a network and its fine-tuned copy (weight-space ensembling, as in WiSE-FT).

``(1 - weight) * base + weight * tuned`` for every parameter; the normalisation buffers and the task spec must
be the same in both (a copy fine-tuned with ``g1mpc train --init_model BASE`` keeps them), so the result reads
the same inputs and writes the same outputs.

    python benchmarks/blend_networks.py --base tests/data/g1_network_v1.ckpt \
        --tuned benchmarks/results/network_v5/candidate_v5_tuned.ckpt --weight 0.5 \
        --out benchmarks/results/network_v5/candidate_v5_blend.ckpt
"""

from __future__ import annotations

import argparse

import torch

from g1mpc.common.errors import UserError
from g1mpc.network.torch_mlp import check_spec, load_checkpoint, save_checkpoint
from g1mpc.precompiled.manifest import sha256_file


def blend_state_dicts(base: dict[str, torch.Tensor], tuned: dict[str, torch.Tensor], weight: float,
                      normalisation: set[str]) -> dict[str, torch.Tensor]:
    """Parameter-wise ``(1 - weight) * base + weight * tuned``, the ``normalisation`` buffers kept; raises
    UserError unless the two share their parameter names, shapes and normalisation."""
    if base.keys() != tuned.keys() or any(base[k].shape != tuned[k].shape for k in base):
        raise UserError("--tuned: its layers differ from --base's; pass a copy fine-tuned from --base")
    for name in sorted(normalisation):
        if not torch.equal(base[name], tuned[name]):
            raise UserError(f"--tuned: its {name} differs from --base's; pass a copy fine-tuned from --base (g1mpc train --init_model)")
    return {k: base[k] if k in normalisation else (1 - weight) * base[k] + weight * tuned[k] for k in base}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="the network before fine-tuning (.ckpt)")
    p.add_argument("--tuned", required=True, help="its fine-tuned copy (.ckpt)")
    p.add_argument("--weight", type=float, default=0.5, help="share of the fine-tuned weights, in [0, 1]")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    if not 0.0 <= args.weight <= 1.0:
        raise SystemExit(f"blend_networks.py: --weight must lie in [0, 1], got {args.weight}")
    try:
        base, base_hyper = load_checkpoint(args.base, "--base")
        tuned, tuned_hyper = load_checkpoint(args.tuned, "--tuned")
        check_spec(args.tuned, tuned_hyper, base_hyper.get("task_spec", {}), "--tuned")
        normalisation = {name for name, _ in base.named_buffers()}  # the input and output scales
        base.load_state_dict(blend_state_dicts(base.state_dict(), tuned.state_dict(), args.weight, normalisation))
    except UserError as exc:
        raise SystemExit(f"blend_networks.py: {exc}") from None
    blend = {"base": args.base, "base_sha256": sha256_file(args.base), "tuned": args.tuned,
             "tuned_sha256": sha256_file(args.tuned), "weight": args.weight}
    save_checkpoint(args.out, base, tuned_hyper, extra={"blend": blend})
    print(f"wrote {args.out}: {1 - args.weight:g} x {args.base} + {args.weight:g} x {args.tuned}")


if __name__ == "__main__":
    main()
