"""`gfa predict` on inputs a chemist really has (issue #14): every sensible input answered, every
bad one refused in one line, nothing silent. Real CoRE MOF CIFs and curated records throughout."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app
from gfa_ml.config import get_settings
from gfa_ml.structures.core_mof import iter_cifs
from tests.conftest import project_home

TARGETS = ("meltable", "Tm_K", "Td_K", "Tg_K", "Tg_over_Tm")
ZIF4, ZIF8 = "VEJYUF_clean", "OFERUN_clean"  # ZIF-4 and ZIF-8, CoRE MOF 2019-ASR


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with project_home(tmp_path_factory.mktemp("home"), train=TARGETS) as root:
        yield root


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    return dict(iter_cifs("2019-ASR", names=[ZIF4, ZIF8]))


def _predict(tmp_path: Path, *args: str) -> tuple[object, pd.DataFrame | None]:
    out = tmp_path / "preds.csv"
    res = CliRunner().invoke(app, ["predict", *args, "-o", str(out)])
    return res, pd.read_csv(out, keep_default_na=False) if out.exists() else None


def _records(tmp_path: Path, text: str, name: str = "recs.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_duplicate_record_ids_are_refused(home, tmp_path) -> None:
    recs = _records(tmp_path, "id,metal,ligand_smiles\nzn,Zn,c1c[n-]cn1\nzn,Zn,c1cnc[nH]1\n")
    res, out = _predict(tmp_path, "--records", recs)
    assert res.exit_code == 1 and out is None
    assert "'zn' is used more than once (lines 2, 3)" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("id,metal,ligand_smiles\n", "has a header but no materials"),
        ("id,metal\nzif-4,Zn\n", "needs the column(s) ligand_smiles"),
    ],
)
def test_unusable_records_files_fail_in_one_line(home, tmp_path, text, message) -> None:
    res, out = _predict(tmp_path, "--records", _records(tmp_path, text))
    assert res.exit_code == 1 and out is None
    assert message in res.output and "Traceback" not in res.output


def test_semicolon_separated_records_are_read(home, tmp_path) -> None:
    """A spreadsheet saved with ';' as separator: same answer as the comma file."""
    comma, semi = tmp_path / "c", tmp_path / "s"
    comma.mkdir(), semi.mkdir()
    res_c, out_c = _predict(comma, "--records", _records(
        comma, "id,metal,ligand_smiles\nzn-im2,Zn,c1c[n-]cn1\n"))
    res_s, out_s = _predict(semi, "--records", _records(
        semi, "id;metal;ligand_smiles\nzn-im2;Zn;c1c[n-]cn1\n"))
    assert res_c.exit_code == 0 and res_s.exit_code == 0, res_s.output
    assert out_s.loc[0, "status"] == "ok"
    assert out_s.loc[0, "p_meltable"] == pytest.approx(out_c.loc[0, "p_meltable"])


def test_records_without_a_binding_ligand_are_never_silent(home, tmp_path) -> None:
    recs = _records(tmp_path, "id,metal,ligand_smiles\nethane,Zn,CC\nno-ligand,Zn,\n"
                              "zn-im2,Zn,c1c[n-]cn1\n")
    res, out = _predict(tmp_path, "--records", recs)
    assert res.exit_code == 0, res.output
    rows = out.set_index("id")
    assert rows.loc["ethane", "status"] == "error" and "no ligand can bind" in \
        rows.loc["ethane", "error"]
    assert str(rows.loc["ethane", "in_domain"]) == "False"
    assert rows.loc["no-ligand", "status"] == "partial"
    assert "predicted from the metal alone" in rows.loc["no-ligand", "error"]
    assert rows.loc["zn-im2", "status"] == "ok"


def test_neutral_and_anionic_imidazole_give_one_prediction(home, tmp_path) -> None:
    recs = _records(tmp_path, "id,metal,ligand_smiles\nneutral,Zn,c1cnc[nH]1\n"
                              "anion,Zn,c1c[n-]cn1\ndot,Cu,[I-].c1ccc(cc1)P(c1ccccc1)c1ccccc1\n"
                              "semi,Cu,[I-];c1ccc(cc1)P(c1ccccc1)c1ccccc1\n")
    res, out = _predict(tmp_path, "--records", recs)
    assert res.exit_code == 0, res.output
    cols = ["p_meltable", "Tm_K", "Td_K", "Tg_K", "Tg_over_Tm"]
    rows = out.set_index("id")[cols].astype(float)
    np.testing.assert_allclose(rows.loc["neutral"], rows.loc["anion"])
    np.testing.assert_allclose(rows.loc["dot"], rows.loc["semi"])


def test_missing_model_makes_rows_partial_and_says_which(home, tmp_path) -> None:
    from gfa_ml.models.predict import load_models, predict_frame

    models = {t: b for t, b in load_models().items() if t != "meltable"}
    recs = pd.DataFrame({"id": ["zn-im2"], "metal": ["Zn"], "ligand_smiles": ["c1c[n-]cn1"]})
    out = predict_frame(recs, models)
    assert out.loc[0, "status"] == "partial"
    assert "no trained model for meltable" in out.loc[0, "error"]
    assert np.isnan(out.loc[0, "p_meltable"]) and np.isfinite(out.loc[0, "Tm_K"])


def test_in_domain_holds_only_inside_every_model_and_bounds_are_physical(home) -> None:
    """The curated materials as records: in_domain is the AND of the per-target flags, and no
    interval leaves what is physically possible (0 <= Tg/Tm <= 1, temperatures above 0 K)."""
    from gfa_ml.models.predict import predict_frame

    table = pd.read_csv(get_settings().paths.measured_csv, dtype=str, keep_default_na=False)
    out = predict_frame(table.drop_duplicates("id"), explain=False, tct=False)
    # rows that could not be featurized (no metal, Ge) have no per-target flag: not in domain
    flags = out[[f"{t}_in_domain" for t in TARGETS]].eq(True)
    assert (out["in_domain"] == flags.all(axis=1)).all()
    out = out[out["status"] != "error"]
    assert (out["Tg_over_Tm_hi"] <= 1).all() and (out["Tg_over_Tm_lo"] >= 0).all()
    assert (out["Tg_over_Tm"].between(0, 1)).all()
    for t in ("Tm_K", "Td_K", "Tg_K"):
        assert (out[f"{t}_lo"] >= 0).all()


def test_brackets_in_ids_and_smiles_print_as_typed(home, tmp_path) -> None:
    recs = _records(tmp_path, "id,metal,ligand_smiles\n[/],Zn,c1c[n-]cn1\n"
                              "[bold]x,Zn,c1c[n-]cn\n")
    res, out = _predict(tmp_path, "--records", recs)
    assert res.exit_code == 0, res.output
    assert "[/]" in res.output and "[bold]x" in res.output
    assert "c1c[n-]cn" in res.output  # the unreadable SMILES in its error line, brackets kept
    assert list(out["id"]) == ["[/]", "[bold]x"]


def test_exit_code_is_1_when_nothing_was_predicted(home, tmp_path) -> None:
    recs = _records(tmp_path, "id,metal,ligand_smiles\nxx,Xx,c1c[n-]cn1\n")
    res, out = _predict(tmp_path, "--records", recs)
    assert res.exit_code == 1 and "nothing predicted" in res.output
    assert out.loc[0, "status"] == "error" and "Xx" in out.loc[0, "error"]  # reasons kept


def test_every_data_block_of_a_cif_is_predicted(home, tmp_path, cifs) -> None:
    """A CSD-style export holding ZIF-4 and ZIF-8 in one file gives two rows."""
    (tmp_path / "zif4.cif").write_text(cifs[ZIF4])
    (tmp_path / "zif8.cif").write_text(cifs[ZIF8])
    (tmp_path / "export.cif").write_text(cifs[ZIF4] + "\n" + cifs[ZIF8])
    res, alone = _predict(tmp_path, str(tmp_path / "zif4.cif"), str(tmp_path / "zif8.cif"))
    assert res.exit_code == 0, res.output
    res, both = _predict(tmp_path, str(tmp_path / "export.cif"))
    assert res.exit_code == 0, res.output
    assert list(both["id"]) == ["export#image0", "export#OFERUN_clean"]
    assert both["status"].eq("ok").all()
    np.testing.assert_allclose(both["Td_K"], alone["Td_K"], rtol=1e-6)


def test_same_file_name_in_two_folders_gives_distinct_ids(home, tmp_path, cifs) -> None:
    for folder, name in (("batch1", ZIF4), ("batch2", ZIF8)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "sample.cif").write_text(cifs[name])
    res, out = _predict(tmp_path, str(tmp_path / "batch1"), str(tmp_path / "batch2"))
    assert res.exit_code == 0, res.output
    assert list(out["id"]) == ["batch1/sample", "batch2/sample"]
    assert list(out["source"]) == [str(tmp_path / "batch1" / "sample.cif"),
                                   str(tmp_path / "batch2" / "sample.cif")]


def test_gzipped_cif_is_read(home, tmp_path, cifs) -> None:
    (tmp_path / "ZIF-4.cif").write_text(cifs[ZIF4])
    (tmp_path / "gz").mkdir()
    (tmp_path / "gz" / "ZIF-4.cif.gz").write_bytes(gzip.compress(cifs[ZIF4].encode()))
    res, plain = _predict(tmp_path, str(tmp_path / "ZIF-4.cif"))
    res, packed = _predict(tmp_path, str(tmp_path / "gz"))
    assert res.exit_code == 0, res.output
    assert packed.loc[0, "id"] == "ZIF-4" and packed.loc[0, "status"] == "ok"
    assert packed.loc[0, "Td_K"] == pytest.approx(plain.loc[0, "Td_K"])
