"""Every served column is its own model's best estimate; agreement is shown, never enforced.

Trained on the curated table (untuned xgb, as a chemist's first `gfa train`): ZIF-4 (melts at
863 K, Ma & Horike, Chem. Rev. 2022, Table 1) must come out meltable with a Tm interval holding
863 K from its CIF and from its record; ZIF-8 (decomposes without melting) not meltable, with a
Td above 600 K; and the Tm/Td columns must be exactly what the Tm and Td models say.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from gfa_ml.config import get_settings
from gfa_ml.models.agreement import agreement, at_prior, p_window, plausibility
from gfa_ml.models.calibration import best_threshold, fit_calibration
from gfa_ml.models.fidelity import elkan_noto_weights, label_frequency

ZIF4, ZIF8, HKUST1 = "VEJYUF01_clean", "OFERUN_clean", "FIQCEN_clean"
ZIF4_TM = 863.15


def test_p_window_is_the_regressors_own_probability_that_tm_is_below_td() -> None:
    z90 = norm.ppf(0.95)
    pw = p_window(np.array([860.0, 522.0, np.nan]), np.array([672.0, 776.0, 700.0]),
                  np.full(3, 60.0 * z90), np.full(3, 80.0 * z90))
    assert pw[0] == pytest.approx(norm.cdf((672 - 860) / 100.0))
    assert pw[1] == pytest.approx(norm.cdf((776 - 522) / 100.0))
    assert np.isnan(pw[2])


def test_agreement_names_each_side_and_the_measurement_that_settles_it() -> None:
    p = np.array([0.85, 0.10, 0.70, 0.60, np.nan])
    call = np.array(["yes", "no", "yes", "yes", ""])
    pw = np.array([0.04, 0.15, 0.95, 0.55, 0.9])
    tm = np.array([860.0, 500.0, 600.0, 600.0, 600.0])
    td = np.array([672.0, 480.0, 800.0, 610.0, 800.0])
    out = agreement(p, call, pw, tm, td, decided=0.8)
    assert out[0].startswith("disagree: the classifier says it melts first (p 0.85)")
    assert "Tm 860 K, Td 672 K" in out[0] and "DSC/TGA" in out[0] and "910 K" in out[0]
    assert out[1].startswith("agree: decomposes first")
    assert out[2].startswith("agree: melts first")
    assert out[3].startswith("undecided")  # P(Tm<Td) 0.55: the intervals cannot take a side
    assert out[4] == ""


def test_prior_converts_p_and_its_threshold_together() -> None:
    p = np.array([0.2, 0.5, 0.9])
    assert at_prior(p, 0.5) == pytest.approx(p)
    q = at_prior(p, 0.1)
    assert q[1] == pytest.approx(0.1)  # even odds at a 10 % base rate is 10 %
    assert np.all(np.diff(q) > 0)  # monotone: a screen's order never changes
    thr = 0.45
    assert ((p >= thr) == (q >= at_prior(np.array([thr]), 0.1)[0])).all()


def test_implausible_values_are_flagged_with_the_reason() -> None:
    frame = pd.DataFrame({
        "Td_K": [700.0, 250.0], "Tm_K": [800.0, 500.0], "Tg_K": [560.0, 520.0],
        "Tg_over_Tm": [0.70, 0.80], "Tg_over_Tm_lo": [0.60, 0.70], "Tg_over_Tm_hi": [0.80, 0.9],
    })
    ranges = {"Td_K": ("Td", 350.0, 900.0)}
    flags = plausibility(frame, ranges, 0.1, tg="Tg_K", tm="Tm_K", ratio="Tg_over_Tm")
    assert flags[0] == ""  # 560/800 = 0.70 inside 0.60-0.80
    assert "Td 250 K is below every Td its model learned from (350–900 K)" in flags[1]
    assert "Tg 520 K is not below Tm 500 K" in flags[1]


def test_calibration_and_threshold_come_from_the_scores_they_are_fit_on() -> None:
    # scores that rank perfectly but sit far below 0.5 (a model trained with many presumed
    # negatives): Platt scaling lifts them, the balanced-accuracy cut falls between the classes
    y = np.array([0] * 8 + [1] * 12)
    p = np.concatenate([np.linspace(0.01, 0.05, 8), np.linspace(0.08, 0.3, 12)])
    cal = fit_calibration(y, p)
    assert cal(np.array([0.3]))[0] > 0.9 and cal(np.array([0.01]))[0] < 0.1
    assert cal(p)[7] < cal.threshold <= cal(p)[8]
    assert best_threshold(y, p) == pytest.approx((0.05 + 0.08) / 2)
    assert fit_calibration(np.ones(20), p).threshold == 0.5


def test_elkan_noto_weights_unlabelled_rows_by_their_chance_of_being_melters() -> None:
    # c = mean g over held-out labelled melters; an unlabelled row that looks like them (g = c)
    # is a melter, one the non-traditional classifier ranks far below them is a non-melter
    c = label_frequency(np.array([0.3, 0.5, np.nan]))
    assert c == pytest.approx(0.4)
    w = elkan_noto_weights(np.array([0.4, 0.05, 0.0, np.nan]), c)
    assert w[0] == pytest.approx(1.0)
    assert w[1] == pytest.approx((1 - 0.4) / 0.4 * 0.05 / 0.95)
    assert w[2] == 0.0 and w[3] == 0.0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Predictions and bundles of untuned xgb models trained on the curated table."""
    from gfa_ml.models.predict import featurize_inputs, load_models, predict_frame
    from gfa_ml.structures.inputs import iter_inputs
    from tests.conftest import project_home

    if not get_settings().paths.measured_csv.exists():
        pytest.skip("curated measured table not present")
    cifs = list(iter_inputs(["core-mof:2019-ASR"], names=[ZIF4, ZIF8, HKUST1]))
    records = pd.DataFrame([
        {"id": "zif4-record", "metal": "Zn", "ligand_smiles": "c1c[n-]cn1"},
        # a europium beta-diketonate: no family of the training table is like it
        {"id": "eu-acac", "metal": "Eu", "ligand_smiles": "CC(=O)/C=C(/C)[O-]"},
    ])
    with project_home(tmp_path_factory.mktemp("home")):
        models = load_models()
        cif_pred = predict_frame(cifs, models, tct=False, explain=True)
        rec_pred = predict_frame(records, models, tct=False)
        feats = pd.concat([featurize_inputs(cifs), featurize_inputs(records)])
        yield pd.concat([cif_pred, rec_pred]).set_index("id"), models, feats


def test_zif4_melts_with_its_measured_tm_inside_the_interval_and_zif8_does_not(served) -> None:
    pred, _, _ = served
    assert pred.loc[ZIF4, "p_meltable"] > 0.5 > pred.loc[ZIF8, "p_meltable"]
    assert pred.loc[ZIF4, "meltable_call"] == "yes" and pred.loc[ZIF8, "meltable_call"] == "no"
    for row in (ZIF4, "zif4-record"):
        assert pred.loc[row, "Tm_K_lo"] <= ZIF4_TM <= pred.loc[row, "Tm_K_hi"], row
    assert pred.loc[ZIF8, "Td_K"] > 600.0


def test_served_temperatures_are_the_models_own_estimates(served) -> None:
    """Nothing moves Tm or Td to agree with p: the columns equal the models' predictions."""
    pred, models, feats = served
    for name in ("Tm_K", "Td_K"):
        own = np.asarray(models[name].model.predict(feats), float)
        np.testing.assert_allclose(pred.loc[feats.index, name], own, rtol=1e-6)
    # the window and p_window are computed from those columns and their own intervals
    np.testing.assert_allclose(pred["melt_window_K"], pred["Td_K"] - pred["Tm_K"], rtol=1e-6)
    half = np.hypot((pred["Tm_K_hi"] - pred["Tm_K_lo"]) / 2,
                    (pred["Td_K_hi"] - pred["Td_K_lo"]) / 2)
    expect = norm.cdf(pred["melt_window_K"] / (half / norm.ppf(0.95)))
    np.testing.assert_allclose(pred["p_window"], expect, rtol=1e-5)
    assert pred["agreement"].str.match(r"^(agree|disagree|undecided): ").all()


def test_interval_half_widths_differ_by_row_and_grow_far_from_the_training_data(served) -> None:
    pred, _, _ = served
    width = pred["Tm_K_hi"] - pred["Tm_K_lo"]
    # ZIF-4 sits among the ZIFs of the training table, HKUST-1 (a Cu carboxylate: no measured
    # Tm is near it) further away, a europium diketonate record further still
    assert width[ZIF4] < width[HKUST1] < width["eu-acac"]


def test_shap_explains_the_probability_shown(served) -> None:
    """The contributions of the served meltability model sum to logit(p_meltable)."""
    pred, models, feats = served
    contrib = models["meltable"].model.contributions(feats.loc[[ZIF4, ZIF8]])
    p = pred.loc[[ZIF4, ZIF8], "p_meltable"].to_numpy()
    np.testing.assert_allclose(contrib.sum(axis=1), np.log(p / (1 - p)), atol=1e-4)


def test_screen_ranks_complete_answers_first_then_by_p_and_the_wider_window() -> None:
    """Polymorphs of one composition share p (ZIF-4 and GIZJOP, both Zn(Im)2): the one with
    more room between melting and decomposition comes first; a p read from a structure whose
    linkers were not perceived ranks after every complete one, however high."""
    from gfa_ml.screen.rank import rank

    results = pd.DataFrame({
        "id": ["GIZJOP_clean", ZIF4, ZIF8, "EMEHUB_clean"], "source": "core-mof:2019-ASR",
        "status": ["ok", "ok", "ok", "partial"], "error": "",
        "p_meltable": [0.64, 0.64, 0.03, 0.73], "meltable_partial": [False, False, False, True],
        "melt_window_K": [40.0, 55.0, 300.0, 200.0],
    })
    assert list(rank(results)["id"]) == [ZIF4, "GIZJOP_clean", ZIF8, "EMEHUB_clean"]


def test_a_metal_written_with_its_state_is_the_same_metal_downstream(served) -> None:
    """``Zn(II)`` is zinc to every check after the featurizer: no "never saw metal Zn(II)"."""
    from gfa_ml.models.predict import predict_frame

    _, models, _ = served
    recs = pd.DataFrame([{"id": "plain", "metal": "Zn", "ligand_smiles": "c1c[n-]cn1"},
                         {"id": "spelled", "metal": "Zn(II)", "ligand_smiles": "c1c[n-]cn1"}])
    pred = predict_frame(recs, models, tct=False).set_index("id")
    assert pred.loc["spelled", "p_meltable"] == pytest.approx(pred.loc["plain", "p_meltable"])
    assert "never saw" not in pred.loc["spelled", "error"]


def test_td_intervals_of_cifs_follow_the_proxy_cifs_and_of_records_the_measured_rows(served):
    """A conformal quantile holds for rows like its calibration rows: a CIF is featurized like
    the Td-proxy CoRE CIFs, a record like the measured materials (nearly all records), so only
    a record gets the measured rows' wider quantile."""
    from gfa_ml.evaluation.cv import fit_interval
    from gfa_ml.models.fidelity import LABEL_SOURCE, PROXY, has_structure, new_scale_rows

    _, _, feats = served
    cifs, records = feats.loc[[ZIF4, ZIF8, HKUST1]], feats.loc[["zif4-record", "eu-acac"]]
    assert has_structure(cifs).all() and not has_structure(records).any()
    assert not new_scale_rows(cifs).any() and new_scale_rows(records).all()
    assert not new_scale_rows(cifs.assign(**{LABEL_SOURCE: PROXY})).any()

    # held-out residuals: proxy CIFs within ±40 K, measured records within ±120 K, one
    # measured CIF; every row at the same distance so only the quantiles differ
    rng = np.random.default_rng(0)
    n_p, n_m = 400, 40
    held = pd.DataFrame({
        "y": np.r_[rng.uniform(-40, 40, n_p), rng.uniform(-120, 120, n_m), 30.0],
        "pred": 0.0, "distance": 1.0, "pred_nolig": 0.0, "distance_nolig": 1.0,
        "source": [PROXY] * n_p + ["measured"] * (n_m + 1),
        "structure": [True] * n_p + [False] * n_m + [True],
    })
    im = fit_interval(held, 0.9, d_domain=1.0)
    cif, record = im.halfwidth(np.ones(2), new=np.array([False, True]))
    assert 30.0 < cif < 45.0 < 100.0 < record
