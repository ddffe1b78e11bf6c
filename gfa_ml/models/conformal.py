"""Split-conformal 90 % intervals from held-out residuals (Vovk et al. 2005; Lei et al., JASA
2018, 113, 1094).

The half-width is the ⌈(n+1)(1−α)⌉-th smallest absolute held-out residual: with exchangeable
data the interval pred ± q covers the truth with probability ≥ 1−α. Residuals always come from
rows the model did not train on (inner folds during CV, outer folds for the final model).
"""

from __future__ import annotations

import math

import numpy as np


def conformal_halfwidth(residuals: np.ndarray, coverage: float = 0.9) -> float:
    """Finite-sample conformal quantile of |residuals| (NaNs ignored; inf when too few)."""
    r = np.sort(np.abs(np.asarray(residuals, dtype=float)))
    r = r[~np.isnan(r)]
    n = len(r)
    k = math.ceil((n + 1) * coverage)
    if n == 0 or k > n:
        return float("inf")
    return float(r[k - 1])


def interval(pred: np.ndarray, halfwidth: float) -> tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred, dtype=float)
    return pred - halfwidth, pred + halfwidth
