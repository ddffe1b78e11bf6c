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

from gfa_ml.models.features import feature_matrix

MIN_PRESENT_FRACTION = 0.75


def nan_euclidean(Q: np.ndarray, T: np.ndarray) -> np.ndarray:
    """sklearn's ``nan_euclidean_distances`` (coordinates missing in either row are skipped and
    the sum rescaled by total / present), as three float32 matrix products: screening assesses
    every structure against thousands of training MOFs, and this is ~4x faster at equal results.
    """
    mq, mt = ~np.isnan(Q), ~np.isnan(T)
    q0 = np.where(mq, Q, 0.0).astype(np.float32)
    t0 = np.where(mt, T, 0.0).astype(np.float32)
    mqf, mtf = mq.astype(np.float32), mt.astype(np.float32)
    sq = (q0 * q0) @ mtf.T + mqf @ (t0 * t0).T - 2.0 * (q0 @ t0.T)
    present = mqf @ mtf.T
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = np.maximum(sq, 0.0) * (Q.shape[1] / present)
    return np.sqrt(np.where(present > 0, d2, np.nan)).astype(float)


class ApplicabilityDomain:
    def __init__(self, k: int = 3, quantile: float = 0.95) -> None:
        self.k = k
        self.quantile = quantile

    def fit(self, X: pd.DataFrame, columns: list[str]) -> ApplicabilityDomain:
        M = feature_matrix(X, columns)
        seen = (~np.isnan(M)).sum(axis=0) >= 2  # a column no anchor has says nothing
        mu, sd = np.full(M.shape[1], np.nan), np.full(M.shape[1], np.nan)
        mu[seen], sd[seen] = np.nanmean(M[:, seen], axis=0), np.nanstd(M[:, seen], axis=0)
        keep = np.isfinite(sd) & (sd > 0)
        self.columns_ = [c for c, k in zip(columns, keep, strict=True) if k]
        self.mean_, self.std_ = mu[keep], sd[keep]
        self.train_ = self._scale(M[:, keep])
        self.names_ = np.asarray(X.index.astype(str))
        d = self._distances(self.train_, exclude_self=True).mean(axis=1)
        d = d[np.isfinite(d)]  # a row sharing no feature with any other has no distance
        self.threshold_ = float(np.quantile(d, self.quantile)) if len(d) else float("inf")
        typical = float(np.median((~np.isnan(self.train_)).mean(axis=1)))
        self.min_present_ = MIN_PRESENT_FRACTION * typical
        return self

    def _scale(self, M: np.ndarray) -> np.ndarray:
        return (M - self.mean_) / self.std_

    def _distances(self, Q: np.ndarray, exclude_self: bool = False, chunk: int = 512) -> np.ndarray:
        """Sorted distances of each query row to its k nearest training rows."""
        out = []
        for s in range(0, len(Q), chunk):
            D = nan_euclidean(Q[s : s + chunk], self.train_)
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
            D = nan_euclidean(Q[s : s + 512], self.train_)
            D = np.where(np.isnan(D), np.inf, D)
            m = min(max(self.k, n_names), D.shape[1])
            part = np.argpartition(D, m - 1, axis=1)[:, :m]
            order = np.argsort(np.take_along_axis(D, part, axis=1), axis=1)
            idx = np.take_along_axis(part, order, axis=1)
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
