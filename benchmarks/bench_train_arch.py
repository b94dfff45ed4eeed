"""Network architecture screen: train one MLP per width on the same dataset and episode split.

The validation episodes are held out whole (``TrainConfig.val_fraction``), so with a ``--motions``
collection the validation loss is measured on motions the network never saw. Prints a table and writes
JSON after every row (atomic; a rerun skips rows already there).

    python benchmarks/bench_train_arch.py --data datasets/g1_v2 --hidden 64x64 256x256 512x512 \
        --out benchmarks/results/network_v2/arch.json
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from g1mpc.common.atomic import atomic_write
from g1mpc.learning.train import TrainConfig, train


def parse_widths(text: str) -> tuple[int, ...]:
    """'256x256' -> (256, 256)."""
    try:
        widths = tuple(int(w) for w in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"error: --hidden: '{text}' is not widths joined by 'x' (e.g. 256x256)") from None
    return widths


def with_previous_label(data: str, out: Path) -> str:
    """A copy of the dataset whose inputs also hold the expert's previous label in the episode (a measurement:
    how much of a label its history explains). The first sample of each episode is dropped."""
    from g1mpc.learning.dataset import SHARD_GLOB, read_shard, write_shard

    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(data).glob(SHARD_GLOB)):
        target = out / path.name
        if not target.exists():
            features, knots, metadata = read_shard(path)
            previous = knots[:-1].reshape(len(knots) - 1, -1)
            write_shard(target, np.concatenate([features[1:], previous], axis=1), knots[1:], metadata)
    return str(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="dataset directory (shard-*.npz)")
    p.add_argument("--hidden", nargs="+", default=["64x64", "256x256"], help="widths per candidate, e.g. 256x256")
    p.add_argument("--lr", type=float, nargs="+", default=[TrainConfig.learning_rate], help="learning rates to try")
    p.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    p.add_argument("--patience", type=int, default=TrainConfig.patience)
    p.add_argument("--ckpt_root", default="runs/arch", help="each candidate's checkpoints go to CKPT_ROOT/NAME")
    p.add_argument("--previous_label", action="store_true",
                   help="measurement only: add the expert's previous label to the inputs (a copy under CKPT_ROOT)")
    p.add_argument("--plan_input", action="store_true",
                   help="plan-conditioned candidates (TrainConfig.plan_input: the expert's warm start is an input)")
    p.add_argument("--out", required=True, help="JSON table")
    args = p.parse_args()
    data = with_previous_label(args.data, Path(args.ckpt_root) / "data_previous_label") if args.previous_label else args.data

    out = Path(args.out)
    rows = json.loads(out.read_text())["rows"] if out.exists() else []
    done = {row["name"] for row in rows}
    for hidden in args.hidden:
        for lr in args.lr:
            name = f"{hidden}_lr{lr:g}" + ("_previous_label" if args.previous_label else "") + ("_plan" if args.plan_input else "")
            if name in done:
                continue
            config = TrainConfig(hidden=parse_widths(hidden), learning_rate=lr, epochs=args.epochs, patience=args.patience,
                                 plan_input=args.plan_input)
            result = train(data, Path(args.ckpt_root) / name, config, progress=False)
            best_epoch = min(range(len(result.val_losses)), key=result.val_losses.__getitem__)
            rows.append({
                "name": name, "train_config": asdict(config), "samples": result.samples,
                "best_val_loss": result.best_val_loss, "best_epoch": best_epoch,
                "val_label_loss_at_best": result.val_label_losses[best_epoch],
                "train_loss_at_best": result.train_losses[best_epoch], "epochs_run": result.epochs_run,
                "seconds": result.seconds, "best_checkpoint": str(result.best_path),
            })
            print(f"{name:>20}  val {result.best_val_loss:.4f} (label units {result.val_label_losses[best_epoch]:.4f}, epoch {best_epoch},"
                  f" train {result.train_losses[best_epoch]:.4f})"
                  f"  {result.epochs_run} epochs  {result.seconds:.0f} s", flush=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(out, "w") as f:
                json.dump({"data": args.data, "rows": rows}, f, indent=1)
    print(f"\n{'candidate':>20} | {'best val':>8} | {'epoch':>5} | {'samples':>7} | {'s':>5}")
    for row in sorted(rows, key=lambda r: r["best_val_loss"]):
        print(f"{row['name']:>20} | {row['best_val_loss']:8.4f} | {row['best_epoch']:5d} | {row['samples']:7d} | {row['seconds']:5.0f}")


if __name__ == "__main__":
    main()
