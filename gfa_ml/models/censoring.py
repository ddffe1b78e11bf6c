"""Lower bounds as labels: a material that melts before it decomposes has Td above its Tm.

The measured table holds Tm for ~80 melters with no measured Td (ZIF-4, the ZIF-62 series,
the bis(acetamide) and phosphate-azole melts, ...). Each says Td > Tm: a right-censored Td
label. Left out, the Td model put ZIF-4 (Tm 863 K) at Td 633 K and broke the bound for one
melter in five out of fold; taken as Td = Tm, it would drag every such material down to its
melting point. This module lets any regressor learn from such rows by Buckley & James'
iteration (Biometrika 1979, 66, 429), one step: fit on the exact labels, replace each bound
``b`` by the conditional mean E[Td | Td > b] of a normal around that first fit's estimate ``mu``
(spread ``models.censored_sd_K``), refit on every row. A bound far below ``mu`` leaves the row
at ``mu`` (no pull); a bound above ``mu`` lifts the label just past the bound.

Bound rows carry ``label_source`` = :data:`LOWER_BOUND` (the value in ``y`` is the bound). They
are train-only: never scored as Td, scored instead by how often an out-of-fold estimate falls
below its bound (``CVResult.bound_metrics``). xgboost's own censored objective
(``survival:aft``, normal, log scale) was measured beside it (experiments/td_bounds.md,
``python benchmarks/td_ablation.py --sections bounds``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import clone

from gfa_ml.config import get_settings
from gfa_ml.models.fidelity import LABEL_SOURCE

#: ``label_source`` of a row whose label is a lower bound (a melter's Tm under its Td)
LOWER_BOUND = "lower_bound"


def bound_rows(X: pd.DataFrame) -> np.ndarray:
    """True for the rows whose label is a lower bound (all False without the column)."""
    if LABEL_SOURCE not in X.columns:
        return np.zeros(len(X), bool)
    return (X[LABEL_SOURCE].astype(str) == LOWER_BOUND).to_numpy()


def study_folds(fold: np.ndarray, groups: np.ndarray, bound_groups: pd.Series) -> pd.Series:
    """The fold of each bound's study: the first non-negative ``fold`` among the scored rows
    of that study (``groups``), NaN where the study has none; index of ``bound_groups``."""
    by_group = pd.Series(np.asarray(fold), index=np.asarray(groups))
    by_group = by_group[by_group >= 0].groupby(level=0).first()
    return bound_groups.map(by_group)


def mean_above(mu: np.ndarray, bound: np.ndarray, sd: float) -> np.ndarray:
    """E[Y | Y > bound] for Y ~ N(mu, sd²): the inverse Mills ratio step, in logs so that a
    bound many spreads above ``mu`` still lands just above the bound, never below it."""
    mu, bound = np.asarray(mu, float), np.asarray(bound, float)
    a = (bound - mu) / sd
    return np.maximum(mu + sd * np.exp(norm.logpdf(a) - norm.logsf(a)), bound)


def fit_with_bounds(model: Any, X: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None,
                    fit: Callable[[Any, pd.DataFrame, np.ndarray, np.ndarray | None], Any]) -> Any:
    """``fit(model, X, y, weight)``, with the lower-bound rows of a regressor imputed as above
    (a classifier, or a frame without bound rows, is fitted as is). A bound row the first fit
    cannot estimate (NaN) is left out of the refit."""
    bound = bound_rows(X)
    if not bound.any() or getattr(model, "task", "regression") != "regression":
        return fit(model, X, y, weight)
    exact = ~bound
    first = fit(clone(model), X[exact], y[exact], None if weight is None else weight[exact])
    mu = np.asarray(first.predict(X[bound]), float)
    y = np.asarray(y, float).copy()
    y[bound] = mean_above(mu, y[bound], get_settings().models.censored_sd_K)
    keep = np.isfinite(y)
    return fit(model, X[keep], y[keep], None if weight is None else weight[keep])
