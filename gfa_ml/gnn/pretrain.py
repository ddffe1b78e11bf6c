"""Pretrain the crystal-graph encoder on the Td proxy set (2,506 CoRE MOFs with TGA onsets).

The held-out test split and the inner early-stopping split are both grouped by the Td set's
leakage ``group`` (shared refcode base or identical Td), so the reported MAE is on structures
unrelated to any training structure.
"""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

from gfa_ml.config import GNNConfig, get_settings
from gfa_ml.data.td_proxy import load_td_proxy
from gfa_ml.gnn import checkpoint, train
from gfa_ml.gnn.graph_cache import GraphCache
from gfa_ml.gnn.material_graphs import material_graphs
from gfa_ml.gnn.model import CrystalGNN
from gfa_ml.io.atomic import write_csv_atomic
from gfa_ml.models.tracking import log_artifacts, log_metrics, mlflow_run

log = logging.getLogger(__name__)


@dataclass
class PretrainResult:
    test_mae_K: float
    baseline_mae_K: float  # predicting the training mean, for scale
    n_train: int
    n_test: int
    epochs_run: int
    seconds_per_epoch: float
    cpu_seconds_per_epoch: float
    train_seconds: float
    graph_seconds: float
    peak_rss_MB: float
    checkpoint: Path
    skipped: dict[str, str] = field(default_factory=dict)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _td_frame(limit: int | None, seed: int) -> pd.DataFrame:
    df = load_td_proxy()
    df = df[df["cif_path"] != ""].set_index("core_name")
    if limit is not None and limit < len(df):
        df = df.sample(limit, random_state=seed).sort_index()
    return df


def pretrain(
    cfg: GNNConfig | None = None,
    *,
    limit: int | None = None,
    seed: int = 0,
    test_fraction: float = 0.15,
    out: Path | None = None,
    tracking_uri: str | None = None,
) -> PretrainResult:
    """Train on Td_K, report grouped held-out MAE (K), save the model to ``out``."""
    cfg = cfg or get_settings().gnn
    out = out or checkpoint.pretrained_path()
    df = _td_frame(limit, seed)
    t0 = time.perf_counter()
    gs = material_graphs(df, cfg.cutoff_A, cfg.max_neighbors, cfg.max_atoms, GraphCache(),
                         seed=seed)
    graph_seconds = time.perf_counter() - t0
    skipped = {str(df.index[i]): r for i, r in enumerate(gs.reasons) if r}
    ok = np.array(gs.ok)
    graphs = [gs.graphs[i] for i in ok]
    y = df["Td_K"].to_numpy(dtype=float)[ok]
    groups = df["group"].to_numpy()[ok]
    tr, te = next(GroupShuffleSplit(1, test_size=test_fraction, random_state=seed)
                  .split(ok, groups=groups))
    mean, std = float(y[tr].mean()), float(y[tr].std())
    train.seed_everything(seed)  # weight init too: torch's start-up seed differs per process
    model = CrystalGNN(cfg.hidden, cfg.n_conv, cfg.cutoff_A, cfg.gaussian_step_A, n_out=1)
    params = {**cfg.model_dump(), "limit": limit, "seed": seed, "n_graphs": len(graphs),
              "n_skipped": len(skipped), "n_train": len(tr), "n_test": len(te)}
    with mlflow_run("gnn-td-pretrain", tracking_uri, params=params, tags={"model": "gnn"}):
        t1 = time.perf_counter()
        history = train.fit(
            model, [graphs[i] for i in tr], (y[tr] - mean) / std,
            cfg.model_copy(update={"lr": cfg.pretrain_lr}), seed=seed,
            groups=groups[tr], on_epoch=lambda e, row: log_metrics(row, step=e),
        )
        train_seconds = time.perf_counter() - t1
        pred = train.predict(model, [graphs[i] for i in te], cfg.batch_max_atoms, cfg.device)
        mae = float(np.mean(np.abs(pred[:, 0] * std + mean - y[te])))
        baseline = float(np.mean(np.abs(mean - y[te])))
        checkpoint.save(model, out, cutoff_A=cfg.cutoff_A, max_neighbors=cfg.max_neighbors,
                        y_mean=mean, y_std=std, target="Td_K", test_mae_K=mae, seed=seed,
                        n_train=len(tr))
        curve = out.with_name(out.stem + "_history.csv")
        write_csv_atomic(pd.DataFrame(history), curve)
        log_metrics({"test_mae_K": mae, "baseline_mae_K": baseline, "peak_rss_MB": peak_rss_mb(),
                     "train_seconds": train_seconds, "graph_seconds": graph_seconds})
        log_artifacts(out, "checkpoint")
        log_artifacts(curve, "curves")
    for name, reason in skipped.items():
        log.warning("skipped %s: %s", name, reason)
    return PretrainResult(
        test_mae_K=mae, baseline_mae_K=baseline, n_train=len(tr), n_test=len(te),
        epochs_run=len(history), seconds_per_epoch=float(np.mean([h["seconds"] for h in history])),
        cpu_seconds_per_epoch=float(np.mean([h["cpu_seconds"] for h in history])),
        train_seconds=train_seconds, graph_seconds=graph_seconds, peak_rss_MB=peak_rss_mb(),
        checkpoint=out, skipped=skipped,
    )
