"""Train the knot MLP on expert shards; keep the best-k checkpoints.

Checkpoints are named ``model-epoch=NN-val_loss=X.ckpt`` and written atomically
to ``nn_ckpt/`` (or ``--ckpt_dir``). The split is by episode, so validation
states come from episodes the network never saw.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from g1mpc.common.errors import ConfigError, UserError
from g1mpc.learning.dataset import load_episodes

SCALE_FLOOR = 1e-3  # added to every per-column standard deviation the network normalises by


@dataclass(frozen=True)
class TrainConfig:
    """Network training: MLP widths, optimiser, validation split, early stopping, checkpoints kept."""

    hidden: tuple[int, ...] = (256, 256)
    epochs: int = 200
    batch_size: int = 256
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.15
    patience: int = 25
    keep_best: int = 3
    seed: int = 0
    threads: int = 2
    plan_input: bool = False  # plan-conditioned: the input also holds the expert's warm start, the output changes it
    init_checkpoint: str | None = None  # fine-tune: start from this network (its widths and normalisation)

    def __post_init__(self) -> None:
        checks = [
            (len(self.hidden) >= 1 and min(self.hidden) >= 1, "--hidden needs one or more widths >= 1"),
            (self.epochs >= 1 and self.batch_size >= 1 and self.patience >= 1, "--epochs, --batch_size and --patience must be >= 1"),
            (self.learning_rate > 0 and self.weight_decay >= 0, "--lr must be > 0 and --weight_decay >= 0"),
            (0 < self.val_fraction < 1 and self.keep_best >= 1, "val_fraction must be in (0, 1) and keep_best >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)


@dataclass
class TrainResult:
    best_path: Path | None
    best_val_loss: float
    epochs_run: int
    train_losses: list[float] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)  # in the units of the loss (the layers' normalised output)
    val_label_losses: list[float] = field(default_factory=list)  # in label-variance units (comparable across inputs)
    initial_val_loss: float | None = None  # fine-tuning: the starting network's validation loss
    seconds: float = 0.0
    samples: int = 0


def warm_started_plans(knots: list[np.ndarray], metadata: dict, stored: list[np.ndarray | None]) -> list[np.ndarray]:
    """Per episode (T, K, nu): the plan the expert started each labelled update from. The shard's own record
    where it has one; else the expert's previous label shifted one replan period on (the planner's zero start
    for an episode's first label), which is what a collection without the record started from."""
    from g1mpc.planning.pipeline import warm_start_matrix

    spec, frequency = metadata["task_spec"], metadata["run_config"]["frequency"]
    shift = np.asarray(warm_start_matrix(spec["spline"], spec["num_knots"], spec["plan_horizon"], 1.0 / frequency))
    plans = []
    for k, record in zip(knots, stored, strict=True):
        previous = np.concatenate([np.zeros_like(k[:1]), k[:-1]])
        plans.append(record if record is not None else np.einsum("ij,tjn->tin", shift, previous).astype(np.float32))
    return plans


def _split(features: list[np.ndarray], knots: list[np.ndarray], fraction: float, seed: int):
    order = np.random.default_rng(seed).permutation(len(features))
    n_val = max(1, int(round(fraction * len(features)))) if len(features) > 1 else 0
    val, train = order[:n_val], order[n_val:]
    cat = lambda arrs, idx: np.concatenate([arrs[i] for i in idx]) if len(idx) else None
    xt, yt = cat(features, train), cat(knots, train)
    if n_val:
        return xt, yt, cat(features, val), cat(knots, val)
    # a single episode: hold out its last 15 % of samples
    cut = int(len(xt) * (1 - fraction))
    return xt[:cut], yt[:cut], xt[cut:], yt[cut:]


def train(data_dir: str | Path, ckpt_dir: str | Path, config: TrainConfig, progress: bool = True) -> TrainResult:
    """Train on every shard in ``data_dir``; keep the ``keep_best`` lowest-validation-loss checkpoints."""
    import torch  # here, not at import: the command line reads TrainConfig without loading torch

    from g1mpc.network.torch_mlp import CHECKPOINT_FORMAT, KnotMLP, save_checkpoint

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    features, knots, meta, stored_plans = load_episodes(data_dir)
    if config.plan_input:
        plans = warm_started_plans(knots, meta, stored_plans)
        features = [np.concatenate([f, p.reshape(len(p), -1)], axis=1) for f, p in zip(features, plans, strict=True)]
    xt, yt, xv, yv = _split(features, [k.reshape(len(k), -1) for k in knots], config.val_fraction, config.seed)
    if len(xt) < 2 or len(xv) < 1:
        raise UserError(f"--data: '{data_dir}' has too few samples ({len(xt)} train / {len(xv)} val) to train; collect more")
    knot_shape = knots[0].shape[1:]
    t = lambda a: torch.as_tensor(a, dtype=torch.float32)
    xt_, yt_, xv_, yv_ = t(xt), t(yt), t(xv), t(yv)
    if config.init_checkpoint is not None:
        model, hidden = _initial_network(config, meta["task_spec"], xt.shape[1], yt.shape[1])
    else:
        model, hidden = KnotMLP(xt.shape[1], yt.shape[1], list(config.hidden), config.plan_input), list(config.hidden)
        target_t = yt_ - model.base(xt_)  # what the layers predict: the label, or its change from the input plan
        model.in_mean.copy_(xt_.mean(0))
        model.in_std.copy_(xt_.std(0, correction=0) + SCALE_FLOOR)
        model.out_mean.copy_(target_t.mean(0))
        model.out_std.copy_(target_t.std(0, correction=0) + SCALE_FLOOR)
    label_std = yt_.std(0, correction=0) + SCALE_FLOOR
    norm = lambda x, y: (y - model.base(x) - model.out_mean) / model.out_std
    validation_loss = lambda: float(torch.mean((model.normalized(xv_) - norm(xv_, yv_)) ** 2))
    opt = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs)
    hyper = {
        "in_dim": int(xt.shape[1]), "out_dim": int(yt.shape[1]), "hidden": hidden, "plan_input": config.plan_input,
        "knot_shape": list(knot_shape), "task_spec": meta["task_spec"], "train_config": asdict(config),
        "dataset": {"dir": str(data_dir), "episodes": len(features), "train_samples": len(xt), "val_samples": len(xv)},
        "format": CHECKPOINT_FORMAT,
    }
    ckpt_dir = Path(ckpt_dir)
    kept: list[tuple[float, Path]] = []
    result = TrainResult(None, float("inf"), 0, samples=len(xt) + len(xv))
    since_best = 0
    start = time.perf_counter()
    on_terminal = sys.stderr.isatty()
    bar = tqdm(range(config.epochs), desc="train", unit="epoch", disable=not (progress and on_terminal))
    if config.init_checkpoint is not None:
        with torch.no_grad():
            result.initial_val_loss = validation_loss()
        if progress:
            start_line = f"[train] the starting network ({config.init_checkpoint}): val {result.initial_val_loss:.4f}"
            print(start_line, file=sys.stderr, flush=True)
    try:
        for epoch in bar:
            model.train()
            perm = torch.randperm(len(xt_))
            total = 0.0
            for i in range(0, len(perm), config.batch_size):
                idx = perm[i : i + config.batch_size]
                loss = torch.mean((model.normalized(xt_[idx]) - norm(xt_[idx], yt_[idx])) ** 2)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            sched.step()
            model.eval()
            with torch.no_grad():
                val = validation_loss()
                val_label = float(torch.mean(((model(xv_) - yv_) / label_std) ** 2))
            result.train_losses.append(total / len(xt_))
            result.val_losses.append(val)
            result.val_label_losses.append(val_label)
            result.epochs_run = epoch + 1
            bar.set_postfix(train=f"{result.train_losses[-1]:.4f}", val=f"{val:.4f}")
            if progress and not on_terminal:  # a log file, not a terminal: one line per epoch instead of a redrawn bar
                print(f"[train] epoch {epoch}: train {result.train_losses[-1]:.4f}, val {val:.4f}", file=sys.stderr, flush=True)
            if len(kept) < config.keep_best or val < kept[-1][0]:
                path = ckpt_dir / f"model-epoch={epoch:02d}-val_loss={val:.4f}.ckpt"
                save_checkpoint(path, model, hyper, {"epoch": epoch, "val_loss": val})
                kept.append((val, path))
                kept.sort(key=lambda x: x[0])
                while len(kept) > config.keep_best:
                    kept.pop()[1].unlink(missing_ok=True)
            if val < result.best_val_loss:
                result.best_val_loss, since_best = val, 0
            else:
                since_best += 1
                if since_best >= config.patience:
                    bar.write(f"[train] early stop at epoch {epoch}: no improvement for {config.patience} epochs")
                    break
    except KeyboardInterrupt:
        bar.write("[train] interrupted: the best checkpoints so far are kept")
    result.best_path = kept[0][1] if kept else None
    result.seconds = time.perf_counter() - start
    return result


def _initial_network(config: TrainConfig, task_spec: dict, in_dim: int, out_dim: int):
    """The network fine-tuning starts from, with its widths; it must fit the data's task and sizes."""
    from g1mpc.network.torch_mlp import check_spec, load_checkpoint

    model, hp = load_checkpoint(config.init_checkpoint, "--init_model")
    check_spec(config.init_checkpoint, hp, task_spec, "--init_model")
    found = (hp["in_dim"], hp["out_dim"], bool(hp.get("plan_input", False)))
    if found != (in_dim, out_dim, config.plan_input):
        raise UserError(f"--init_model: '{config.init_checkpoint}' has (inputs, outputs, plan input) {found} but this data and "
                        f"--plan_input need {(in_dim, out_dim, config.plan_input)}; start from a matching checkpoint")
    return model, list(hp["hidden"])


def plot_losses(result: TrainResult, path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(result.train_losses, label="train")
    ax.semilogy(result.val_losses, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (normalised knots)")
    ax.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
