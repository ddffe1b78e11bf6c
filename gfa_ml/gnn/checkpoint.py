"""Save and load trained networks with everything needed to rebuild them (hyperparameters,
graph settings, target scaling), so a pretrained encoder is usable without its training code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from gfa_ml.config import get_settings
from gfa_ml.gnn.model import CrystalGNN
from gfa_ml.io.atomic import atomic_path

PRETRAINED_NAME = "td_pretrained.pt"


def pretrained_path() -> Path:
    return get_settings().paths.models / "gnn" / PRETRAINED_NAME


def save(model: CrystalGNN, path: Path, **meta: Any) -> None:
    """``meta`` holds graph settings (cutoff, max_neighbors), scaling and metrics."""
    payload = {"hparams": model.hparams, "n_out": model.head[-1].out_features,
               "state_dict": model.state_dict(), "meta": meta}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load(path: Path) -> tuple[CrystalGNN, dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"no GNN checkpoint at {path}; run `gfa gnn pretrain` first")
    payload = torch.load(path, weights_only=False, map_location="cpu")
    model = CrystalGNN(**payload["hparams"], n_out=payload["n_out"])
    model.load_state_dict(payload["state_dict"])
    return model, payload["meta"]
