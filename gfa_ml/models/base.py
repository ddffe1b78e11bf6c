"""The model contract every GFA model follows, so the comparison harness treats them alike.

``X`` is a *material frame*: one row per material (index = material id) holding the record
columns (``family``, ``metals``, ``linker_fractions``, ``Tm_K`` ... from the measured table, or
``cif_key`` for structures) **and** the numeric feature columns from ``gfa_ml.featurize``.
Each model picks the columns it needs: xgboost the numeric features, the 2/3 rule ``Tm_K``,
the TCT model the linker fractions, the GNN the structure keys.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

Task = Literal["regression", "classification"]


class GFAModel(BaseEstimator):
    """Base class: ``fit(X, y)`` / ``predict(X)``; classifiers return P(class 1) from ``predict``.

    ``predict_interval`` returns the (lo, hi) bounds of a central interval at ``coverage``;
    models without their own uncertainty leave it to the harness (conformal on held-out folds).
    ``explain`` returns NaN reasons per row where a model cannot serve a material.
    """

    name: ClassVar[str] = "base"
    tasks: ClassVar[tuple[Task, ...]] = ("regression",)
    #: targets the model can serve at all (None = any)
    targets: ClassVar[tuple[str, ...] | None] = None

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> GFAModel:  # pragma: no cover - interface
        raise NotImplementedError

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def predict_interval(
        self, X: pd.DataFrame, coverage: float = 0.9
    ) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def nan_reasons(self, X: pd.DataFrame) -> pd.Series:
        """Why a prediction is NaN for a row (empty string where the model serves it)."""
        return pd.Series("", index=X.index)
