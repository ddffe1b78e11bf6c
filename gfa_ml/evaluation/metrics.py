"""Metrics for regressors (MAE, RMSE, R², interval coverage) and the meltability classifier
(ROC-AUC, balanced accuracy, Brier score); undefined values are NaN, never a fake 0."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    balanced_accuracy_score,
    brier_score_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)

REGRESSION = ("mae", "rmse", "r2", "coverage", "width")
CLASSIFICATION = ("auc", "bacc", "brier")


def regression_metrics(
    y: np.ndarray, pred: np.ndarray, lo: np.ndarray | None = None, hi: np.ndarray | None = None
) -> dict[str, float]:
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    out = {k: np.nan for k in REGRESSION}
    out["n"] = float(len(y))
    if len(y) == 0:
        return out
    out["mae"] = float(mean_absolute_error(y, pred))
    out["rmse"] = float(np.sqrt(np.mean((y - pred) ** 2)))
    out["r2"] = float(r2_score(y, pred)) if len(y) > 1 and np.var(y) > 0 else np.nan
    if lo is not None and hi is not None:
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        ok = ~(np.isnan(lo) | np.isnan(hi))
        if ok.any():
            out["coverage"] = float(np.mean((y[ok] >= lo[ok]) & (y[ok] <= hi[ok])))
            out["width"] = float(np.mean(hi[ok] - lo[ok]))
    return out


def mae_interval(
    abs_err: np.ndarray, coverage: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of a mean absolute error, resampling materials.

    Whether a model beats a published figure is decided against this interval, not against
    the point estimate: with ~10^3 noisy TGA labels a 1 K difference is within resampling noise.
    """
    err = np.asarray(abs_err, float)
    if len(err) < 2:
        return np.nan, np.nan
    rng = np.random.default_rng(seed)
    means = err[rng.integers(0, len(err), size=(n_boot, len(err)))].mean(axis=1)
    tail = (1.0 - coverage) / 2.0
    lo, hi = np.quantile(means, [tail, 1.0 - tail])
    return float(lo), float(hi)


def classification_metrics(y: np.ndarray, p: np.ndarray, thr=None) -> dict[str, float]:
    """``thr``: per-row yes/no threshold (chosen in each row's training folds); NaN or None
    -> 0.5."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    t = np.full(len(p), 0.5) if thr is None else np.asarray(thr, float)
    t = np.where(np.isnan(t), 0.5, t)
    out = {k: np.nan for k in CLASSIFICATION}
    out["n"] = float(len(y))
    if len(y) == 0:
        return out
    out["brier"] = float(brier_score_loss(y, p, pos_label=1)) if len(y) else np.nan
    if len(np.unique(y)) == 2:
        out["auc"] = float(roc_auc_score(y, p))
        out["bacc"] = float(balanced_accuracy_score(y, (p >= t).astype(int)))
    return out


def metrics_for(
    task: str, y: np.ndarray, pred: np.ndarray, lo=None, hi=None, thr=None
) -> dict[str, float]:
    if task == "classification":
        return classification_metrics(y, pred, thr)
    return regression_metrics(y, pred, lo, hi)


#: metric used to rank models (and whether larger is better)
PRIMARY = {"classification": ("auc", True), "regression": ("mae", False)}
