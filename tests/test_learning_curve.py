"""Learning curves on the real measured table: test folds never change, only the training
groups shrink, and the 100 % point is exactly the untuned cross-validation score."""

from __future__ import annotations

import numpy as np
import pytest

from gfa_ml.data.measured import load_measured, training_table
from gfa_ml.evaluation.cv import ModelSpec, cross_validate
from gfa_ml.evaluation.learning_curve import learning_curve, summarize_curve
from gfa_ml.models.targets import TARGETS
from gfa_ml.models.training_data import FeatureSource, build_training_set


@pytest.fixture(scope="module")
def tm_set():
    table = training_table(load_measured())
    return build_training_set(TARGETS["Tm_K"], table, None, FeatureSource())


def test_curve_keeps_test_folds_and_shrinks_training_groups(tm_set) -> None:
    folds = tm_set.folds("grouped", write=False)
    curve = learning_curve(tm_set, folds, ModelSpec("xgb"), fractions=(0.5, 1.0), draws=2)
    assert curve["n_total"].nunique() == 1  # the same test rows at every fraction
    half, full = curve[curve["fraction"] == 0.5], curve[curve["fraction"] == 1.0]
    assert len(half) == 2 and len(full) == 1  # one draw at 100 %: nothing to draw
    n_groups = tm_set.groups.nunique()
    assert (half["groups"] == round(0.5 * n_groups)).all()
    assert (half["rows_trained"] < full["rows_trained"].iloc[0]).all()
    # at 100 % the curve is the plain untuned grouped CV on the same folds
    cv = cross_validate(ModelSpec("xgb"), tm_set, folds, trials=0)
    assert full["value"].iloc[0] == pytest.approx(cv.overall()["mae"])
    summary = summarize_curve(curve.assign(table="now"))
    assert np.isfinite(summary["mean"]).all()
