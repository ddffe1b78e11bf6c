"""Metric helpers: the bootstrap interval that decides 'clearly below a published MAE'."""

from __future__ import annotations

import numpy as np

from gfa_ml.evaluation.metrics import mae_interval, regression_metrics


def test_mae_interval_brackets_the_mae_and_narrows_with_more_materials() -> None:
    rng = np.random.default_rng(3)
    # absolute errors shaped like TGA Td residuals (half-normal, sigma 60 K)
    small, large = np.abs(rng.normal(0, 60, 100)), np.abs(rng.normal(0, 60, 2400))
    lo_s, hi_s = mae_interval(small)
    lo_l, hi_l = mae_interval(large)
    assert lo_s < small.mean() < hi_s
    assert lo_l < large.mean() < hi_l
    # width ~ 1/sqrt(n): 24x the materials -> about 5x narrower
    assert 3.5 < (hi_s - lo_s) / (hi_l - lo_l) < 7.0
    # the expected half-normal MAE, 60 * sqrt(2/pi) = 47.9 K, lies inside the large-n interval
    assert lo_l < 60 * np.sqrt(2 / np.pi) < hi_l


def test_mae_interval_is_deterministic_and_nan_for_one_material() -> None:
    err = np.array([10.0, 50.0, 30.0, 70.0])
    assert mae_interval(err) == mae_interval(err)
    assert all(np.isnan(v) for v in mae_interval(np.array([5.0])))
    assert regression_metrics(err, np.zeros(4))["mae"] == 40.0
