"""GFA models and their harness: determinism, honest NaN handling, conformal coverage, saved
models (corruption caught), records-only prediction and retraining on new lab data."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from gfa_ml.config import get_settings
from gfa_ml.data.columns import COLUMNS
from gfa_ml.data.measured import training_table
from gfa_ml.evaluation.cv import ModelSpec, cross_validate
from gfa_ml.models.conformal import conformal_quantile
from gfa_ml.models.targets import TARGETS
from gfa_ml.models.training_data import FeatureSource, build_training_set

# a slice of the curated table (values from the seed papers), enough to exercise every target
FIXTURE = """\
id,family,metals,oxidation_states,coordination_number,donor_atoms,dimensionality,ligands,ligand_smiles,linker_fractions,Tm_K,Td_K,Tg_K,meltable,series
zif-4-zn,ZIF,Zn,2,4,N,3D,imidazolate,c1c[n-]cn1,Im=2,863.15,,565.15,yes,psbm
zif-62-zn,ZIF,Zn,2,4,N,3D,imidazolate;benzimidazolate,c1c[n-]cn1;c1ccc2[n-]cnc2c1,Im=1.75;bIm=0.25,710.15,823.15,591.15,yes,zif62
zn-im1.95-bim0.05,ZIF,Zn,2,4,N,3D,imidazolate;benzimidazolate,c1c[n-]cn1;c1ccc2[n-]cnc2c1,Im=1.95;bIm=0.05,643.15,,581.15,yes,zif62
zif-8,ZIF,Zn,2,4,N,3D,2-methylimidazolate,Cc1ncc[n-]1,mIm=2,,,,no,psbm
zif-7,ZIF,Zn,2,4,N,3D,benzimidazolate,c1ccc2[n-]cnc2c1,bIm=2,,,,no,zif7
zif-70,ZIF,Zn,2,4,N,3D,imidazolate;2-nitroimidazolate,c1c[n-]cn1;[O-][N+](=O)c1ncc[n-]1,Im=1.18;nIm=0.82,,598.15,,no,psbm
tif-4,ZIF,Zn,2,4,N,3D,imidazolate;5-methylbenzimidazolate,c1c[n-]cn1;Cc1ccc2[n-]cnc2c1,Im=1.5;mbIm=0.5,740.15,,616.15,yes,psbm
cd-im2,ZIF,Cd,2,4,N,3D,imidazolate,c1c[n-]cn1,Im=2,728.15,,448.15,yes,cdzif
zif-4-co,ZIF,Co,2,4,N,3D,imidazolate,c1c[n-]cn1,Im=2,,,,no,psbm
cu4i4-pph2et,nanocluster,Cu,1,4,P;I,0D,iodide;ethyldiphenylphosphine,[I-];CCP(c1ccccc1)c1ccccc1,,464.15,513.15,309.15,yes,cu4i4
cu4i4-pph3,nanocluster,Cu,1,4,P;I,0D,iodide;triphenylphosphine,[I-];c1ccc(cc1)P(c1ccccc1)c1ccccc1,,543.15,553.15,384.15,yes,cu4i4
cu4i4-py4,nanocluster,Cu,1,4,N;I,0D,iodide;pyridine,[I-];c1ccncc1,,,353.15,,no,cu4i4
zn-hpo4-h2po4-h2im2,phosphate-azole,Zn,2,4,O,1D,hydrogenphosphate;dihydrogenphosphate;imidazolium,OP(=O)([O-])[O-];OP(=O)([O-])O;c1c[nH+]c[nH]1,,427.15,473.15,282.55,yes,znhpo4
zn3-h2po4-6-h2o-3-hbim,phosphate-azole,Zn,2,6,O,1D,dihydrogenphosphate;water;benzimidazole,OP(=O)([O-])O;O;c1ccc2[nH]cnc2c1,,437.15,,,yes,zn3
cd-htr2-h2po4-2,phosphate-azole,Cd,2,6,N;O,2D,"1,2,4-triazole;dihydrogenphosphate",c1nc[nH]n1;OP(=O)([O-])O,,,,,no,htr
mg-bba3-cl2,bis(acetamide),Mg,2,6,O,2D,bba;chloride,CC(=O)NCCCCNC(C)=O;[Cl-],,493.15,,,yes,bba
co-bba3-cocl4,bis(acetamide),Co,2,6,O,3D,bba;tetrachlorocobaltate,CC(=O)NCCCCNC(C)=O;Cl[Co-2](Cl)(Cl)Cl,,397.15,,303.15,yes,bba
mn-bba3-mncl4,bis(acetamide),Mn,2,6,O,3D,bba;tetrachloromanganate,CC(=O)NCCCCNC(C)=O;Cl[Mn-2](Cl)(Cl)Cl,,445.15,,,yes,bba
cu2-scn3-c2bpy,thiocyanate,Cu,1,4,S;N,2D,thiocyanate;C2bpy,[S-]C#N;CC[n+]1ccc(-c2ccncc2)cc1,,460.15,,341.15,yes,cuscn
co-ncs2-pyrazinamide2,thiocyanate,Co,2,6,N;S,1D,thiocyanate;pyrazinamide,[S-]C#N;NC(=O)c1cnccn1,,471.15,,352.15,yes,pza
tpra-mn-dca3,hybrid-perovskite,Mn,2,6,N,3D,dicyanamide;tetrapropylammonium,N#C[N-]C#N;CCC[N+](CCC)(CCC)CCC,,544.15,,491.15,yes,tpra
"""


def fixture_measured(extra: str = "") -> pd.DataFrame:
    """The fixture in the full measured-table column contract."""
    df = pd.read_csv(io.StringIO(FIXTURE + extra), dtype=str, keep_default_na=False)
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = ""
    for col in ("Tm_K", "Td_K", "Tg_K", "dHf_kJ_mol", "heating_rate_K_min"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df[list(COLUMNS)]


def fixture_table(extra: str = "") -> pd.DataFrame:
    return training_table(fixture_measured(extra))


class RecordsOnly(FeatureSource):
    """Record features only: keeps these tests independent of CIF parsing and the cache."""

    def cifs(self, refs: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(index=pd.Index([], name="id"))


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """A throw-away project folder: models, splits and the MLflow store all land in tmp."""
    (tmp_path / "datasets").mkdir()
    monkeypatch.setenv("GFA_HOME", str(tmp_path))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlruns.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cross_validation_is_deterministic(home) -> None:
    ts = build_training_set(TARGETS["Tg_K"], fixture_table(), None, RecordsOnly())
    folds = ts.folds("grouped")
    a = cross_validate(ModelSpec.parse("xgb"), ts, folds, trials=1, seed=3)
    b = cross_validate(ModelSpec.parse("xgb"), ts, folds, trials=1, seed=3)
    pd.testing.assert_frame_equal(a.oof, b.oof)
    assert a.params == b.params and a.params[0]  # tuned, identically
    assert a.served["pred"].between(200, 900).all()


def test_rule_rows_out_of_scope_are_counted_not_dropped(home) -> None:
    """Tg = 2/3 Tm needs a measured Tm: zif-zni-like rows without one stay, with the reason."""
    table = fixture_table("zif-zni-zn,ZIF,Zn,2,4,N,3D,imidazolate,c1c[n-]cn1,Im=2,,,565.15,yes,"
                          "zni\n")
    ts = build_training_set(TARGETS["Tg_K"], table, None, RecordsOnly())
    res = cross_validate(ModelSpec.parse("rule_2_3"), ts, ts.folds("grouped"))
    assert res.oof.loc["zif-zni-zn", "reason"] == "no measured Tm_K"
    assert np.isnan(res.oof.loc["zif-zni-zn", "pred"])
    m = res.overall()
    assert m["n_out_of_scope"] == 1 and m["n_total"] == len(ts.y)
    # ZIF-4: 2/3 * 863.15 K
    assert res.oof.loc["zif-4-zn", "pred"] == pytest.approx(575.43, abs=0.01)


def test_conformal_interval_coverage_is_near_nominal() -> None:
    rng = np.random.default_rng(0)
    cover = []
    for _ in range(200):
        calib = rng.standard_t(4, 60) * 10.0
        test = rng.standard_t(4, 200) * 10.0
        q = conformal_quantile(calib, 0.9)
        cover.append(np.mean(np.abs(test) <= q))
    assert 0.89 <= np.mean(cover) <= 0.93  # finite-sample guarantee: >= 0.9, slightly above
    assert conformal_quantile(np.ones(5), 0.9) == np.inf  # too few residuals: no false comfort


def test_cv_intervals_cover_synthetic_data(home) -> None:
    """Harness-level check: nested-CV conformal intervals of ridge hit ~90 % on linear data."""
    rng = np.random.default_rng(1)
    n = 240
    X = pd.DataFrame({"metal_Z": rng.normal(size=n), "lig_mw": rng.normal(size=n)},
                     index=[f"s{i}" for i in range(n)])
    y = 600 + 40 * X["metal_Z"].to_numpy() - 25 * X["lig_mw"].to_numpy() + rng.normal(0, 15, n)
    from gfa_ml.evaluation.splits import make_folds
    from gfa_ml.models.training_data import TrainingSet

    groups = pd.Series([f"g{i // 4}" for i in range(n)], index=X.index)
    ts = TrainingSet(TARGETS["Tm_K"], X, y, groups, pd.Series("synthetic", index=X.index),
                     pd.Series("measured", index=X.index), "synthetic")
    res = cross_validate(ModelSpec.parse("ridge"), ts, make_folds(X.index, groups, "grouped"))
    assert 0.84 <= res.overall()["coverage"] <= 0.97
    assert res.overall()["mae"] < 16


def _train(target: str, table: pd.DataFrame, model: str = "xgb"):
    from gfa_ml.models.training import train_target

    ts = build_training_set(TARGETS[target], table, None, RecordsOnly())
    return train_target(ts, model, trials=0)


def test_records_without_cifs_predict_every_column(home) -> None:
    from gfa_ml.models.predict import PREDICT_COLUMNS, load_models, predict_frame

    table = fixture_table()
    for target in ("meltable", "Tg_K", "Tg_over_Tm"):
        _train(target, table)
    recs = pd.DataFrame({
        "id": ["zif-62-like", "cu4i4-pph2pr", "not-a-metal"],
        "metal": ["Zn", "Cu", "Xx"],
        "ligand_smiles": ["c1c[n-]cn1;c1ccc2[n-]cnc2c1", "[I-];CCCP(c1ccccc1)c1ccccc1",
                          "c1ccccc1"],
        "coordination_number": ["4", "4", ""],
        "dimensionality": ["3D", "0D", ""],
    })
    out = predict_frame(recs, load_models(), explain=True)
    assert list(out.columns[: len(PREDICT_COLUMNS)]) == PREDICT_COLUMNS
    assert list(out["id"]) == ["zif-62-like", "cu4i4-pph2pr", "not-a-metal"]
    good = out.iloc[:2]
    assert good["status"].eq("partial").all()  # no Td model trained: partial, and it says so
    assert good["error"].str.contains("no trained model for Tm_K, Td_K").all()
    assert good["p_meltable"].between(0, 1).all()
    assert (good["Tg_K_lo"] < good["Tg_K"]).all() and (good["Tg_K"] < good["Tg_K_hi"]).all()
    assert good["Td_K"].isna().all()  # no Td model trained here: NaN, not a made-up number
    assert good["nearest_known"].str.len().gt(0).all()
    assert good["Tg_K_top_features"].str.contains(":").all()
    bad = out.iloc[2]
    assert bad["status"] == "error" and "Xx" in bad["error"] and np.isnan(bad["p_meltable"])


def test_corrupted_model_file_gives_a_clear_error(home) -> None:
    from gfa_ml.models.store import MODEL_FILE, ModelFileError, load_bundle

    out = _train("Tg_K", fixture_table(), model="ridge")
    blob = (out.path / MODEL_FILE).read_bytes()
    (out.path / MODEL_FILE).write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ModelFileError, match="corrupted model file"):
        load_bundle(out.path)
    (out.path / "meta.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="unreadable model metadata"):
        load_bundle(out.path)


def test_cli_predict_reports_corrupted_model_in_one_line(home, tmp_path) -> None:
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app
    from gfa_ml.models.store import MODEL_FILE

    out = _train("Tg_K", fixture_table(), model="ridge")
    (out.path / MODEL_FILE).write_bytes(b"\x80\x04garbage")
    recs = tmp_path / "recs.csv"
    recs.write_text("id,metal,ligand_smiles\nzn-im,Zn,c1c[n-]cn1\n")
    res = CliRunner().invoke(app, ["predict", "--records", str(recs), "--model", str(out.path),
                                   "--output", str(tmp_path / "p.csv")])
    assert res.exit_code == 1
    assert "corrupted model file" in res.output and "Traceback" not in res.output


def test_retraining_on_new_lab_data_reports_the_change(home) -> None:
    first = _train("Tm_K", fixture_table(), model="ridge")
    assert first.bundle.meta.version == "v1" and not first.vs_previous
    lab = "zn-im2-lab,ZIF,Zn,2,4,N,3D,imidazolate,c1c[n-]cn1,Im=2,860.0,,,yes,lab-2026\n"
    second = _train("Tm_K", fixture_table(lab), model="ridge")
    assert second.bundle.meta.version == "v2"
    text = second.vs_previous["text"]
    assert "vs previous v1: 1 new labelled material" in text
    assert "previous model on them: MAE" in text and "same folds" in text


def test_cli_train_then_predict_records(home, tmp_path) -> None:
    """`gfa train` (MLflow run + registry) then `gfa predict --records` with no CIFs at all."""
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app
    from gfa_ml.models.predict import PREDICT_COLUMNS

    measured = tmp_path / "measured.csv"
    fixture_measured().to_csv(measured, index=False)
    runner = CliRunner()
    res = runner.invoke(app, ["train", "--target", "Tg,meltable", "--model", "ridge",
                              "--trials", "0", "--measured", str(measured), "--no-proxy"])
    assert res.exit_code == 0, res.output
    assert "Tg_K ridge v1" in res.output and "MLflow gfa-Tg_K v1" in res.output
    assert (home / "models" / "Tg_K" / "ridge" / "v1" / "feature_importances.csv").is_file()
    recs = tmp_path / "recs.csv"
    recs.write_text("id,metal,ligand_smiles\nzn-im2,Zn,c1c[n-]cn1\ncu-scn,Cu,[S-]C#N\n")
    out = tmp_path / "preds.csv"
    res = runner.invoke(app, ["predict", "--records", str(recs), "--model", "ridge",
                              "--output", str(out)])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert list(df.columns[: len(PREDICT_COLUMNS)]) == PREDICT_COLUMNS
    assert df["Tg_K"].between(250, 800).all() and df["p_meltable"].between(0, 1).all()
    import mlflow

    names = [m.name for m in mlflow.MlflowClient().search_registered_models()]
    assert {"gfa-Tg_K", "gfa-meltable"} <= set(names)


def test_compare_ranks_models_on_identical_folds(home, tmp_path) -> None:
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app

    measured = tmp_path / "measured.csv"
    zni = "zif-zni-zn,ZIF,Zn,2,4,N,3D,imidazolate,c1c[n-]cn1,Im=2,,,565.15,yes,zni\n"
    fixture_measured(zni).to_csv(measured, index=False)
    report = tmp_path / "compare.md"
    res = CliRunner().invoke(app, [
        "compare", "--models", "dummy,rule_2_3,ridge", "--targets", "Tg", "--trials", "0",
        "--measured", str(measured), "--no-proxy", "--output", str(report)])
    assert res.exit_code == 0, res.output
    text = report.read_text()
    assert "| rank | model | n served / n | MAE (K)" in text
    assert "rule_2_3 | 12 / 13" in text  # zif-zni has no measured Tm: counted, not hidden
    assert "Same rows for every model" in text and "Command: `gfa compare" in text
    # figures sit beside their report, named after it: another report cannot overwrite them
    figs = list((tmp_path / "figures").glob("compare_Tg_K_*_parity.png"))
    assert figs and all(f"figures/{f.name}" in text for f in figs)
    assert not list((home / "experiments" / "figures").glob("compare_*"))
    splits = list((home / "datasets" / "splits").glob("Tg_K__grouped__*.csv"))
    lofo = list((home / "datasets" / "splits").glob("Tg_K__lofo__*.csv"))
    assert len(splits) == 1 and len(lofo) == 1


def test_records_metal_alias_reaches_the_models() -> None:
    """The --records format says `metal`; graph and TCT models read `metals`."""
    from gfa_ml.models.predict import featurize_inputs

    recs = pd.DataFrame({"id": ["zif4-like"], "metal": ["Zn"], "ligand_smiles": ["c1c[n-]cn1"]})
    X = featurize_inputs(recs)
    assert X.loc["zif4-like", "metals"] == "Zn"
    assert X.loc["zif4-like", "status"] == "ok"
