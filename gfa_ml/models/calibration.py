"""Calibrated meltability probabilities and a decision threshold, both learned in training folds.

A classifier trained with down-weighted presumed negatives and 10^2 labels gives scores, not
probabilities: ``p_meltable`` must be a probability a chemist can read and convert to the base
rate of the set being screened (:func:`gfa_ml.models.agreement.at_prior`). Platt scaling
(Platt, Advances in Large Margin Classifiers, 1999) maps the logit of the score through a
weighted logistic regression fit on *inner out-of-fold* scores of the training part only, so the
outer test fold never shapes it. The two classes are weighted equally in that fit: the curated
table's share of melters (125 of 181) reflects what gets published, not a screening set's base
rate, so ``p_meltable`` is P(melts before decomposing) at equal prior odds.
The yes/no threshold is the one that maximizes balanced accuracy on the same calibrated inner
out-of-fold scores (classes are unequal: 125 melt vs 56 decompose), again never on a test fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score

from gfa_ml.models.base import GFAModel

#: fewer inner out-of-fold scores than this (or one class) -> no calibration, threshold 0.5
MIN_ROWS = 10
_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibration:
    """``p -> sigmoid(a * logit(p) + b)`` and the balanced-accuracy threshold on that scale."""

    a: float = 1.0
    b: float = 0.0
    threshold: float = 0.5
    n: int = 0

    def __call__(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, float)
        out = 1.0 / (1.0 + np.exp(-(self.a * _logit(p) + self.b)))
        return np.where(np.isnan(p), np.nan, out)


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The cut between sorted scores that maximizes balanced accuracy (ties: nearest 0.5)."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    cuts = np.unique(p)
    mids = np.concatenate([[0.5], (cuts[:-1] + cuts[1:]) / 2]) if len(cuts) > 1 else np.array([0.5])
    scores = np.array([balanced_accuracy_score(y, (p >= t).astype(int)) for t in mids])
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    return float(mids[best[np.argmin(np.abs(mids[best] - 0.5))]])


def fit_calibration(
    y: np.ndarray, p: np.ndarray, weight: np.ndarray | None = None
) -> Calibration:
    """Platt scaling (classes weighted equally) and threshold from out-of-fold scores (identity
    when too few or one class)."""
    from sklearn.linear_model import LogisticRegression

    y, p = np.asarray(y, float), np.asarray(p, float)
    ok = np.isfinite(p) & np.isfinite(y)
    y, p = y[ok].astype(int), p[ok]
    w = None if weight is None else np.asarray(weight, float)[ok]
    if len(y) < MIN_ROWS or len(np.unique(y)) < 2:
        return Calibration(n=int(len(y)))
    w = np.ones(len(y)) if w is None else w
    w = w * np.where(y == 1, 0.5 / w[y == 1].sum(), 0.5 / w[y == 0].sum()) * len(y)
    lr = LogisticRegression(C=1e4).fit(_logit(p)[:, None], y, sample_weight=w)
    cal = Calibration(float(lr.coef_[0, 0]), float(lr.intercept_[0]), 0.5, int(len(y)))
    return Calibration(cal.a, cal.b, best_threshold(y, cal(p)), cal.n)


class CalibratedClassifier(GFAModel):
    """A fitted classifier whose ``predict`` is passed through its :class:`Calibration`.

    Everything else (feature columns, NaN reasons) is the base model's. SHAP contributions are
    the base model's margin contributions times the Platt slope, with the intercept added to the
    bias, so they sum to the logit of the *served* probability: the explanation is of the number
    shown (calibration is monotone, so the ranking is the base model's).
    """

    name = "calibrated"
    tasks = ("classification",)

    def __init__(self, model: GFAModel | None = None, calibration: Calibration | None = None):
        self.model = model
        self.calibration = calibration or Calibration()
        self.task = "classification"

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> CalibratedClassifier:  # pragma: no cover
        raise TypeError("CalibratedClassifier wraps an already fitted model")

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.calibration(np.asarray(self.model.predict(X), float))

    def nan_reasons(self, X: pd.DataFrame) -> pd.Series:
        return self.model.nan_reasons(X)

    @property
    def contributions(self) -> Any:
        """Per-row contributions to logit(p_meltable) (absent when the base model has none)."""
        base = self.model.contributions  # AttributeError: no explanations to give

        def scaled(X: pd.DataFrame) -> pd.DataFrame:
            c = base(X) * self.calibration.a
            c["bias"] += self.calibration.b
            return c

        return scaled

    def __getattr__(self, name: str) -> Any:
        model = self.__dict__.get("model")
        if model is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(model, name)
