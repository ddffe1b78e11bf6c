"""Shared plumbing for models that learn from the numeric feature columns of a material frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from gfa_ml.config import get_settings
from gfa_ml.models.base import GFAModel, Task
from gfa_ml.models.features import crystal_only_columns, feature_columns, feature_matrix
from gfa_ml.models.fidelity import elkan_noto_weights, label_frequency, proxy_rows


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
        """Fit on the declared feature columns; a frame mixing measured and Td-proxy rows
        (``label_source``) is learned as two fidelities (Td) or with the proxies as unlabelled
        rows (meltability: ``models.proxy_negatives``), see :mod:`gfa_ml.models.fidelity`."""
        cols = feature_columns(X, self.feature_set)
        M = feature_matrix(X, cols)
        keep = ~np.all(np.isnan(M), axis=0)
        self.feature_columns_ = [c for c, k in zip(cols, keep, strict=True) if k]
        if not self.feature_columns_:
            raise ValueError(
                f"{self.name}: no usable feature columns (feature set {self.feature_set})"
            )
        M = M[:, keep]
        y = np.asarray(y, dtype=float)
        w = None if sample_weight is None else np.asarray(sample_weight, float)
        proxy = proxy_rows(X)
        mixed = proxy.any() and (~proxy).any()
        self.fidelity_ = bool(mixed and self.task == "regression")
        if self.fidelity_:  # one more column: 1 = measured scale, 0 = proxy TGA onset
            M = np.column_stack([M, (~proxy).astype(float)])
        if mixed and self.task == "classification" and len(np.unique(y[~proxy])) == 2:
            # presumed negatives teach only through the columns every labelled material has:
            # their crystal descriptors would teach "has a CIF -> decomposes", an artefact of
            # where the labels come from (records), not chemistry
            crystal = crystal_only_columns()
            blind = [i for i, c in enumerate(self.feature_columns_) if c in crystal]
            M = M.copy()
            M[np.ix_(proxy, blind)] = np.nan
            if get_settings().models.proxy_negatives == "elkan-noto":
                M, y, w = self._elkan_noto(M, y, w, proxy)
        self.estimator_ = self._fit_estimator(M, y, w)
        return self

    def _elkan_noto(
        self, M: np.ndarray, y: np.ndarray, w: np.ndarray | None, proxy: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Elkan & Noto's weighting for unlabelled rows (:mod:`gfa_ml.models.fidelity`): each
        proxy enters twice, as a melter with weight P(melts | x, unlabelled) and as a
        non-melter with the rest, both times its presumed-negative weight."""
        w = np.ones(len(y)) if w is None else w
        labelled_pos = ~proxy & (y == 1)
        g_pos, g_unl = self._nontraditional(M, labelled_pos, proxy)
        self.pu_label_frequency_ = label_frequency(g_pos)
        p_pos = elkan_noto_weights(g_unl, self.pu_label_frequency_)
        self.pu_p_melter_ = p_pos  # per unlabelled (proxy) row, in the order of the fit frame
        lab = ~proxy
        M2 = np.vstack([M[lab], M[proxy], M[proxy]])
        y2 = np.concatenate([y[lab], np.ones(proxy.sum()), np.zeros(proxy.sum())])
        w2 = np.concatenate([w[lab], w[proxy] * p_pos, w[proxy] * (1.0 - p_pos)])
        return M2, y2, w2

    def _nontraditional(
        self, M: np.ndarray, labelled: np.ndarray, unlabelled: np.ndarray, k: int = 3,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cross-fitted g(x) = P(labelled | x) of the labelled melters and the unlabelled rows
        (each row scored by a g that never saw it): (g on the melters, g on the unlabelled)."""
        rows = np.flatnonzero(labelled | unlabelled)
        s = labelled[rows].astype(float)
        fold = np.random.default_rng(self.seed).permutation(len(rows)) % k
        g = np.full(len(rows), np.nan)
        for j in range(k):
            fit = self._fit_estimator(M[rows[fold != j]], s[fold != j], None)
            g[fold == j] = self._positive(fit, M[rows[fold == j]])
        return g[s == 1], g[s == 0]

    def _fit_estimator(self, M: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> Any:
        est = self._estimator()
        kw = {}
        if w is not None:  # pipelines route weights to their final step
            steps = getattr(est, "steps", None)
            kw = {f"{steps[-1][0]}__sample_weight" if steps else "sample_weight": w}
        est.fit(M, y.astype(int) if self.task == "classification" else y, **kw)
        return est

    @staticmethod
    def _positive(est: Any, M: np.ndarray) -> np.ndarray:
        proba = est.predict_proba(M)
        classes = list(est.classes_)
        return proba[:, classes.index(1)] if 1 in classes else np.zeros(len(M))

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Feature columns, and for a two-fidelity model its scale column (1 = measured: every
        new material is predicted on the measured scale; 0 only for the proxy rows)."""
        M = feature_matrix(X, self.feature_columns_)
        if getattr(self, "fidelity_", False):
            M = np.column_stack([M, (~proxy_rows(X)).astype(float)])
        return M

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        M = self._matrix(X)
        if self.task == "classification":
            return self._positive(self.estimator_, M)
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
