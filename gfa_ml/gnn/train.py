"""Training loop shared by Td pretraining and the measured-target adapter.

Batches are packed by total atom count (MOF cells range from tens to thousands of atoms, so a
fixed number of graphs per batch would make memory unpredictable). Early stopping watches an
inner validation split, grouped when groups are given, and the best weights are restored.
Targets arrive already scaled; NaN targets are masked, so multi-task heads work.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import torch
from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit
from torch import nn
from torch_geometric.data import Batch, Data

from gfa_ml.config import GNNConfig, get_settings
from gfa_ml.gnn.model import CrystalGNN

Task = Literal["regression", "classification"]
EpochHook = Callable[[int, dict[str, float]], None]


class DeviceError(ValueError):
    """The configured torch device cannot be used here (one-line message)."""


def resolve_device(name: str | torch.device) -> torch.device:
    """``cpu`` / ``cuda`` / ``cuda:N`` as a torch device, checked before any work starts, so a
    missing GPU is one clear line instead of a stack trace deep inside a batch."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise DeviceError(f"unknown device {name!r}; use cpu or cuda") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name!r} requested but torch.cuda.is_available() is False "
                              "(CPU-only torch build or no GPU visible); use --device cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"device {name!r} requested but only "
                              f"{torch.cuda.device_count()} GPU(s) are visible")
    return device


def seed_everything(seed: int) -> None:
    np.random.seed(seed)
    torch.manual_seed(seed)


def atom_batches(
    n_atoms: Sequence[int], max_atoms: int, seed: int | None = None
) -> list[list[int]]:
    """Greedy packing of graphs (shuffled when ``seed`` is given) up to ``max_atoms`` per batch.

    A graph larger than ``max_atoms`` gets a batch of its own rather than being dropped.
    """
    order = np.arange(len(n_atoms))
    if seed is not None:
        order = np.random.default_rng(seed).permutation(len(n_atoms))
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i in order:
        if current and total + n_atoms[i] > max_atoms:
            batches.append(current)
            current, total = [], 0
        current.append(int(i))
        total += n_atoms[i]
    if current:
        batches.append(current)
    return batches


def inner_split(n: int, groups: Sequence | None, val_fraction: float,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train/validation indices; grouped so that related structures never straddle the split."""
    idx = np.arange(n)
    if n < get_settings().gnn.min_for_early_stopping or val_fraction <= 0:
        return idx, idx[:0]
    if groups is not None and len(set(groups)) >= 2:
        splitter = GroupShuffleSplit(n_splits=1, test_size=val_fraction, random_state=seed)
        tr, va = next(splitter.split(idx, groups=np.asarray(groups)))
    else:
        tr, va = next(ShuffleSplit(1, test_size=val_fraction, random_state=seed).split(idx))
    return tr, va


def _loss_fn(task: Task) -> nn.Module:
    if task == "classification":
        return nn.BCEWithLogitsLoss(reduction="none")
    return nn.SmoothL1Loss(reduction="none")


def _masked_loss(loss: nn.Module, out: torch.Tensor, target: torch.Tensor,
                 weight: torch.Tensor) -> torch.Tensor:
    """Weighted mean over the finite targets (NaN = task not measured for that material)."""
    mask = torch.isfinite(target)
    w = weight[:, None].expand_as(target)[mask]
    return (loss(out[mask], target[mask]) * w).sum() / w.sum().clamp_min(1e-12)


def _batches(graphs: Sequence[Data], idx: np.ndarray, max_atoms: int,
             seed: int | None) -> list[np.ndarray]:
    sizes = [graphs[i].num_nodes for i in idx]
    return [idx[b] for b in atom_batches(sizes, max_atoms, seed)]


@torch.no_grad()
def embed(model: CrystalGNN, graphs: Sequence[Data], max_atoms: int,
          device: str | torch.device) -> torch.Tensor:
    """Encoder outputs for all graphs, in input order (eval mode; the model is moved to
    ``device``, the embeddings come back on the CPU)."""
    model.to(resolve_device(device)).eval()
    out = torch.zeros(len(graphs), model.encoder.hidden)
    for b in _batches(graphs, np.arange(len(graphs)), max_atoms, None):
        batch = Batch.from_data_list([graphs[i] for i in b]).to(device)
        out[torch.as_tensor(b)] = model.encoder(batch).cpu()
    return out


@torch.no_grad()
def predict(model: CrystalGNN, graphs: Sequence[Data], max_atoms: int,
            device: str | torch.device) -> np.ndarray:
    """Raw head outputs (scaled values or logits), shape ``[n_graphs, n_out]``."""
    model.eval()
    return model.head(embed(model, graphs, max_atoms, device).to(device)).cpu().numpy()


def _run_epochs(
    step: Callable[[int], float], evaluate: Callable[[], float], model: nn.Module,
    epochs: int, patience: int, has_val: bool, on_epoch: EpochHook | None,
) -> list[dict]:
    history: list[dict] = []
    best, best_state, stale = float("inf"), None, 0
    for epoch in range(epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        train_loss = step(epoch)
        val_loss = evaluate() if has_val else float("nan")
        # wall and CPU time: on a shared machine the two differ by the contention
        row = {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
               "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}
        history.append(row)
        if on_epoch:
            on_epoch(epoch, row)
        if not has_val:
            continue
        if val_loss < best - 1e-6:
            best, best_state, stale = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def fit(model: CrystalGNN, graphs: Sequence[Data], y: np.ndarray, cfg: GNNConfig, *,
        task: Task = "regression", seed: int = 0, groups: Sequence | None = None,
        freeze_encoder: bool = False, encoder_lr_scale: float = 1.0,
        sample_weight: np.ndarray | None = None, val_fraction: float = 0.15,
        on_epoch: EpochHook | None = None) -> list[dict]:
    """Train ``model`` in place on scaled targets ``y`` (``[n]`` or ``[n, n_out]``); history.

    ``encoder_lr_scale`` < 1 fine-tunes a pretrained encoder gently while the new head learns
    at the full rate; ``freeze_encoder`` trains the head alone on fixed embeddings.
    """
    seed_everything(seed)
    device = resolve_device(cfg.device)
    model.to(device)
    target = torch.as_tensor(np.asarray(y, dtype=np.float32).reshape(len(graphs), -1))
    weight = torch.ones(len(graphs)) if sample_weight is None else torch.as_tensor(
        np.asarray(sample_weight, dtype=np.float32))
    tr, va = inner_split(len(graphs), groups, val_fraction, seed)
    loss = _loss_fn(task)
    if freeze_encoder:  # embeddings are fixed: compute once, then train the head alone
        feats = embed(model, graphs, cfg.batch_max_atoms, device).to(device)
        groups_lr = [{"params": list(model.head.parameters()), "lr": cfg.lr}]
        forward = lambda idx: model.head(feats[idx])  # noqa: E731
    else:
        groups_lr = [{"params": list(model.head.parameters()), "lr": cfg.lr},
                     {"params": list(model.encoder.parameters()), "lr": cfg.lr * encoder_lr_scale}]

        def forward(idx: np.ndarray) -> torch.Tensor:
            return model(Batch.from_data_list([graphs[i] for i in idx]).to(device))

    opt = torch.optim.AdamW(groups_lr, lr=cfg.lr, weight_decay=1e-4)

    def batch_loss(b: np.ndarray) -> torch.Tensor:
        idx = torch.as_tensor(b)
        return _masked_loss(loss, forward(b), target[idx].to(device), weight[idx].to(device))

    def step(epoch: int) -> float:
        model.train()
        if freeze_encoder:
            model.encoder.eval()
        total, count = 0.0, 0
        for b in _batches(graphs, tr, cfg.batch_max_atoms, seed + epoch):
            opt.zero_grad()
            value = batch_loss(b)
            value.backward()
            opt.step()
            total += float(value.detach()) * len(b)
            count += len(b)
        return total / max(count, 1)

    @torch.no_grad()
    def evaluate() -> float:
        model.eval()
        total = 0.0
        for b in _batches(graphs, va, cfg.batch_max_atoms, None):
            total += float(batch_loss(b)) * len(b)
        return total / len(va)

    return _run_epochs(step, evaluate, model, cfg.epochs, cfg.patience, len(va) > 0, on_epoch)
