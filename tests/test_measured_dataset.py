"""The shipped curated table: clean, and it carries the seed papers' numbers correctly."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app
from gfa_ml.config import get_settings
from gfa_ml.data.curate import build_measured
from gfa_ml.data.measured import load_measured, training_table
from gfa_ml.data.validate import validate_file

runner = CliRunner()


@pytest.fixture(scope="module")
def train():
    return training_table(load_measured(get_settings().paths.measured_csv))


def test_shipped_table_validates_clean() -> None:
    assert validate_file(get_settings().paths.measured_csv) == []


def test_zif4_as_the_review_table_gives_it(train) -> None:
    # Ma & Horike, Chem. Rev. 2022, Table 1: ZIF-4 Tm 590 °C, Tg 292 °C, ΔHf 9.9 kJ/mol
    zif4 = train.loc["zif-4-zn"]
    assert zif4["Tm_K"] == pytest.approx(863.15)
    assert zif4["Tg_K"] == pytest.approx(565.15)
    assert zif4["dHf_kJ_mol"] == pytest.approx(9.9)
    assert zif4["ligand_smiles"] == "c1c[n-]cn1"


def test_zif62_tg_over_tm_in_kelvin(train) -> None:
    # Sec 3.2: ZIF-62 Tm 437 °C, Tg 318 °C -> Tg/Tm 0.83 in K (0.73 if wrongly taken in °C)
    assert train.loc["zif-62-zn", "Tg_over_Tm"] == pytest.approx(591.15 / 710.15)
    assert train.loc["zif-62-zn", "linker_fractions"] == "Im=1.75;bIm=0.25"


def test_cluster_glass_melts_below_its_decomposition(train) -> None:
    # Dong et al. 2024, Table 1: [Cu4I4(PPh2Et)4] Tm 191 °C, Td 240 °C, Tg 36 °C
    row = train.loc["cu4i4-pph2et"]
    assert (row["Tm_K"], row["Td_K"], row["Tg_K"]) == pytest.approx((464.15, 513.15, 309.15))
    assert row["meltable"] == "yes" and row["Tm_K"] < row["Td_K"]


def test_negatives_are_present_with_evidence(train) -> None:
    for mid in ("zif-8", "zif-7", "zif-70", "zif-4-co", "zif-zni-co", "cu4i4-py4"):
        assert train.loc[mid, "meltable"] == "no", mid
        assert train.loc[mid, "notes"].strip(), mid


def test_range_rows_never_enter_training() -> None:
    table = load_measured(get_settings().paths.measured_csv)
    ranges = table[table["exclude_reason"] == "range"]
    assert len(ranges) >= 5
    assert ranges[["Tm_K", "Tg_K", "Td_K"]].isna().all().all()  # no made-up midpoints
    assert not set(ranges["id"]) & set(training_table(table).index)


def test_curate_rebuild_is_reproducible(tmp_path: Path) -> None:
    rebuilt = build_measured(out=tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_text() == get_settings().paths.measured_csv.read_text()
    assert rebuilt["id"].is_unique


def test_summary_cli_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "tg_tm.png"
    result = runner.invoke(app, ["data", "summary", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert "phosphate-azole" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
