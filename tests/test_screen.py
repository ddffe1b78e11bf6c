"""``gfa screen`` end to end on real CoRE MOF CIFs, the real featurizer and real trained models.

The module trains small xgb models (meltable, Tm, Td; no tuning) on the curated measured table
into a temporary project home, so every screen here runs the code a chemist runs.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from gfa_ml.screen.checkpoint import CheckpointMismatch
from gfa_ml.screen.executor import ExecutorSpec
from gfa_ml.screen.filters import FilterError, Filters
from gfa_ml.screen.predictor import ModelPredictor
from gfa_ml.screen.run import run_screen
from gfa_ml.structures import core_mof
from tests.conftest import project_home

ZIF8, HKUST1, ZIF4, ZNI = "OFERUN_clean", "FIQCEN_clean", "VEJYUF_clean", "IMIDZB10_clean"
#: CoRE 2019-ASR structures near the start of the tarball (fast to stream), incl. failures
OTHERS = ["ABAVIJ_clean", "ABAYIO_clean", "ABAYOU_clean", "ABEFUL_clean", "ABETAE_clean",
          "ABETIN_clean", "ABEXEM_clean"]
BROKEN_CIF = "data_broken\n_cell_length_a 10.0\n_cell_length_b\nloop_\n_atom_site_label\nZn1 0.1\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    """A temporary project home (real datasets, fresh feature cache) with trained models."""
    with project_home(tmp_path_factory.mktemp("home")) as home:
        cifs = home / "cifs"
        cifs.mkdir()
        for name, text in core_mof.iter_cifs("2019-ASR", [ZIF8, HKUST1, ZIF4, ZNI, *OTHERS]):
            (cifs / f"{name}.cif").write_text(text)
        yield home


@pytest.fixture(scope="module")
def predictor(project: Path) -> ModelPredictor:
    return ModelPredictor.load()


@pytest.fixture(scope="module")
def core_screens(project: Path, predictor: ModelPredictor):
    """The same CoRE subset screened on the local pool and on a 2-worker dask LocalCluster
    (no feature cache, so every chunk really runs on the workers)."""
    from distributed import Client, LocalCluster

    codes = [ZIF8, HKUST1, ZIF4, ZNI, "ABAVIJ", "ABEFUL"]
    kw = {"refcodes": codes, "chunk_size": 2, "use_cache": False}
    local = run_screen(["core-mof:2019-ASR"], project / "local", predictor,
                       executor=ExecutorSpec("local", 2), **kw)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        dask = run_screen(["core-mof:2019-ASR"], project / "dask", predictor,
                          executor=ExecutorSpec("dask", client=client), **kw)
    return local, dask


def test_local_and_dask_give_identical_rankings(core_screens) -> None:
    local, dask = core_screens
    pd.testing.assert_frame_equal(local.ranked, dask.ranked)
    pd.testing.assert_frame_equal(local.errors, dask.errors)
    assert local.counts == dask.counts


def test_core_subset_features_are_chemically_right(core_screens) -> None:
    ranked = core_screens[0].ranked.set_index("id")
    # every ZIF and HKUST-1 is a screenable, ordered 3D framework
    assert {ZIF8, HKUST1, ZIF4, ZNI} <= set(ranked.index)
    assert (ranked.loc[[ZIF8, HKUST1, ZIF4, ZNI], "net_dim"] == 3).all()
    # Zn(im)2 polymorphs bind through azolate N only; HKUST-1 through carboxylate O
    assert (ranked.loc[[ZIF8, ZIF4, ZNI], "donors"] == "N").all()
    assert ranked.loc[HKUST1, "donors"] == "O"
    assert (ranked.loc[[ZIF8, ZIF4, ZNI], "node_cn"] == 4).all()
    assert ranked["p_meltable"].between(0, 1).all()
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert ranked["score"].is_monotonic_decreasing


def test_report_renders_with_images_and_cifs(core_screens) -> None:
    result = core_screens[0]
    out = result.out_dir

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.refs: list[str] = []
            self.tables = 0

        def handle_starttag(self, tag: str, attrs: list) -> None:
            a = dict(attrs)
            self.tables += tag == "table"
            self.refs += [a[k] for k in ("src", "href") if k in a]

    html = result.report.read_text()
    parser = Collect()
    parser.feed(html)
    assert parser.tables >= 4
    assert {"window.png", "p_meltable.png", "ranked.csv"} <= set(parser.refs)
    for ref in parser.refs:
        assert (out / ref).is_file(), ref
    top_id = result.ranked["id"].iloc[0]
    assert f"cifs/{top_id}.cif" in parser.refs
    assert "_cell_length_a" in (out / "cifs" / f"{top_id}.cif").read_text()
    for png in ("window.png", "p_meltable.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    ranked_csv = pd.read_csv(out / "ranked.csv")
    assert list(ranked_csv["id"]) == list(result.ranked["id"])
    assert "xgb" in html and "data" in html  # model and data versions are stated


def test_broken_cif_is_listed_and_the_rest_screened(project: Path, predictor) -> None:
    src = project / "with_broken"
    src.mkdir()
    for name in (ZIF8, ZIF4, HKUST1):
        (src / f"{name}.cif").write_text((project / "cifs" / f"{name}.cif").read_text())
    (src / "broken.cif").write_text(BROKEN_CIF)
    result = run_screen([str(src)], project / "out_broken", predictor,
                        executor=ExecutorSpec("local", 1))
    assert set(result.ranked["id"]) == {ZIF8, ZIF4, HKUST1}
    errors = pd.read_csv(project / "out_broken" / "errors.csv")
    assert list(errors["id"]) == ["broken"]
    assert errors["error"].iloc[0].strip()
    assert "\n" not in errors["error"].iloc[0]


def test_every_block_of_a_csd_export_is_screened(project: Path, predictor) -> None:
    """One file holding ZIF-4 and ZIF-8 (as a CSD export can) gives two ranked rows, not one."""
    src = project / "export"
    src.mkdir()
    (src / "export.cif").write_text("\n".join(
        (project / "cifs" / f"{name}.cif").read_text() for name in (ZIF4, ZIF8)))
    result = run_screen([str(src)], project / "out_export", predictor,
                        executor=ExecutorSpec("local", 1))
    ids = sorted(result.ranked["id"])
    assert len(ids) == 2 and all(i.startswith("export#") for i in ids), ids
    errors = pd.read_csv(project / "out_export" / "errors.csv")
    assert errors.empty, errors


def test_interrupted_screen_resumes_to_the_same_result(project: Path, predictor) -> None:
    cifs = str(project / "cifs")
    n = len(list(Path(cifs).glob("*.cif")))
    # no feature cache: every chunk of 2 runs on the 2 worker processes
    kw = {"executor": ExecutorSpec("local", 2), "chunk_size": 2, "use_cache": False}
    whole = run_screen([cifs], project / "whole", predictor, **kw)

    def interrupt(done: int, total: int) -> None:
        if done >= 4:
            raise KeyboardInterrupt  # what Ctrl-C raises in the driver

    out = project / "resumed"
    with pytest.raises(KeyboardInterrupt):
        run_screen([cifs], out, predictor, progress=interrupt, **kw)
    assert not (out / "ranked.csv").exists()
    resumed = run_screen([cifs], out, predictor, resume=True, **kw)
    assert 0 < resumed.computed <= n - 4  # the >= 2 finished chunks were not recomputed
    pd.testing.assert_frame_equal(whole.ranked, resumed.ranked)
    pd.testing.assert_frame_equal(whole.errors, resumed.errors)
    # a resume with other filters would mix two screens: refused
    with pytest.raises(CheckpointMismatch):
        run_screen([cifs], out, predictor, resume=True, filters=Filters.parse(metals="Zn"), **kw)


def test_warm_rescreen_takes_features_from_the_cache(project: Path, predictor) -> None:
    cifs = str(project / "cifs")
    first = run_screen([cifs], project / "warm1", predictor, executor=ExecutorSpec("local", 1))
    again = run_screen([cifs], project / "warm2", predictor, executor=ExecutorSpec("local", 1))
    assert again.cache_hits == len(list(Path(cifs).glob("*.cif")))
    pd.testing.assert_frame_equal(first.ranked, again.ranked)


def test_filters_select_the_right_chemistry(project: Path, predictor) -> None:
    cifs = str(project / "cifs")
    # N-donor, 3D, at most 200 atoms in the cell: ZIF-8 (138) and zni (102); not ZIF-4 (304)
    # and not HKUST-1 (O donors)
    f = Filters.parse(donor="N", dimensionality="3", max_atoms=200)
    result = run_screen([cifs], project / "filtered", predictor, filters=f,
                        executor=ExecutorSpec("local", 1))
    ids = set(result.ranked["id"])
    assert {ZIF8, ZNI} <= ids and not {ZIF4, HKUST1} & ids
    assert (result.ranked["donors"].str.contains("N") & (result.ranked["net_dim"] == 3)).all()
    assert (result.ranked["struct_n_atoms"] <= 200).all()
    assert result.excluded.get("donor", 0) >= 1
    assert result.excluded.get("max_atoms", 0) >= 1
    # CoRE metadata filter: no Cu framework is even read
    zn = run_screen(["core-mof:2019-ASR"], project / "zn", predictor,
                    refcodes=["OFERUN", HKUST1, "NOSUCH"], filters=Filters.parse(metals="zn"),
                    executor=ExecutorSpec("local", 1))
    # the 6-letter refcode OFERUN names every CoRE entry of ZIF-8 (OFERUN, OFERUN06, ...)
    assert ZIF8 in set(zn.ranked["id"]) and HKUST1 not in set(zn.ranked["id"])
    assert set(zn.ranked["metals"]) == {"Zn"}
    assert zn.excluded == {"metals (CoRE metadata)": 1}
    assert zn.errors.loc[zn.errors["id"] == "NOSUCH", "error"].tolist() == [
        "refcode not found in the inputs"]
    # linker SMARTS written for imidazole also finds the imidazolate linkers of the ZIFs
    im = run_screen([cifs], project / "imidazole", predictor,
                    filters=Filters.parse(linker_smarts="[nH]1ccnc1"),
                    executor=ExecutorSpec("local", 1))
    assert set(im.ranked["id"]) == {ZIF8, ZIF4, ZNI}
    linkers = im.ranked.set_index("id")["linkers"]
    assert linkers[ZIF8] == "Cc1ncc[n-]1"  # 2-methylimidazolate
    assert linkers[ZIF4] == linkers[ZNI] == "c1c[n-]cn1"  # imidazolate
    # pandas query on features
    q = run_screen([cifs], project / "where", predictor,
                   filters=Filters.parse(where="node_cn == 4 and node_donor_N > 0"),
                   executor=ExecutorSpec("local", 1))
    assert {ZIF8, ZIF4, ZNI} <= set(q.ranked["id"]) and HKUST1 not in set(q.ranked["id"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"donor": "Xe"}, "--donor"), ({"metals": "Qq"}, "--metals"), ({"metals": "C"}, "metal"),
     ({"where": "no_such_column > 1"}, "--where"), ({"linker_smarts": "[nH"}, "SMARTS"),
     ({"dimensionality": "4"}, "--dimensionality")],
)
def test_bad_filters_fail_fast_with_one_line(kwargs: dict, message: str) -> None:
    with pytest.raises(FilterError, match=message.replace("[", r"\[")) as err:
        Filters.parse(**kwargs)
    assert "\n" not in str(err.value)


def test_cli_screens_a_directory(project: Path) -> None:
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app

    out = project / "cli"
    runner = CliRunner()
    res = runner.invoke(app, ["screen", str(project / "cifs"), "--out", str(out), "-q",
                              "--workers", "1", "--top", "3"])
    assert res.exit_code == 0, res.output
    assert "report:" in res.output
    assert len(list((out / "cifs").glob("*.cif"))) == 3
    bad = runner.invoke(app, ["screen", str(project / "nowhere"), "--out", str(out), "-q"])
    assert bad.exit_code == 2
    assert "no such file" in bad.output
    assert os.environ["GFA_HOME"] == str(project)
