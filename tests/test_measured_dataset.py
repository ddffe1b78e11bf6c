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


def test_data_card_counts_match_the_summary_command() -> None:
    from gfa_ml.data.summary import card_block, card_markdown

    card = (get_settings().paths.datasets / "README.md").read_text()
    train = training_table(load_measured(get_settings().paths.measured_csv))
    assert card_block(card) == card_markdown(train)
    result = runner.invoke(app, ["data", "summary", "--markdown"])
    assert result.exit_code == 0 and card_markdown(train) in result.output


def test_literature_sheet_grows_the_table_past_the_bars(train) -> None:
    assert len(train) >= 150
    assert (train["meltable"] == "no").sum() >= 35
    labelled = train[train["meltable"].isin(["yes", "no"])]
    assert labelled["label_strength"].isin(["measured", "stated", "inferred"]).all()
    for _, row in train.iterrows():  # every usable row is traceable
        assert row["source_doi"] or (row["source_url"] and row["citation"]), row.name
        assert row["source_location"].strip(), row.name


def test_celsius_and_kelvin_as_printed_convert_right(train) -> None:
    # [PPh4][Cu3I4]: the abstract (Molecules 2025, 30, 543) prints Tm ~255 °C
    assert train.loc["pph4-cu3i4", "Tm_K"] == pytest.approx(255 + 273.15)
    assert train.loc["pph4-cu3i4", "family"] == "hybrid-metal-halide"
    # the [2]Tf2N Ni(II) chelate ionic liquid: printed in kelvin, 352.7 K, kept as printed
    assert train.loc["ni-acac-me3-mopen-tf2n", "Tm_K"] == pytest.approx(352.7)


def test_inferred_negative_is_carried_into_training_and_reported(train) -> None:
    from gfa_ml.evaluation.cv import ModelSpec, cross_validate
    from gfa_ml.evaluation.protocol import Study
    from gfa_ml.evaluation.report import strength_lines
    from gfa_ml.models.targets import TARGETS
    from gfa_ml.models.training_data import FeatureSource, build_training_set

    # MOF-177 (J. Phys. Chem. Lett. 2009): the page describes decomposition, not melting
    assert (train.loc["mof-177", "meltable"], train.loc["mof-177", "label_strength"]) == (
        "no", "inferred")
    ts = build_training_set(TARGETS["meltable"], train, None, FeatureSource())
    pos = ts.X.index.get_loc("mof-177")
    assert ts.strength.iloc[pos] == "inferred"
    assert ts.weight[pos] == get_settings().models.label_weights["inferred"]
    assert ts.weight[ts.X.index.get_loc("zif-4-zn")] == 1.0
    res = cross_validate(ModelSpec("dummy"), ts, ts.folds("grouped", write=False), trials=0)
    n_inferred = int((ts.strength == "inferred").sum())
    n_firm = int(ts.strength.isin(["measured", "stated"]).sum())
    lines = "\n".join(strength_lines(Study(results=[res])))
    assert f"| grouped | dummy | measured only | {n_firm} |" in lines
    assert f"| {n_inferred} |" in lines


def test_literature_row_ranks_below_the_seed_row_for_one_material() -> None:
    """ZIF-62: the Chem. Rev. table (Tm 437 °C) and an abstract-only paper (Tm 713 K) merge to
    the review's value, the other kept side by side in notes with its URL and citation."""
    import pandas as pd

    from gfa_ml.data.curate import merge_sources
    from gfa_ml.data.measured import read_measured_csv

    sheets = get_settings().paths.datasets / "measured" / "curation"
    seed = read_measured_csv(sheets / "seed003.csv")
    lit = read_measured_csv(sheets / "literature.csv")
    seed_row = seed[seed["id"] == "zif-62-zn"]
    lit_row = lit[lit["id"] == "zif-62-zn-peng"].assign(
        id="zif-62-zn", exclude_reason="", citation="Peng et al. (abstract)")
    merged = merge_sources([lit_row, seed_row]).set_index("id").loc["zif-62-zn"]
    assert merged["Tm_K"] == pytest.approx(710.15)
    assert merged["source_doi"] == "10.1021/acs.chemrev.1c00826"
    assert "Tm_K=713" in merged["notes"] and lit_row["source_url"].iloc[0] in merged["notes"]
    assert not pd.isna(merged["Tg_K"])
