"""Difficulty-aware split-conformal 90 % intervals: wider far from the training data.

Plain split conformal (Vovk et al. 2005; Lei et al., JASA 2018, 113, 1094) gives every row one
half-width, so a material next to ZIF-4 and a cluster no training material resembles got the same
±160 K. Here the half-width is ``q · σ(d)`` (normalized conformal, Papadopoulos et al., J. Artif.
Intell. Res. 2011, 40, 815; Lei et al. 2018 §5.2), where ``d`` is the row's applicability-domain
distance (mean standardized distance to its k nearest training materials,
:mod:`gfa_ml.models.domain`) and ``σ(d) = a + b·min(d, d_cap)`` is fitted to the absolute
held-out residuals (a, b ≥ 0; non-negative least squares). ``q`` is the conformal quantile of
``|residual| / σ(d)`` over held-out rows, so the 90 % coverage guarantee of split conformal holds
for the normalized scores, and the width follows the distance row by row.

Why distance and not an ensemble's spread: with 10² labels, tree ensembles extrapolate flat, so
their members agree most exactly where no training material is near; the distance to the
training data is the direct measure of extrapolation (measured on the grouped folds: Spearman
ρ(|residual|, d) = 0.19 on the 2,350 Td rows, whose error rises from 40 to 58 K from the nearest
to the farthest third; on the 66–90 measured Tm/Tg rows bootstrap spread and importance-weighted
distances were no better than this distance, and for Tg no trend is fitted at all).

Held-out rows rarely lie beyond the training set's own spread, so no data can say how fast the
error grows there. Beyond the domain distance ``d_domain`` (the distance 95 % of training
materials have to their neighbours, :class:`gfa_ml.models.domain.ApplicabilityDomain`) the
width therefore grows in proportion to ``d / d_domain``, up to ``INFLATE_MAX`` times: a stated
prior, not a measurement — the interval of a material unlike anything trained on says "at
least this unsure" instead of staying flat. The fitted slope uses distances up to ``CAP`` times
the largest one seen while calibrating.

Residuals always come from rows the model did not train on (inner folds during CV, outer folds
for the final model). Rows predicted without their ligand information (``status=partial``) get
their own ``q`` from ligand-blind held-out residuals, never smaller than a full row's; a
two-fidelity model (Td) gets one from its measured rows, which sizes new materials described
without a crystal structure (records; :func:`gfa_ml.models.fidelity.new_scale_rows`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import nnls

#: the fitted slope uses distances up to this multiple of the largest one seen while calibrating
CAP = 1.5
#: beyond the domain distance the width grows with d / d_domain, at most this many times
INFLATE_MAX = 3.0
#: σ(d) never falls below this share of the median absolute residual (a row next to a training
#: material is not predicted exactly)
FLOOR = 0.25


def conformal_quantile(scores: np.ndarray, coverage: float = 0.9) -> float:
    """Finite-sample conformal quantile of ``|scores|``: the ⌈(n+1)·coverage⌉-th smallest
    (NaNs ignored; inf when too few rows for the guarantee)."""
    r = np.sort(np.abs(np.asarray(scores, dtype=float)))
    r = r[~np.isnan(r)]
    n = len(r)
    k = math.ceil((n + 1) * coverage)
    if n == 0 or k > n:
        return float("inf")
    return float(r[k - 1])


@dataclass(frozen=True)
class IntervalModel:
    """``pred ± q · σ(d)``, ``σ(d) = (a + b · min(d, d_cap)) · clip(d / d_domain, 1,
    INFLATE_MAX)``; see the module docstring."""

    a: float
    b: float
    d_cap: float
    d_domain: float
    q: float
    #: for rows featurized in part (ligand-blind residuals); >= q
    q_partial: float
    #: for new records of a two-fidelity model (its measured rows' residuals); >= q, or NaN
    q_new: float
    coverage: float
    n: int

    def sigma(self, distance: np.ndarray) -> np.ndarray:
        d = np.asarray(distance, float)
        d = np.where(np.isfinite(d), d, INFLATE_MAX * self.d_domain)
        inflate = np.clip(d / self.d_domain, 1.0, INFLATE_MAX) if self.d_domain > 0 else 1.0
        return (self.a + self.b * np.minimum(d, self.d_cap)) * inflate

    def halfwidth(self, distance: np.ndarray, partial: np.ndarray | None = None,
                  new: np.ndarray | None = None) -> np.ndarray:
        """Half-width per row. ``partial``: rows featurized in part; ``new``: rows sized by
        ``q_new`` (default all; for Td only records are, see
        :func:`gfa_ml.models.fidelity.new_scale_rows`)."""
        s = self.sigma(distance)
        n = len(s)
        partial = np.zeros(n, bool) if partial is None else np.asarray(partial, bool)
        new = np.ones(n, bool) if new is None else np.asarray(new, bool)
        q_new = self.q if math.isnan(self.q_new) else max(self.q, self.q_new)
        q = np.where(new, q_new, self.q)
        return s * np.where(partial, np.maximum(q, self.q_partial), q)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, float]) -> IntervalModel:
        return cls(**d)

    @classmethod
    def fit(
        cls, residuals: np.ndarray, distances: np.ndarray, d_domain: float,
        coverage: float = 0.9, partial_residuals: np.ndarray | None = None,
        partial_distances: np.ndarray | None = None, new_rows: np.ndarray | None = None,
    ) -> IntervalModel:
        """Fit σ(d) and the conformal quantiles on held-out residuals and their distances.

        ``d_domain``: the applicability-domain distance of the model served; ``new_rows`` marks
        the residuals that size new records (Td's measured rows without a structure); None
        when every row is on that scale.
        """
        r = np.abs(np.asarray(residuals, float))
        d = np.asarray(distances, float)
        ok = np.isfinite(r) & np.isfinite(d)
        d_domain = float(d_domain) if np.isfinite(d_domain) else 0.0
        if ok.sum() < 3:
            return cls(1.0, 0.0, 1.0, d_domain, float("inf"), float("inf"), float("nan"),
                       coverage, int(ok.sum()))
        r, d = r[ok], d[ok]
        d_cap = CAP * float(d.max()) if d.max() > 0 else 1.0
        (a, b), _ = nnls(np.column_stack([np.ones_like(d), np.minimum(d, d_cap)]), r)
        a = max(a, FLOOR * float(np.median(r)), 1e-9)
        model = cls(a, b, d_cap, d_domain, 1.0, 1.0, float("nan"), coverage, int(len(r)))
        q = conformal_quantile(r / model.sigma(d), coverage)
        q_part = q
        if partial_residuals is not None and len(partial_residuals):
            pr = np.asarray(partial_residuals, float)
            pd_ = np.asarray(partial_distances, float)
            keep = np.isfinite(pr) & np.isfinite(pd_)
            q_part = max(q, conformal_quantile(pr[keep] / model.sigma(pd_[keep]), coverage))
        q_new = float("nan")
        if new_rows is not None:
            new = np.asarray(new_rows, bool)[ok]
            if new.any() and (~new).any():
                q_new = max(q, conformal_quantile(r[new] / model.sigma(d[new]), coverage))
        return cls(a, b, d_cap, d_domain, q, q_part, q_new, coverage, int(len(r)))
