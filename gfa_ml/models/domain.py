"""Applicability domain: how far a material is from everything the model was trained on.

Distances are nan-aware Euclidean in the standardized feature space of the model (features a
record lacks are skipped and the distance rescaled, sklearn's ``nan_euclidean``). A material is
in domain when its mean distance to the ``k`` nearest training materials is within the
``quantile`` of the same statistic among training materials (each against the others), and when
it has at least ``MIN_PRESENT_FRACTION`` of the features a typical training material has (a
metal + SMILES record offered to a model trained on CIF descriptors is flagged, however close).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics.pairwise import nan_euclidean_distances

from gfa_ml.models.features import feature_matrix

MIN_PRESENT_FRACTION = 0.75


class ApplicabilityDomain:
    def __init__(self, k: int = 3, quantile: float = 0.95) -> None:
        self.k = k
        self.quantile = quantile

    def fit(self, X: pd.DataFrame, columns: list[str]) -> ApplicabilityDomain:
        M = feature_matrix(X, columns)
        mu, sd = np.nanmean(M, axis=0), np.nanstd(M, axis=0)
        keep = np.isfinite(sd) & (sd > 0)
        self.columns_ = [c for c, k in zip(columns, keep, strict=True) if k]
        self.mean_, self.std_ = mu[keep], sd[keep]
        self.train_ = self._scale(M[:, keep])
        self.names_ = np.asarray(X.index.astype(str))
        d = self._distances(self.train_, exclude_self=True)
        self.threshold_ = float(np.nanquantile(d.mean(axis=1), self.quantile))
        typical = float(np.median((~np.isnan(self.train_)).mean(axis=1)))
        self.min_present_ = MIN_PRESENT_FRACTION * typical
        return self

    def _scale(self, M: np.ndarray) -> np.ndarray:
        return (M - self.mean_) / self.std_

    def _distances(self, Q: np.ndarray, exclude_self: bool = False, chunk: int = 512) -> np.ndarray:
        """Sorted distances of each query row to its k nearest training rows."""
        out = []
        for s in range(0, len(Q), chunk):
            D = nan_euclidean_distances(Q[s : s + chunk], self.train_)
            if exclude_self:
                D[np.arange(len(D)), np.arange(s, s + len(D))] = np.inf
            D = np.where(np.isnan(D), np.inf, D)
            out.append(np.sort(D, axis=1)[:, : self.k])
        return np.vstack(out) if out else np.empty((0, self.k))

    def assess(self, X: pd.DataFrame, n_names: int = 3) -> pd.DataFrame:
        """``domain_distance``, ``in_domain`` and ``nearest_known`` (training ids) per row."""
        Q = self._scale(feature_matrix(X, self.columns_))
        present = (~np.isnan(Q)).mean(axis=1)
        nearest, dist = [], []
        for s in range(0, len(Q), 512):
            D = nan_euclidean_distances(Q[s : s + 512], self.train_)
            D = np.where(np.isnan(D), np.inf, D)
            idx = np.argsort(D, axis=1)[:, : max(self.k, n_names)]
            for row, ix in zip(D, idx, strict=True):
                dist.append(float(np.mean(row[ix[: self.k]])))
                nearest.append(";".join(self.names_[ix[:n_names]]))
        dist_arr = np.asarray(dist)
        return pd.DataFrame(
            {
                "domain_distance": dist_arr,
                "in_domain": (dist_arr <= self.threshold_) & (present >= self.min_present_),
                "nearest_known": nearest,
            },
            index=X.index,
        )
