"""Shared plumbing for models that learn from the numeric feature columns of a material frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from gfa_ml.models.base import GFAModel, Task
from gfa_ml.models.features import feature_columns, feature_matrix


class TabularModel(GFAModel):
    """Picks feature columns at ``fit`` (a declared feature set), rebuilds them at predict.

    Subclasses implement ``_estimator()`` returning an unfitted scikit-learn-style estimator.
    Columns that are NaN in every training row are dropped: they carry no information and
    would only confuse imputers.
    """

    tasks = ("regression", "classification")
    supports_sample_weight = True
    proxy_variant = True

    def __init__(
        self, task: Task = "regression", feature_set: str = "all",
        seed: int = 0,
    ) -> None:
        self.task = task
        self.feature_set = feature_set
        self.seed = seed

    def _estimator(self) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def fit(
        self, X: pd.DataFrame, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> TabularModel:
        cols = feature_columns(X, self.feature_set)
        M = feature_matrix(X, cols)
        keep = ~np.all(np.isnan(M), axis=0)
        self.feature_columns_ = [c for c, k in zip(cols, keep, strict=True) if k]
        if not self.feature_columns_:
            raise ValueError(
                f"{self.name}: no usable feature columns (feature set {self.feature_set})"
            )
        y = np.asarray(y, dtype=float)
        self.estimator_ = self._estimator()
        kw = {}
        if sample_weight is not None:  # pipelines route weights to their final step
            steps = getattr(self.estimator_, "steps", None)
            kw = {f"{steps[-1][0]}__sample_weight" if steps else "sample_weight": sample_weight}
        self.estimator_.fit(M[:, keep], y.astype(int) if self.task == "classification" else y, **kw)
        return self

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        return feature_matrix(X, self.feature_columns_)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        M = self._matrix(X)
        if self.task == "classification":
            proba = self.estimator_.predict_proba(M)
            classes = list(self.estimator_.classes_)
            return proba[:, classes.index(1)] if 1 in classes else np.zeros(len(M))
        return np.asarray(self.estimator_.predict(M), dtype=float)

    def feature_importances(self) -> pd.Series:
        """Global importances (model-specific meaning), sorted descending."""
        est = self.estimator_
        est = est[-1] if hasattr(est, "steps") else est
        if hasattr(est, "feature_importances_"):
            vals = np.asarray(est.feature_importances_, dtype=float)
        elif hasattr(est, "coef_"):
            vals = np.abs(np.ravel(est.coef_))
        else:
            return pd.Series(dtype=float)
        names = self.feature_columns_
        if len(vals) != len(names):  # imputer indicator columns follow the features
            names = names + [f"missing:{i}" for i in range(len(vals) - len(names))]
        return pd.Series(vals, index=names).sort_values(ascending=False)
