"""Graceful degradation: CoRE CIFs that used to be refused (disorder, missing hydrogens) give
``status=partial`` rows with finite structure columns, NaN ligand columns where bond orders cannot
be perceived, and predictions whose intervals are sized on rows predicted without ligands."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from gfa_ml.featurize import featurize_cif, groups
from gfa_ml.featurize.disorder import resolve_overlaps
from gfa_ml.featurize.structure import featurize_cell
from gfa_ml.structures.cif import parse_cell
from gfa_ml.structures.core_mof import iter_cifs

SOURCE = "core-mof:2019-ASR"
#: Co/V bipyridyl framework: was "overlapping atoms 250 and 252 (0.38 A apart): unresolved
#: disorder" (two positions of a disordered oxo/aqua O kept at full occupancy)
DISORDERED = "ADOBIF_clean"
#: Li/Ni framework whose C10N2O6 linker is written without hydrogens: was "ligand C10N2O6 has
#: no closed-shell bond orders (no H: hydrogens missing or disordered?)"
NO_H = "AGABIU_clean"
ZIF8 = "OFERUN_clean"
STRUCTURE_COLUMNS = [*groups()["comp"], *groups()["struct"], "node_cn", "net_dim",
                     "node_bond_mean", "pore_void_fraction", "pore_lcd"]


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    return dict(iter_cifs("2019-ASR", [DISORDERED, NO_H, ZIF8]))


def test_disordered_core_cif_is_partial_with_structure_columns(cifs):
    row = featurize_cif(cifs[DISORDERED], DISORDERED, SOURCE)
    assert row.status == "partial"
    assert "overlapping site(s) (4 O)" in row.error
    values = np.array([row.features[c] for c in STRUCTURE_COLUMNS])
    assert np.isfinite(values).all()
    assert row.labels["metals"] == "Co;V"
    # the bipyridyl linker survives the resolution, so the ligand columns are filled
    assert row.labels["linkers"] == "c1cc(-c2ccncc2)ccn1"
    assert row.features["lig_n_N"] == 2.0


def test_missing_hydrogens_give_nan_ligand_columns_not_an_error(cifs):
    row = featurize_cif(cifs[NO_H], NO_H, SOURCE)
    assert row.status == "partial"
    assert "no closed-shell bond orders for ligand(s) C10N2O6" in row.error
    assert all(np.isnan(row.features[c]) for c in groups()["lig"])
    values = np.array([row.features[c] for c in STRUCTURE_COLUMNS])
    assert np.isfinite(values).all()
    assert row.labels["metals"] == "Li;Ni"


def test_exact_duplicate_sites_are_dropped(cifs):
    """Every ZIF-8 site written twice: the same crystal, density and composition, flagged."""
    cell = parse_cell(cifs[ZIF8])
    doubled = replace(cell, symbols=cell.symbols * 2, frac=np.vstack([cell.frac, cell.frac]))
    resolved, note = resolve_overlaps(doubled, 0.5)
    assert resolved.symbols == cell.symbols
    np.testing.assert_array_equal(resolved.frac, cell.frac)
    assert "dropped 138 of 276 overlapping site(s) (48 C, 60 H, 24 N, 6 Zn)" in note
    clean, dup = featurize_cell(cell, "zif8"), featurize_cell(doubled, "zif8x2")
    assert clean.status == "ok" and dup.status == "partial"
    for col in ("struct_density", "comp_mean_Number", "node_cn", "lig_mw"):
        assert dup.features[col] == pytest.approx(clean.features[col])


def test_major_occupancy_alternative_is_kept(cifs):
    """Two Zn alternatives 0.3 A apart, occupancies 0.3 / 0.7: the 0.7 one stays."""
    cell = parse_cell(cifs[ZIF8])
    zn = cell.symbols.index("Zn")
    shifted = cell.frac[zn] + 0.3 / np.linalg.norm(cell.lattice, axis=1)[0] * np.array([1, 0, 0])
    occ = np.ones(cell.n_atoms + 1)
    occ[zn], occ[-1] = 0.3, 0.7
    two = replace(cell, symbols=(*cell.symbols, "Zn"), frac=np.vstack([cell.frac, shifted]),
                  occ=occ)
    resolved, _ = resolve_overlaps(two, 0.5)
    assert resolved.n_atoms == cell.n_atoms
    np.testing.assert_allclose(resolved.frac[-1], shifted)


def test_partial_rows_are_predicted_with_wider_intervals(tmp_path, cifs):
    """xgb trained on the measured table; a partial CIF gets every prediction, its interval
    from the ligand-blind out-of-fold residuals (never narrower than a full row's)."""
    from gfa_ml.models.conformal import IntervalModel
    from gfa_ml.models.predict import featurize_inputs, load_models, predict_frame
    from tests.conftest import project_home

    with project_home(tmp_path, train=("Tm_K",)):
        bundles = load_models()
        im = IntervalModel.from_dict(bundles["Tm_K"].meta.interval)
        assert im.q_partial >= im.q
        items = [(n, cifs[n], SOURCE) for n in (ZIF8, DISORDERED, NO_H)]
        out = predict_frame(items, bundles, tct=False).set_index("id")
        dist = bundles["Tm_K"].domain.assess(featurize_inputs(items))["domain_distance"]
    # only Tm is trained in this home, so every row is partial for the other targets; ZIF-8's
    # structure itself was read whole
    assert out.loc[ZIF8, "error"].startswith("no trained model for"), out.loc[ZIF8, "error"]
    assert list(out.loc[[DISORDERED, NO_H], "status"]) == ["partial", "partial"]
    assert out["Tm_K"].notna().all()
    width = out["Tm_K_hi"] - out["Tm_K_lo"]
    assert width[NO_H] == pytest.approx(2 * im.q_partial * im.sigma(dist[[NO_H]])[0])
    assert width[ZIF8] == pytest.approx(2 * im.q * im.sigma(dist[[ZIF8]])[0])
    assert "C10N2O6" in out.loc[NO_H, "error"]


def test_partial_rows_are_scored_out_of_fold_apart_from_the_headline_rows():
    """Td CV on a few proxy MOFs: the partial ones stay out of the headline metrics and come
    back as their own out-of-fold table (whether they also train is the target's
    ``trains_on_partial``; tests/test_td_bounds.py)."""
    from gfa_ml.evaluation.cv import ModelSpec, cross_validate
    from gfa_ml.models.targets import TARGETS
    from gfa_ml.models.training_data import TrainingSet

    rng = np.random.default_rng(0)
    n = 40
    X = pd.DataFrame({"struct_density": rng.uniform(0.5, 2.0, n),
                      "lig_mw": rng.uniform(50, 300, n)}, index=[f"m{i}" for i in range(n)])
    y = 600 + 100 * X["struct_density"].to_numpy() + rng.normal(0, 5, n)
    partial = np.arange(n) % 5 == 0
    X.loc[partial, "lig_mw"] = np.nan
    ts = TrainingSet(TARGETS["Td_K"], X, y, pd.Series(np.arange(n) % 8, index=X.index),
                     pd.Series("f", index=X.index), pd.Series("td_proxy", index=X.index), "v",
                     partial=partial)
    folds = pd.Series(np.arange(n) % 4, index=X.index)
    cv = cross_validate(ModelSpec("xgb"), ts, folds, trials=0)
    assert set(cv.oof.index) == set(X.index[~partial])
    assert set(cv.partial_oof.index) == set(X.index[partial])
    assert cv.partial_oof["pred"].notna().all()
    assert cv.partial_metrics()["n_partial"] == partial.sum()
    # the partial quantile is sized on 32 ligand-blinded full rows + the 8 partial rows
    assert cv.oof["pred_nolig"].notna().all() and cv.partial_oof["distance"].notna().all()
    im = cv.interval_model(0.9, d_domain=1.0)
    assert im.n == n - partial.sum() and im.q_partial >= im.q


def test_screen_ranks_partial_rows_with_their_status():
    from gfa_ml.screen.rank import failures, rank

    results = pd.DataFrame({
        "id": ["zif", "disordered", "broken"], "source": "x",
        "status": ["ok", "partial", "error"],
        "error": ["", "dropped 4 of 256 overlapping site(s)", "no metal atoms"],
        "p_meltable": [0.2, 0.6, np.nan], "Tm_K": [800.0, 700.0, np.nan],
        "Td_K": [900.0, 850.0, np.nan], "meltable_partial": [False, False, pd.NA],
    })
    ranked = rank(results)
    assert list(ranked["id"]) == ["disordered", "zif"]
    assert ranked.loc[0, "status"] == "partial" and "overlapping" in ranked.loc[0, "error"]
    assert list(failures(results)["id"]) == ["broken"]
