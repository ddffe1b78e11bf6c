"""`gfa featurize` end to end and INPUT resolution (files, folders, globs, CoRE sets)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app
from gfa_ml.structures.core_mof import iter_cifs
from gfa_ml.structures.inputs import InputError, iter_inputs


@pytest.fixture(scope="module")
def cif_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cifs")
    for name, text in iter_cifs("2019-ASR", names=["FIQCEN_clean", "IMIDZB10_clean"]):
        (folder / f"{name}.cif").write_text(text)
    (folder / "broken.cif").write_text("data_broken\n_cell_length_a 5\n")
    return folder


def test_inputs_resolve_folders_globs_and_reject_typos(cif_dir):
    assert sorted(i.id for i in iter_inputs([str(cif_dir)])) == [
        "FIQCEN_clean", "IMIDZB10_clean", "broken"]
    assert [i.id for i in iter_inputs([str(cif_dir / "FIQ*.cif")])] == ["FIQCEN_clean"]
    assert len(iter_inputs([str(cif_dir)])) == 3
    with pytest.raises(InputError, match="no such file"):
        iter_inputs([str(cif_dir / "nope.cif")])
    with pytest.raises(ValueError, match="unknown CoRE MOF set"):
        iter_inputs(["core-mof:2099"])
    core = iter_inputs(["core-mof:2019-ASR"], names=["FIQCEN_clean"])
    assert [(i.id, i.source) for i in core] == [("FIQCEN_clean", "core-mof:2019-ASR")]


def test_cli_featurizes_cifs_and_records(cif_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("GFA_CACHE", str(tmp_path / "cache"))
    records = tmp_path / "records.csv"
    pd.DataFrame(
        [{"id": "zif-4", "metal": "Zn", "ligand_smiles": "c1c[n-]cn1", "dimensionality": "3D"},
         {"id": "bad", "metal": "Zn", "ligand_smiles": "c1c[n-"}]
    ).to_csv(records, index=False)
    out = tmp_path / "features.csv"
    args = ["featurize", str(cif_dir), "--records", str(records), "-o", str(out), "--jobs", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"from cache\W+0\b", result.output), result.output
    df = pd.read_csv(out)
    assert df["id"].tolist() == ["FIQCEN_clean", "IMIDZB10_clean", "broken", "zif-4", "bad"]
    assert df["status"].tolist() == ["ok", "ok", "error", "ok", "error"]
    assert df.loc[df["id"] == "zif-4", "lig_n_N"].item() == 2
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0
    assert re.search(r"from cache\W+3\b", again.output), again.output  # the 3 CIFs
    cold = CliRunner().invoke(app, [*args, "--no-cache"])
    assert re.search(r"from cache\W+0\b", cold.output), cold.output


def test_cli_rejects_missing_input(tmp_path):
    result = CliRunner().invoke(app, ["featurize", str(tmp_path / "x.cif"), "-o", "o.parquet"])
    assert result.exit_code == 2
