"""`gfa suggest` (issue #23) on real CoRE MOF 2019-ASR structures: a screen of four new
frameworks and four of known composition (three Zn(Im)2 polymorphs of ZIF-4, and ZIF-8).
Materials already measured are left out, a batch never holds two polymorphs of one composition,
each pick says why, the lab template validates once filled and `gfa data add` ingests it, every
round is an MLflow run, and the retrospective benchmark replays real labels without leaking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app as cli
from gfa_ml.suggest.acquisition import information_bits, scores, select_batch
from tests.conftest import NEW_FRAMEWORKS as NEW
from tests.conftest import ZIF8_CIF as ZIF8
from tests.conftest import ZN_IM2_CIFS as ZN_IM2
from tests.conftest import add_screen, project_home

ZN_IM2_KEY = "Zn|c1c[n-]cn1"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with project_home(tmp_path_factory.mktemp("home")) as root:
        add_screen(root, "candidates", [*NEW, *ZN_IM2, ZIF8])
        yield root


def _suggest(home, tmp_path, *args: str) -> tuple[pd.DataFrame, str]:
    out = tmp_path / "suggestions.csv"
    res = CliRunner().invoke(cli, ["suggest", str(home / "screens" / "candidates"), "-o",
                                   str(out), *args])
    assert res.exit_code == 0, res.output
    return pd.read_csv(out, keep_default_na=False), res.output


def test_information_is_the_entropy_of_p_and_balanced_peaks_at_p_08() -> None:
    assert information_bits(np.array([0.5]))[0] == pytest.approx(1.0)
    assert information_bits(np.array([0.95]))[0] == pytest.approx(0.286, abs=1e-3)
    p = np.linspace(0.01, 0.99, 99)
    rng = np.random.default_rng(0)
    assert p[np.argmax(scores("balanced", p, 0.5, rng))] == pytest.approx(0.8)
    assert p[np.argmax(scores("explore", p, 0.5, rng))] == pytest.approx(0.5)
    assert np.isnan(scores("exploit", np.array([np.nan, 0.7]), 0.5, rng)[0])


def test_a_batch_holds_one_polymorph_per_composition_and_avoids_near_duplicates() -> None:
    # three Zn(Im)2 polymorphs score highest; the batch takes one, then other compositions
    comp = np.array([ZN_IM2_KEY] * 3 + ["Zn|Cc1ncc[n-]1", "Cd|N#C[S-]"])
    batch = select_batch(np.array([0.74, 0.74, 0.73, 0.2, 0.1]), 3, comp)
    assert batch.picked == [0, 3, 4]
    assert batch.passed_over == [0, 2, 2]
    # without a composition, a candidate at distance 0 from a pick loses the penalty
    space = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0]])
    near = select_batch(np.array([0.9, 0.8, 0.6]), 2, np.array(["", "", ""]), space, 1.0, 0.5)
    assert near.picked == [0, 2]


def test_suggest_on_a_screen_leaves_known_materials_out_and_says_why(home, tmp_path) -> None:
    s, output = _suggest(home, tmp_path, "--budget", "3", "--strategy", "exploit")
    assert len(s) == 3 and s["composition"].nunique() == 3
    assert set(s["id"]) <= set(NEW)  # ZIF-4 polymorphs and ZIF-8 are measured materials
    assert "already measured" in output
    assert s["p_meltable"].is_monotonic_decreasing or s["reason"].str.contains(
        "passed over").any()
    np.testing.assert_allclose(s["information_bits"], information_bits(s["p_meltable"]))
    for _, r in s.iterrows():
        assert r["reason"].startswith("picked for the highest chance of a melter")
        assert f"P(melts before decomposing) {r['p_meltable']:.2f}" in r["reason"]
        assert "nearest known" in r["reason"] and r["nearest_known"]
        assert r["source"] == "core-mof:2019-ASR" or r["source"].endswith(f"{r['id']}.cif")


def test_with_known_materials_a_batch_still_takes_one_zn_im2_polymorph(home, tmp_path) -> None:
    s, _ = _suggest(home, tmp_path, "--budget", "8", "--include-known", "--strategy", "random")
    assert (s["composition"] == ZN_IM2_KEY).sum() == 1
    assert s["composition"].is_unique and len(s) == 6  # 4 new + one Zn(Im)2 + ZIF-8


def test_explore_starts_with_what_the_model_is_least_sure_of(home, tmp_path) -> None:
    explore, _ = _suggest(home, tmp_path, "--budget", "4", "--strategy", "explore")
    assert set(explore["id"]) == set(NEW)  # the four new compositions, most bits first
    assert explore["information_bits"].iloc[0] == explore["information_bits"].max()
    assert explore["reason"].str.startswith("picked for what its measurement teaches").all()
    # Cu-doped Zn(Im)2 sits next to the Zn(Im)2 glasses: family ZIF, a ZIF named nearest
    usoxeh = explore.set_index("id").loc["USOXEH_clean"]
    assert usoxeh["family"] == "ZIF" and "zif" in usoxeh["nearest_known"]


def test_the_lab_template_validates_once_filled_and_gfa_data_add_ingests_it(home,
                                                                             tmp_path) -> None:
    from gfa_ml.data.columns import COLUMNS
    from gfa_ml.data.ingest import add_measurements
    from gfa_ml.data.measured import load_measured
    from gfa_ml.data.validate import validate_file

    lab = tmp_path / "lab.csv"
    res = CliRunner().invoke(cli, ["suggest", str(home / "screens" / "candidates"), "--budget",
                                   "3", "--template", str(lab), "--no-track"])
    assert res.exit_code == 0, res.output
    tpl = pd.read_csv(lab, dtype=str, keep_default_na=False)
    assert list(tpl.columns) == list(COLUMNS)
    assert tpl["cif_path"].str.startswith(str(home / "cifs" / "candidates")).all()
    assert tpl["csd_refcode"].eq("").all()  # files, not CoRE references
    assert (tpl["metals"] != "").all() and (tpl["ligand_smiles"] != "").all()
    # as written it is not a measurement: meltable / glass_formed / provenance are the lab's
    problems = {p.column for p in validate_file(lab)}
    assert {"meltable", "glass_formed", "source_doi"} <= problems
    # filled as a lab would: each decomposed before melting at the Td of its nearest known
    # material of its family (real values of the measured table)
    table = load_measured()
    td = table[table["Td_K"].notna()].groupby("family")["Td_K"].median()
    tpl["meltable"], tpl["glass_formed"] = "no", "no"
    tpl["Td_K"] = [f"{td.get(f, td.median()):.1f}" for f in tpl["family"]]
    tpl["lab_notebook_id"] = [f"NB-23-{i:03d}" for i in range(len(tpl))]
    tpl["date"] = "2026-05-04"
    tpl.to_csv(lab, index=False)
    assert validate_file(lab) == []
    target = tmp_path / "lab_table.csv"
    table[table["id"] == "zif-4-zn"].to_csv(target, index=False)
    rep = add_measurements(lab, target)
    assert rep.problems == [] and sorted(rep.added) == sorted(tpl["id"])
    added = load_measured(target)
    assert set(tpl["id"]) <= set(added["id"]) and (added["label_strength"].iloc[1:] ==
                                                   "measured").all()


def test_records_and_cifs_are_candidates_too(home, tmp_path) -> None:
    recs = tmp_path / "new.csv"
    # a Co imidazolate (ZIF-4(Co)'s composition is measured) and Zn tetrazolate (not measured)
    recs.write_text("id,metal,ligand_smiles\nco-im2,Co,c1c[n-]cn1\nzn-tz2,Zn,c1nn[n-]n1\n")
    out = tmp_path / "s.csv"
    res = CliRunner().invoke(cli, ["suggest", str(home / "cifs" / "candidates" / f"{ZIF8}.cif"),
                                   "--records", str(recs), "-n", "3", "-o", str(out),
                                   "--no-track"])
    assert res.exit_code == 0, res.output
    s = pd.read_csv(out, keep_default_na=False)
    # ZIF-8 and Co(Im)2 (ZIF-4(Co), zif-4-co) are measured materials
    assert set(s["id"]) == {"zn-tz2"}
    assert "only 1 of the 3 asked for" in " ".join(res.output.split())
    assert s.loc[s["id"] == "zn-tz2", "source"].iloc[0] == str(recs)


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere/"], "error: nowhere/: no such file, directory or core-mof:SET"),
    (["SCREEN", "--strategy", "greedy"], "strategy 'greedy': use one of exploit, explore"),
    (["--records", "RECORDS"], "needs the column(s) ligand_smiles"),
    (["SCREEN", "SCREEN"], "is a screen folder: give it alone"),
    ([], "give a screen folder, CIF inputs and/or --records FILE.csv"),
    (["BROKEN"], "needs the columns id and source"),
])
def test_bad_input_is_one_line_and_exit_1(home, tmp_path, args, message) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "ranked.csv").write_text("rank,name\n1,x\n")
    (tmp_path / "recs.csv").write_text("id,metal\nzn-x,Zn\n")
    given = {"SCREEN": str(home / "screens" / "candidates"), "BROKEN": str(broken),
             "RECORDS": str(tmp_path / "recs.csv")}
    args = [given.get(a, a) for a in args]
    res = CliRunner().invoke(cli, ["suggest", *args, "--no-track"])
    assert res.exit_code != 0
    assert message in " ".join(res.output.split())
    assert "Traceback" not in res.output


def test_each_round_is_an_mlflow_run_with_strategy_inputs_and_model_versions(home,
                                                                             tmp_path) -> None:
    import mlflow

    from gfa_ml.config import get_settings

    _, output = _suggest(home, tmp_path, "--budget", "2", "--strategy", "balanced")
    run_id = output.split("MLflow run ")[1].split()[0]
    mlflow.set_tracking_uri(get_settings().paths.tracking_uri)
    run = mlflow.get_run(run_id)
    assert run.data.params["strategy"] == "balanced" and run.data.params["budget"] == "2"
    assert run.data.params["candidates"].endswith("screens/candidates")
    assert run.data.params["model_meltable"].startswith("xgb v")
    assert run.data.metrics["n_suggested"] == 2 and run.data.metrics["distinct_compositions"] == 2
    assert "suggestions.csv" in {a.path for a in mlflow.MlflowClient().list_artifacts(run_id)}


def test_retrospective_replay_keeps_groups_apart_and_exploit_takes_the_likeliest(home) -> None:
    from gfa_ml.config import overridden, using
    from gfa_ml.evaluation.cv import ModelSpec, fold_bundle, inner_folds
    from gfa_ml.models.serving import serve_target
    from gfa_ml.models.targets import classifier
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables
    from gfa_ml.suggest.retrospective import draw_split, simulate, summarize

    table, _ = load_tables()
    ts = build_training_set(classifier(), table, None, FeatureSource())
    split = draw_split(ts, np.random.default_rng(3))
    parts = [set(ts.groups[m]) for m in (split.start, split.test, split.pool)]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert (split.start | split.test | split.pool).sum() == (~ts.train_only).sum()
    assert set(ts.y[split.start]) == set(ts.y[split.test]) == {0.0, 1.0}
    with using(overridden(suggest={"diversity_weight": 0.0})):
        runs = pd.concat([simulate(ts, split, s, 1, 5, 7) for s in ("exploit", "random")])
    exploit = runs[runs["strategy"] == "exploit"].set_index("round")
    assert list(exploit["measured"]) == [0, 5]
    # without the similarity penalty, exploit takes the five pool materials the start model
    # rates likeliest to melt, one per composition (labelled compositions left out)
    bundle = fold_bundle(ModelSpec("xgb"), ts, split.start, {}, inner_folds(ts, split.start, 7),
                         0.9)
    comp = ts.keys["composition"].reindex(ts.X.index).fillna("")
    pool = split.pool & ~comp.isin(set(comp[split.start]) - {""}).to_numpy()
    p = pd.Series(serve_target(bundle, ts.X[pool]).value, index=ts.X.index[pool])
    top = p.sort_values(ascending=False, kind="mergesort")
    expected = top[~comp[top.index].duplicated() | (comp[top.index] == "")].index[:5]
    assert exploit.loc[0, "picked"].split(";") == list(expected)
    found = int(ts.y[ts.X.index.get_indexer(expected)].sum())
    assert exploit.loc[1, "melters_found"] == found
    assert runs["auc"].between(0, 1).all()
    summ = summarize(runs.assign(repeat=0))
    assert summ.loc[summ["strategy"] == "random", "found_vs_random"].eq(0).all()
