"""`gfa data validate`: clean data passes; each crafted mistake is caught with a clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app
from gfa_ml.data.validate import validate_file
from tests.conftest import CU4I4, ZIF4, write_table

runner = CliRunner()


def _problems(tmp_path: Path, **changes: object) -> list[str]:
    row = {**ZIF4, **changes}
    path = write_table(tmp_path / "bad.csv", [row])
    return [str(p) for p in validate_file(path)]


def test_real_seed_values_are_clean(good_table: Path) -> None:
    assert validate_file(good_table) == []
    result = runner.invoke(app, ["data", "validate", str(good_table)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("changes", "column", "fragment"),
    [
        # ZIF-4 typed in °C: Tm 590, Tg 292 -> Tg/Tm 0.49, impossible in kelvin
        ({"Tm_K": 590, "Tg_K": 292}, "Tg_K", "°C"),
        ({"Tm_K": 87.9, "Tg_K": ""}, "Tm_K", "361.05 K"),  # 87.9 °C (Cu thiocyanate) as K
        ({"Tg_K": 900.0}, "Tg_K", "not below Tm"),
        ({"ligand_smiles": "c1c[n-]cnX1"}, "ligand_smiles", "RDKit"),
        ({"metals": "Zq"}, "metals", "unknown element"),
        ({"source_doi": ""}, "source_doi", "provenance"),
        ({"dHf_kJ_mol": -9.9}, "dHf_kJ_mol", "> 0"),
        ({"family": "zeolite"}, "family", "unknown family"),
        ({"Td_K": 700.0}, "meltable", "not below Td"),
        ({"Tm_K": "about 590"}, "Tm_K", "not a number"),
        ({"dimensionality": "3"}, "dimensionality", "3D"),
        ({"label_strength": "guessed"}, "label_strength", "measured, stated, inferred"),
        ({"label_strength": ""}, "label_strength", "how is the meltable label supported"),
        ({"meltable": "unknown", "label_strength": "stated"}, "label_strength", "unknown"),
        ({"source_doi": "", "source_url": "https://example.org/zif4"}, "citation", "journal"),
        ({"source_location": ""}, "source_location", "where in the source"),
    ],
)
def test_crafted_mistakes_are_caught(
    tmp_path: Path, changes: dict, column: str, fragment: str
) -> None:
    problems = _problems(tmp_path, **changes)
    hits = [p for p in problems if f":2: {column}:" in p and fragment in p]
    assert hits, problems


def test_url_with_citation_is_provenance_enough(tmp_path: Path) -> None:
    """A paper read from a landing page that showed no DOI is traced by URL + citation."""
    row = {**ZIF4, "source_doi": "", "citation": "Ma & Horike, Chem. Rev. 2022",
           "source_url": "https://pubs.acs.org/doi/10.1021/acs.chemrev.1c00826"}
    assert validate_file(write_table(tmp_path / "url.csv", [row])) == []


def test_cli_reports_one_line_per_problem_and_fails(tmp_path: Path) -> None:
    path = write_table(tmp_path / "bad.csv", [ZIF4, {**CU4I4, "Tg_K": 500.0, "metals": "Qq"}])
    result = runner.invoke(app, ["data", "validate", str(path)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.startswith(str(path))]
    assert any(":3: metals:" in ln for ln in lines)
    assert any(":3: Tg_K:" in ln for ln in lines)
    assert not any(":2:" in ln for ln in lines)  # the clean ZIF-4 row raises nothing


def test_missing_column_is_a_file_level_problem(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,name\nzif-4-zn,ZIF-4\n")
    problems = validate_file(path)
    assert any(p.column == "family" and "missing" in p.message for p in problems)


def test_duplicate_rows_from_one_source(tmp_path: Path) -> None:
    path = write_table(tmp_path / "dup.csv", [ZIF4, ZIF4])
    assert any("duplicate" in p.message for p in validate_file(path))
