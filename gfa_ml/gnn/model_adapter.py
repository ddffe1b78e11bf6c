"""The GNN behind the GFAModel contract, so ``gfa compare --models xgb,gnn,...`` scores it on the
same folds as every other model.

Three registered variants:

- ``gnn``: Td-pretrained encoder (``models/gnn/td_pretrained.pt``) fine-tuned with a new head
  (encoder at a tenth of the head's learning rate);
- ``gnn_frozen``: the pretrained encoder frozen, only a small head trained on its embeddings;
- ``gnn_scratch``: same network, random initialisation.

Rows with a ``cif_text`` (the CIF in hand, e.g. a screen chunk or ``gfa predict`` input) or a
``cif_path`` get a periodic crystal graph, all others a building-block graph from
``metals`` / ``oxidation_states`` / ``ligand_smiles``; ``needs_structures`` tells callers to
pass the CIF along with the feature row. Weights are kept on the CPU between calls, so a
bundle trained on a GPU loads on a machine without one. The pretrained variants do not serve
a target trained on the Td-proxy MOFs (``Target.proxy == "train"``, i.e. Td): their encoder
has seen those labels, so its folds would leak.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from gfa_ml.config import GNNConfig, get_settings
from gfa_ml.data.provenance import study_groups
from gfa_ml.gnn import checkpoint, train
from gfa_ml.gnn.graph_cache import GraphCache
from gfa_ml.gnn.material_graphs import GraphSet, material_graphs
from gfa_ml.gnn.model import CrystalGNN
from gfa_ml.models.base import GFAModel, Task
from gfa_ml.models.registry import register
from gfa_ml.models.targets import Target


class _GNNModel(GFAModel):
    tasks = ("regression", "classification")
    pretrained: ClassVar[bool] = True
    freeze: ClassVar[bool] = False
    needs_structures = True
    supports_sample_weight = True

    @classmethod
    def serves(cls, target: Target) -> bool:
        """Not a target whose labels the pretrained encoder has seen (see module docstring)."""
        return super().serves(target) and not (cls.pretrained and target.proxy == "train")

    def __init__(self, task: Task = "regression", seed: int = 0, epochs: int | None = None,
                 device: str | None = None, checkpoint_path: str | None = None) -> None:
        self.task = task
        self.seed = seed
        self.epochs = epochs
        self.device = device
        self.checkpoint_path = checkpoint_path

    def _config(self) -> GNNConfig:
        """Settings with this instance's overrides; the device is checked before graphs are
        built (:class:`~gfa_ml.gnn.train.DeviceError`)."""
        overrides = {"epochs": self.epochs, "device": self.device}
        cfg = get_settings().gnn.model_copy(
            update={k: v for k, v in overrides.items() if v is not None})
        train.resolve_device(cfg.device)
        return cfg

    def _initial_model(self, cfg: GNNConfig) -> tuple[CrystalGNN, GNNConfig]:
        """Model to train and the graph settings it expects (the checkpoint's, if pretrained)."""
        if not self.pretrained:
            model = CrystalGNN(cfg.hidden, cfg.n_conv, cfg.cutoff_A, cfg.gaussian_step_A)
            return model, cfg
        path = Path(self.checkpoint_path) if self.checkpoint_path else checkpoint.pretrained_path()
        model, meta = checkpoint.load(path)
        torch.manual_seed(self.seed)
        model.head = model.new_head(1)
        graph_cfg = cfg.model_copy(update={"cutoff_A": meta["cutoff_A"],
                                           "max_neighbors": meta["max_neighbors"]})
        return model, graph_cfg

    def _graphs(self, X: pd.DataFrame) -> GraphSet:
        cfg = self.graph_cfg_
        return material_graphs(X, cfg.cutoff_A, cfg.max_neighbors, cfg.max_atoms, GraphCache(),
                               seed=self.seed)

    def fit(self, X: pd.DataFrame, y: np.ndarray,
            sample_weight: np.ndarray | None = None) -> _GNNModel:
        cfg = self._config()
        train.seed_everything(self.seed)
        self.model_, self.graph_cfg_ = self._initial_model(cfg)
        gs = self._graphs(X)
        y = np.asarray(y, dtype=float)
        rows = np.array([i for i in gs.ok if np.isfinite(y[i])], dtype=int)
        if len(rows) == 0:
            raise ValueError("gnn: no training row has both a graph and a finite target")
        graphs = [gs.graphs[i] for i in rows]
        self.mean_, self.std_ = 0.0, 1.0
        if self.task == "regression":
            self.mean_ = float(y[rows].mean())
            self.std_ = float(y[rows].std()) or 1.0
        # early stopping on other studies than the ones trained on (same rule as the outer CV)
        groups = study_groups(X).to_numpy()[rows] if "series" in X.columns else None
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[rows]
        self.history_ = train.fit(
            self.model_, graphs, (y[rows] - self.mean_) / self.std_, cfg, task=self.task,
            seed=self.seed, groups=groups, freeze_encoder=self.freeze,
            encoder_lr_scale=cfg.finetune_encoder_lr_scale if self.pretrained else 1.0,
            sample_weight=weight,
        )
        self.model_.cpu()
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "model_")
        cfg = self._config()
        gs = self._graphs(X)
        out = np.full(len(X), np.nan)
        ok = gs.ok
        if ok:
            try:
                raw = train.predict(self.model_, [gs.graphs[i] for i in ok], cfg.batch_max_atoms,
                                    cfg.device)[:, 0]
            finally:
                self.model_.cpu()
            out[ok] = 1 / (1 + np.exp(-raw)) if self.task == "classification" else (
                raw * self.std_ + self.mean_)
        return out

    def nan_reasons(self, X: pd.DataFrame) -> pd.Series:
        return pd.Series(self._graphs(X).reasons, index=X.index)


@register("gnn")
class GNNFineTuned(_GNNModel):
    """Td-pretrained crystal-graph network, fine-tuned with a new head."""


@register("gnn_frozen")
class GNNFrozen(_GNNModel):
    """Td-pretrained encoder frozen; only the head is trained."""

    freeze = True


@register("gnn_scratch")
class GNNScratch(_GNNModel):
    """The same network trained from random weights (the no-transfer control)."""

    pretrained = False
