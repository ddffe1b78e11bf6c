"""``gfa screen`` / ``gfa predict`` with ``--model gnn`` on real CoRE MOF CIFs.

A temporary project home gets small xgb models (all four; no tuning) and a Tg network
fitted as the final model of ``gfa train -t Tg -m gnn`` is (one epoch, from a tiny stand-in
for the Td-pretrained encoder). Screened CoRE structures have no ligand SMILES, so a finite GNN
Tg proves the network read a periodic crystal graph built from the CIF; the targets without a
gnn version must come from xgb, and say so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gfa_ml.config import get_settings
from gfa_ml.structures import core_mof
from gfa_ml.structures.inputs import CifItem
from tests.conftest import project_home

ZIF8, HKUST1, ZIF4 = "OFERUN_clean", "FIQCEN_clean", "VEJYUF01_clean"
CODES = [ZIF8, HKUST1, ZIF4]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    """Temporary home (real datasets, fresh caches, models/ in tmp) with xgb + gnn models."""
    import torch

    from gfa_ml.evaluation.cv import ModelSpec
    from gfa_ml.gnn import checkpoint
    from gfa_ml.gnn.model import CrystalGNN
    from gfa_ml.models.store import ModelBundle, ModelMeta, save_bundle
    from gfa_ml.models.targets import TARGETS
    from gfa_ml.models.training import fit_final
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables

    xgb_targets = ("meltable", "Tm_K", "Td_K", "Tg_K")  # xgb Tg: the backup of the Tg network
    with project_home(tmp_path_factory.mktemp("home"), train=xgb_targets) as home:
        get_settings().gnn.epochs = 1
        torch.manual_seed(0)
        checkpoint.save(CrystalGNN(hidden=16, n_conv=1), checkpoint.pretrained_path(),
                        cutoff_A=8.0, max_neighbors=12, target="Td_K")
        # the final fit of `gfa train -t Tg -m gnn` (its cross-validation is covered elsewhere)
        ts = build_training_set(TARGETS["Tg_K"], load_tables()[0], None, FeatureSource())
        gnn, _ = fit_final(ModelSpec.parse("gnn"), ts, trials=0, seed=0)
        save_bundle(ModelBundle(ModelMeta(target="Tg_K", model="gnn"), gnn))
        yield home, dict(core_mof.iter_cifs("2019-ASR", CODES))


@pytest.fixture(scope="module")
def gnn_screen(project):
    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.predictor import ModelPredictor
    from gfa_ml.screen.run import run_screen

    home, _ = project
    predictor = ModelPredictor.load("gnn")
    result = run_screen(["core-mof:2019-ASR"], home / "screen_gnn", predictor, refcodes=CODES,
                        executor=ExecutorSpec("local", 1), use_cache=False)
    return predictor, result


def test_load_models_falls_back_per_target(project) -> None:
    from gfa_ml.models.predict import fallback_note, load_models
    from gfa_ml.models.store import ModelFileError

    served = {t: b.meta.model for t, b in load_models("gnn").items()}
    assert served == {"meltable": "xgb", "Tm_K": "xgb", "Td_K": "xgb", "Tg_K": "gnn"}
    assert list(load_models("gnn", fallback="")) == ["Tg_K"]
    note = fallback_note("gnn", load_models("gnn"))
    assert note.startswith("no gnn model for meltable, Tm_K, Td_K: served by xgb")
    with pytest.raises(ModelFileError, match="no trained 'rf' models"):
        load_models("rf")  # nothing of the requested kind at all: no silent xgb stand-in


def test_gnn_screen_uses_crystal_graphs_and_xgb_for_the_rest(gnn_screen) -> None:
    predictor, result = gnn_screen
    assert predictor.needs_structures
    ranked = result.ranked.set_index("id")
    assert set(ranked.index) == set(CODES) and result.errors.empty
    # GNN Tg from the crystal graph: finite, a glass-transition temperature, structure-dependent
    tg = ranked.loc[CODES, "Tg_K"]
    assert tg.between(300, 1000).all(), tg
    assert tg.nunique() == 3
    # xgb fills the rest, so the melt window and the score exist for every structure
    assert np.isfinite(ranked[["p_meltable", "Tm_K", "Td_K", "score"]].to_numpy()).all()
    for used in ranked["models_used"]:
        parts = dict(p.split("=") for p in used.split("; "))
        assert parts["Tg_K"].startswith("gnn v") and parts["meltable"].startswith("xgb v")
        assert parts["Tm_K"].startswith("xgb v") and parts["Td_K"].startswith("xgb v")
    # ZIF-4 melts (~865 K) before it decomposes; ZIF-8 decomposes first
    assert ranked.at[ZIF4, "p_meltable"] > ranked.at[ZIF8, "p_meltable"]
    html = result.report.read_text()
    assert "model fallback" in html and "served by xgb" in html


def test_warm_rescreen_ships_cif_text_with_cached_features(project, gnn_screen) -> None:
    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.run import run_screen

    home, _ = project
    predictor, cold = gnn_screen
    warm = run_screen(["core-mof:2019-ASR"], home / "screen_warm", predictor, refcodes=CODES,
                      executor=ExecutorSpec("local", 1))
    assert warm.cache_hits == 3
    pd.testing.assert_frame_equal(warm.ranked, cold.ranked)


def test_predict_on_cifs_builds_crystal_graphs(project, gnn_screen) -> None:
    from gfa_ml.gnn.material_graphs import material_graphs
    from gfa_ml.models.predict import featurize_inputs, load_models, predict_frame

    _, texts = project
    items = [CifItem(n, texts[n], "core-mof:2019-ASR") for n in CODES]
    X = featurize_inputs(items, keep_cif=True)
    assert material_graphs(X, 8.0, 12, 5000).kinds == ["crystal"] * 3
    # without the CIF the same rows have no graph at all (CoRE entries carry no SMILES)
    bare = material_graphs(X.drop(columns="cif_text"), 8.0, 12, 5000)
    assert bare.ok == [] and all("building-block graph failed" in r for r in bare.reasons)

    out = predict_frame(items, load_models("gnn"), tct=False).set_index("id")
    screened = gnn_screen[1].ranked.set_index("id")
    np.testing.assert_allclose(out.loc[CODES, "Tg_K"], screened.loc[CODES, "Tg_K"], rtol=1e-6)
    assert out["models_used"].str.contains("Tg_K=gnn v").all()


def test_cli_predict_a_cif_file_with_model_gnn(project, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app

    _, texts = project
    cif = tmp_path / f"{ZIF8}.cif"
    cif.write_text(texts[ZIF8])
    out = tmp_path / "pred.csv"
    res = CliRunner().invoke(app, ["predict", str(cif), "--model", "gnn", "-o", str(out),
                                   "--no-explain"])
    assert res.exit_code == 0, res.output
    assert "served by xgb" in res.output
    row = pd.read_csv(out).iloc[0]
    assert row["status"] in ("ok", "partial")  # partial: not every target is trained here
    assert 300 < row["Tg_K"] < 1000 and 0 <= row["p_meltable"] <= 1


def test_a_row_without_a_graph_is_served_by_xgb_alone(project) -> None:
    """One record the network cannot read (metal, no ligand) gets its Tg from the xgb backup,
    says so in its own models_used and error; the other record keeps the GNN value."""
    from gfa_ml.models.predict import load_models, predict_frame

    bundles = load_models("gnn")
    assert bundles["Tg_K"].backup is not None and bundles["Tg_K"].backup.meta.model == "xgb"
    assert bundles["Tm_K"].backup is None  # already the xgb model: nothing behind it
    recs = pd.DataFrame({"id": ["zif-8", "zn-only"], "metal": ["Zn", "Zn"],
                         "ligand_smiles": ["Cc1ncc[n-]1", ""]})
    out = predict_frame(recs, bundles, tct=False).set_index("id")
    assert np.isfinite(out["Tg_K"]).all()
    # the backup's own 90 % interval comes with its value (this stand-in gnn bundle has none)
    assert out.at["zn-only", "Tg_K_lo"] < out.at["zn-only", "Tg_K"] < out.at["zn-only", "Tg_K_hi"]
    assert np.isnan(out.at["zif-8", "Tg_K_lo"])
    used = {i: dict(p.split("=") for p in out.at[i, "models_used"].split("; ")) for i in out.index}
    assert used["zif-8"]["Tg_K"].startswith("gnn v")
    assert used["zn-only"]["Tg_K"].startswith("xgb v")
    assert used["zn-only"]["Tm_K"] == used["zif-8"]["Tm_K"]
    assert "no ligand SMILES" in out.at["zn-only", "error"]
    assert "served by Tg_K=xgb" in out.at["zn-only", "error"]
    # without a backup the gap stays a NaN with its reason, never a silent number
    alone = predict_frame(recs, load_models("gnn", fallback=""), tct=False).set_index("id")
    assert np.isnan(alone.at["zn-only", "Tg_K"]) and np.isfinite(alone.at["zif-8", "Tg_K"])
