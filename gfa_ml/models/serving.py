"""One target's served numbers: the model's own estimate, its row-wise interval, its domain.

``serve_target`` is the single place a fitted bundle turns feature rows into the values a chemist
reads. ``gfa predict`` (:func:`gfa_ml.models.predict.predict_frame`) calls it for every target,
and every cross-validation fold (:func:`gfa_ml.evaluation.cv.cross_validate`) calls it with the
fold's own bundle, so ``gfa evaluate`` scores exactly what ``gfa predict`` writes: a
post-processing step can never change the served numbers without the report seeing it.

Nothing here moves one model's estimate to agree with another model: each column is its model's
best estimate, clipped only to what is physical (a temperature above 0 K, Tg/Tm in [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gfa_ml.models.completeness import unseen_chemistry
from gfa_ml.models.conformal import IntervalModel
from gfa_ml.models.fidelity import new_scale_rows
from gfa_ml.models.store import ModelBundle
from gfa_ml.models.targets import TARGETS


@dataclass
class Served:
    """One target for a frame of rows (aligned with it)."""

    value: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    halfwidth: np.ndarray
    #: ``domain_distance``, ``in_domain``, ``nearest_known`` (from the model that served)
    domain: pd.DataFrame
    #: rows the bundle's own model gave no value for (served by its backup, if it has one)
    own_missing: np.ndarray
    #: rows served as partial: featurized in part, or holding chemistry the model never saw
    partial: np.ndarray
    #: per row, '' or which metal / ligand class / donor the model never saw
    unseen: pd.Series


def interval_model(bundle: ModelBundle) -> IntervalModel | None:
    """The bundle's conformal interval (None: a classifier, or trained without one)."""
    return IntervalModel.from_dict(bundle.meta.interval) if bundle.meta.interval else None


def _assess(bundle: ModelBundle, X: pd.DataFrame) -> pd.DataFrame:
    if bundle.domain is None:
        return pd.DataFrame({"domain_distance": np.nan, "in_domain": True, "nearest_known": ""},
                            index=X.index)
    return bundle.domain.assess(X)


def _raw(bundle: ModelBundle, X: pd.DataFrame, partial: np.ndarray) -> tuple[np.ndarray, ...]:
    """Value, half-width and domain of one bundle's own model (no backup, no clipping)."""
    value = np.asarray(bundle.model.predict(X), dtype=float)
    dom = _assess(bundle, X)
    im = interval_model(bundle)
    if im is None:
        half = np.full(len(X), np.nan)
    else:
        half = im.halfwidth(dom["domain_distance"].to_numpy(float), partial, new_scale_rows(X))
    return value, half, dom


def serve_target(bundle: ModelBundle, X: pd.DataFrame,
                 partial: np.ndarray | None = None) -> Served:
    """The served value, 90 % interval and domain of ``bundle``'s target for every row of ``X``.

    ``partial`` marks rows featurized in part; rows holding a metal, ligand class or donor the
    model never saw (:func:`gfa_ml.models.completeness.unseen_chemistry`) are partial too. Both
    get the wider partial quantile. Rows the model returns NaN for are served by
    ``bundle.backup`` when there is one.
    """
    target = TARGETS[bundle.meta.target]
    unseen = unseen_chemistry(X, bundle.meta.seen, target.label)
    partial = np.zeros(len(X), bool) if partial is None else np.asarray(partial, bool)
    partial = partial | unseen.ne("").to_numpy()
    value, half, dom = _raw(bundle, X, partial)
    missing = ~np.isfinite(value)
    if missing.any() and bundle.backup is not None:
        v2, h2, d2 = _raw(bundle.backup, X[missing], partial[missing])
        value[missing], half[missing] = v2, h2
        dom = dom.copy()
        dom.loc[X.index[missing], d2.columns] = d2.to_numpy()
    lo_b, hi_b = target.bounds
    clipped = np.clip(value, lo_b, hi_b)
    return Served(value=clipped, lo=np.clip(value - half, lo_b, hi_b),
                  hi=np.clip(value + half, lo_b, hi_b), halfwidth=half, domain=dom,
                  own_missing=missing, partial=partial, unseen=unseen)
