"""A melter's Td lies above its Tm: the curated melters without a measured Td teach the Td model
that bound (issue 24), are never scored as Td values, and leave training with their study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gfa_ml.config import get_settings
from gfa_ml.models.censoring import LOWER_BOUND, mean_above
from gfa_ml.models.targets import TARGETS

pytestmark = pytest.mark.skipif(
    not get_settings().paths.measured_csv.exists(), reason="curated measured table not present"
)


class RecordFeatures:
    """Record features only (the measured materials are records; no CIF needed here)."""

    def records(self, df: pd.DataFrame) -> pd.DataFrame:
        from gfa_ml.models.training_data import FeatureSource

        return FeatureSource().records(df)

    def cifs(self, refs: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(index=pd.Index([], name="id"))


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    from gfa_ml.data.measured import load_measured, training_table

    return training_table(load_measured(get_settings().paths.measured_csv))


@pytest.fixture(scope="module")
def td_set(table):
    from gfa_ml.models.training_data import build_training_set

    return build_training_set(TARGETS["Td_K"], table, None, RecordFeatures())


def test_melters_without_a_td_bound_it_by_their_tm_and_nothing_else_does(table):
    bound = TARGETS["Td_K"].read_lower_bound(table)
    assert bound["zif-4-zn"] == pytest.approx(863.15)  # ZIF-4 melts at 590 °C
    assert np.isnan(bound["zif-62-zn"])  # has a measured Td of its own: a value, not a bound
    melts = table["meltable"].astype(str).str.lower().eq("yes")
    assert bound[~melts].isna().all()  # a non-melter's Tm says nothing about its Td


def test_a_bound_lifts_an_estimate_below_it_and_barely_moves_one_far_above():
    lifted, kept = mean_above(np.array([633.0, 900.0]), np.array([863.0, 500.0]), 50.0)
    assert 863.0 < lifted < 900.0
    assert kept == pytest.approx(900.0, abs=0.01)
    # ten spreads above the estimate: still just past the bound (no underflow back to mu)
    far = mean_above(np.array([0.0]), np.array([500.0]), 50.0)[0]
    assert 500.0 <= far < 510.0


def test_bounds_are_train_only_rows_in_their_studys_fold(td_set):
    ts = td_set
    assert ts.source["zif-4-zn"] == LOWER_BOUND and ts.y[ts.X.index.get_loc("zif-4-zn")] > 860
    bound = (ts.source == LOWER_BOUND).to_numpy()
    assert ts.train_only[bound].all() and not ts.train_only[~bound].any()
    folds = ts.folds("grouped", write=False)
    # ZIF-4's study (the ZIF-62 series) has measured Td rows: its bound shares their fold
    assert folds["zif-4-zn"] == folds["zif-62-zn"] >= 0
    assert (folds[bound] >= 0).all()


def test_bounds_lift_zif4s_td_and_are_scored_only_as_bounds(td_set):
    from gfa_ml.evaluation.cv import ModelSpec, build_model, cross_validate
    from gfa_ml.models.tuning import fit_model

    ts = td_set
    bound = (ts.source == LOWER_BOUND).to_numpy()
    zif4 = ts.X.loc[["zif-4-zn"]]
    with_b = fit_model(build_model(ModelSpec("xgb"), ts.target), ts.X, ts.y, None)
    without = fit_model(build_model(ModelSpec("xgb"), ts.target), ts.X[~bound], ts.y[~bound],
                        None)
    assert with_b.predict(zif4)[0] > without.predict(zif4)[0] + 50

    cv = cross_validate(ModelSpec("xgb"), ts, ts.folds("grouped", write=False), trials=0,
                        intervals=False)
    assert cv.bound_oof["pred"].notna().all()
    assert not cv.oof.index.isin(ts.X.index[bound]).any()  # never scored as a Td value
    assert set(cv.bound_oof.index) == set(ts.X.index[bound])
    b = cv.bound_metrics()
    short = (cv.bound_oof["y"] - cv.bound_oof["pred"]).clip(lower=0)
    assert b["n_bound"] == bound.sum()
    assert b["bound_broken"] == pytest.approx((short > 0).mean())


def test_a_melter_of_another_study_with_the_test_composition_leaves_training(
        table, td_set, monkeypatch, tmp_path):
    """TIF-4 (Zn, Im + mbIm; ZIF-62 study) and ZIF-76-mbIm (same composition, ZIF-76 study)
    sit in different folds: each one's Tm must leave the training part where the other is
    scored, in `gfa evaluate`'s protocol as in the served-answer evaluation."""
    from gfa_ml.evaluation import protocol
    from gfa_ml.evaluation.answer import _held

    ts = td_set
    folds = ts.folds("grouped", write=False)
    assert folds["tif-4"] != folds["zif-76-mbim"]
    seen = {}

    def spy(spec, ts_, folds_, **kw):
        seen.update(kw["exclude"] or {})
        raise RuntimeError("stop after the first fold plan")

    monkeypatch.setattr(protocol, "cross_validate", spy)
    monkeypatch.setenv("GFA_HOME", str(tmp_path))  # the study stores its folds there
    get_settings.cache_clear()
    try:
        protocol.run_study([TARGETS["Td_K"]], table, None, RecordFeatures(),
                           {"Td_K": ["xgb"]}, schemes=("grouped",), log=lambda _: None)
    finally:
        monkeypatch.delenv("GFA_HOME")
        get_settings.cache_clear()
    ids = ts.X.index
    assert ids[seen[int(folds["tif-4"])]].tolist().count("zif-76-mbim") == 1
    assert "tif-4" in ids[seen[int(folds["zif-76-mbim"])]]

    test = ids.isin(["tif-4"])
    held = _held(ts, ids[test], ts.keys.reindex(ids)[test], set(ts.groups[test]),
                 set(ts.families[test]), "grouped")
    assert held[ids.get_loc("tif-4")] and held[ids.get_loc("zif-76-mbim")]


@pytest.mark.parametrize("on", [True, False])
def test_td_learns_from_partial_structures_which_are_still_scored_apart(td_set, on):
    """A partly featurized structure (ligand columns NaN) teaches the Td model what it does
    carry (``trains_on_partial``; measured in experiments/td_partial.md) and is still scored
    out of fold, apart from the headline rows; a target without the flag leaves it out."""
    import dataclasses

    from gfa_ml.evaluation.cv import ModelSpec, cross_validate

    ts = dataclasses.replace(td_set, target=dataclasses.replace(td_set.target,
                                                                trains_on_partial=on))
    ts.partial = ts.X.index.isin(["zif-62-zn"])  # ZIF-62's measured Td (≈ 870 K) as partial
    folds = ts.folds("grouped", write=False)
    exact = (ts.source != LOWER_BOUND).to_numpy()
    cv = cross_validate(ModelSpec("dummy"), ts, folds, trials=0, intervals=False,
                        train_mask=exact)  # the training mean: the rows it learnt from
    fold = folds.reindex(ts.X.index).to_numpy()
    scored = ts.X.index[(fold != folds["zif-62-zn"]) & (fold >= 0) & exact][0]
    taught = (fold != folds[scored]) & exact & ts.fit_rows
    assert bool(taught[ts.X.index.get_loc("zif-62-zn")]) is on
    assert cv.oof.loc[scored, "pred"] == pytest.approx(ts.y[taught].mean())
    assert "zif-62-zn" in cv.partial_oof.index and "zif-62-zn" not in cv.oof.index
    own = (fold != folds["zif-62-zn"]) & exact & ts.fit_rows  # never its own fold's training
    assert cv.partial_oof.loc["zif-62-zn", "pred"] == pytest.approx(ts.y[own].mean())
