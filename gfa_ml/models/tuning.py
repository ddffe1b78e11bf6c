"""Hyper-parameter search inside one training fold (never touching its test fold).

Optuna's seeded TPE sampler over the model's ``search_space``; the objective is the mean inner
grouped-CV loss (MAE for regressors, log-loss for the classifier). Above
``models.tune_single_fold_above`` training rows only the first inner fold is used (one fit per
trial keeps nested tuning of the 2,500-row Td set affordable on two cores; small sets need every
fold to tame the noise).
Weighted rows are trained on, only scored rows enter the loss.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

from gfa_ml.config import get_settings
from gfa_ml.models.base import GFAModel
from gfa_ml.models.censoring import fit_with_bounds


def inner_loss(
    make: Callable[[dict[str, Any]], GFAModel], params: dict[str, Any], X: pd.DataFrame,
    y: np.ndarray, inner: np.ndarray, weight: np.ndarray | None, scored: np.ndarray, task: str,
    only_fold: int | None = None,
) -> tuple[float, np.ndarray]:
    """Mean loss over inner folds (or just ``only_fold``), and the out-of-fold predictions."""
    oof = np.full(len(y), np.nan)
    losses = []
    ks = np.unique(inner[inner >= 0])
    for k in ks if only_fold is None else [only_fold]:
        te = (inner == k) & scored
        tr = inner != k
        if not te.any():
            continue
        model = make(params)
        fit_model(model, X[tr], y[tr], None if weight is None else weight[tr])
        oof[te] = model.predict(X[te])
        ok = te & ~np.isnan(oof)
        if not ok.any():
            continue
        if task == "classification":
            p = np.clip(oof[ok], 1e-6, 1 - 1e-6)
            losses.append(log_loss(y[ok].astype(int), p, labels=[0, 1]))
        else:
            losses.append(float(np.mean(np.abs(y[ok] - oof[ok]))))
    return (float(np.mean(losses)) if losses else float("inf")), oof


def fit_model(
    model: GFAModel, X: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None
) -> GFAModel:
    """``fit`` with ``sample_weight`` only for models that declare ``supports_sample_weight``;
    rows whose label is a lower bound (a melter's Tm under its Td) enter through
    :func:`gfa_ml.models.censoring.fit_with_bounds`."""
    return fit_with_bounds(model, X, y, weight, _fit)


def _fit(model: GFAModel, X: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None) -> GFAModel:
    if weight is not None and type(model).supports_sample_weight:
        return model.fit(X, y, sample_weight=weight)
    return model.fit(X, y)


def tune(
    make: Callable[[dict[str, Any]], GFAModel], space: Callable[[Any], dict[str, Any]],
    X: pd.DataFrame, y: np.ndarray, inner: np.ndarray, weight: np.ndarray | None,
    scored: np.ndarray, task: str, trials: int, seed: int,
) -> dict[str, Any]:
    """Best parameters after ``trials`` TPE trials (empty dict when ``trials`` is 0)."""
    if trials <= 0:
        return {}
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed)
    )
    only = 0 if len(y) > get_settings().models.tune_single_fold_above else None
    study.optimize(
        lambda t: inner_loss(make, space(t), X, y, inner, weight, scored, task, only)[0],
        n_trials=trials,
    )
    return dict(study.best_params)
