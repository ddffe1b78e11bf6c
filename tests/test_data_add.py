"""`gfa data add`: validated, atomic, conflicts reported, never loses rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app
from gfa_ml.data.ingest import add_measurements
from gfa_ml.data.measured import load_measured, training_table

runner = CliRunner()


def _lab(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lab.csv"
    path.write_text(text)
    return path


def test_round_trip_new_material(tmp_path: Path, good_table: Path) -> None:
    # a new ZIF-62 measurement: Zn(Im)1.75(bIm)0.25, Tm 710.15 K, Tg 591.15 K (Chem. Rev. 2022)
    lab = _lab(tmp_path, (
        "id,name,family,metals,ligands,ligand_smiles,linker_fractions,Tm_K,Tg_K,meltable,"
        "glass_formed,lab_notebook_id,date\n"
        "zif-62-lab,ZIF-62,ZIF,Zn,imidazolate;benzimidazolate,c1c[n-]cn1;c1ccc2[n-]cnc2c1,"
        "Im=1.75;bIm=0.25,710.15,591.15,yes,yes,NB-17-042,2026-11-02\n"
    ))
    before = pd.read_csv(good_table)
    rep = add_measurements(lab, good_table)
    assert rep.problems == [] and rep.added == ["zif-62-lab"] and rep.written
    after = load_measured(good_table)
    assert len(after) == len(before) + 1
    assert after.iloc[:-1]["id"].tolist() == before["id"].tolist()  # nothing lost or reordered
    row = after.iloc[-1]
    assert row["Tm_K"] == pytest.approx(710.15) and row["lab_notebook_id"] == "NB-17-042"


def test_exact_repeat_is_skipped(tmp_path: Path, good_table: Path) -> None:
    lab = _lab(tmp_path, "id,Tm_K,Tg_K,source_doi,date\n"
                         "zif-4-zn,863.15,565.15,10.1021/acs.chemrev.1c00826,2026-10-01\n")
    rep = add_measurements(lab, good_table)
    assert rep.duplicates == ["zif-4-zn"] and not rep.written
    assert len(load_measured(good_table)) == 2


def test_independent_replication_is_kept(tmp_path: Path, good_table: Path) -> None:
    """ZIF-4 melted again in your lab at the literature Tm: a second observation, not a repeat."""
    lab = _lab(tmp_path, "id,Tm_K,Tg_K,lab_notebook_id,date\n"
                         "zif-4-zn,863.15,565.15,NB-1,2026-10-01\n")
    rep = add_measurements(lab, good_table)
    assert rep.duplicates == [] and rep.added == ["zif-4-zn"] and rep.written
    rows = load_measured(good_table).query("id == 'zif-4-zn'")
    assert sorted(rows["lab_notebook_id"].fillna("")) == ["", "NB-1"]
    assert training_table(load_measured(good_table)).loc["zif-4-zn", "n_sources"] == 2


@pytest.fixture
def curated_copy(tmp_path: Path) -> Path:
    """The real curated table, copied (family ranges need the whole table)."""
    from gfa_ml.config import get_settings

    path = tmp_path / "measured.csv"
    path.write_bytes(get_settings().paths.measured_csv.read_bytes())
    return path


def test_exact_copy_of_a_curated_row_is_already_in_the_table(
    tmp_path: Path, curated_copy: Path
) -> None:
    table = pd.read_csv(curated_copy, dtype=str, keep_default_na=False)
    lab = tmp_path / "copy.csv"
    table[table["id"] == "zif-4-zn"].to_csv(lab, index=False)  # no date: a curated row
    before = curated_copy.read_bytes()
    result = runner.invoke(app, ["data", "add", str(lab), "--table", str(curated_copy)])
    assert result.exit_code == 0, result.output
    assert "already in the table: zif-4-zn" in result.output and "date" not in result.output
    assert curated_copy.read_bytes() == before


NEW_ZIF = ("id,name,family,metals,ligands,ligand_smiles,Tm_K,Tg_K,meltable,glass_formed,"
           "lab_notebook_id,date\n"
           "zn-new-zif,new ZIF,ZIF,Zn,imidazolate,c1c[n-]cn1,{tm},{tg},yes,yes,NB-9,2026-11-20\n")


def test_new_material_far_outside_its_family_is_refused_with_celsius_hint(
    tmp_path: Path, curated_copy: Path
) -> None:
    """Tm 300 K / Tg 250 K for a new ZIF (ZIFs melt at ~600-870 K): typed in °C."""
    lab = _lab(tmp_path, NEW_ZIF.format(tm=300, tg=250))
    before = curated_copy.read_bytes()
    result = runner.invoke(app, ["data", "add", str(lab), "--table", str(curated_copy)])
    assert result.exit_code == 1 and "nothing written" in result.output
    out = " ".join(result.output.split())
    assert "Tm_K: 300 K is more than 150 K outside the ZIF family" in out
    assert "entered in °C? (573.15 K)" in out and "Tg_K: 250 K" in out and "--force" in out
    assert curated_copy.read_bytes() == before
    forced = runner.invoke(app, ["data", "add", str(lab), "--table", str(curated_copy),
                                 "--force"])
    assert forced.exit_code == 0, forced.output
    assert "zn-new-zif" in set(load_measured(curated_copy)["id"])


def test_new_material_inside_its_family_range_is_accepted(
    tmp_path: Path, curated_copy: Path
) -> None:
    rep = add_measurements(_lab(tmp_path, NEW_ZIF.format(tm=700, tg=580)), curated_copy)
    assert rep.problems == [] and rep.added == ["zn-new-zif"]


def test_conflict_kept_side_by_side_inherits_chemistry(tmp_path: Path, good_table: Path) -> None:
    lab = _lab(tmp_path, "id,Tm_K,lab_notebook_id,date\nzif-4-zn,858.0,NB-2,2026-10-02\n")
    rep = add_measurements(lab, good_table)
    assert [c.column for c in rep.conflicts] == ["Tm_K"] and rep.written
    table = load_measured(good_table)
    rows = table[table["id"] == "zif-4-zn"]
    assert sorted(rows["Tm_K"]) == [858.0, 863.15]
    assert set(rows["ligand_smiles"]) == {"c1c[n-]cn1"}  # chemistry copied from the curated row
    merged = training_table(table).loc["zif-4-zn"]
    assert merged["n_sources"] == 2 and merged["Tm_K"] == pytest.approx((858.0 + 863.15) / 2)


def test_conflict_refused_writes_nothing(tmp_path: Path, good_table: Path) -> None:
    lab = _lab(tmp_path, "id,Tm_K,lab_notebook_id,date\nzif-4-zn,858.0,NB-2,2026-10-02\n")
    before = good_table.read_bytes()
    result = runner.invoke(app, ["data", "add", str(lab), "--table", str(good_table),
                                 "--on-conflict", "refuse"])
    assert result.exit_code == 1 and "conflict" in result.output
    assert good_table.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("id,Tm_K,date\nzif-4-zn,858.0,2026-10-02\n", "provenance"),
        ("id,Tm_K,lab_notebook_id\nzif-4-zn,858.0,NB-3\n", "date"),
        ("id,Tm_K,lab_notebook_id,date\nzif-4-zn,585,NB-3,2026-10-02\n", "°C"),
        ("id,Tm_K,lab_notebook_id,date\nnew-cp,500,NB-4,2026-10-02\n", "required"),
    ],
)
def test_bad_lab_files_write_nothing(
    tmp_path: Path, good_table: Path, text: str, fragment: str
) -> None:
    before = good_table.read_bytes()
    result = runner.invoke(app, ["data", "add", str(_lab(tmp_path, text)),
                                 "--table", str(good_table)])
    assert result.exit_code == 1
    assert fragment in result.output and "nothing written" in result.output
    assert good_table.read_bytes() == before


def test_interrupted_write_leaves_table_intact(
    tmp_path: Path, good_table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = _lab(tmp_path, "id,name,family,metals,Tm_K,meltable,glass_formed,lab_notebook_id,date\n"
                         "new-cp,X,other,Zn,500,yes,unknown,NB-5,2026-10-03\n")
    before = good_table.read_bytes()

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C in the middle of the write

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(KeyboardInterrupt):
        add_measurements(lab, good_table)
    assert good_table.read_bytes() == before
    assert not [p for p in good_table.parent.iterdir() if p.name.endswith(".tmp")]
