"""Screening benchmark: the curated known list (real CoRE ids, evidence on every row) and the
rank / enrichment / bar arithmetic on a small ranking built from real CoRE 2019-ASR ids."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from gfa_ml.config import get_settings
from gfa_ml.screen import enrichment as en
from gfa_ml.structures import core_mof

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def known() -> pd.DataFrame:
    return en.load_known()


def test_known_list_ids_are_core_2019_asr_structures_with_evidence(known):
    names = set(core_mof.list_names("2019-ASR"))
    assert set(known["core_id"]) <= names, sorted(set(known["core_id"]) - names)
    # the anchors, on the right side
    melts = known.set_index("core_id")["melts"]
    assert melts["VEJYUF01_clean"] == "yes"  # ZIF-4
    assert melts["FAWCEN03_SL"] == "no" and melts["OFERUN_clean"] == "no"  # ZIF-8
    assert melts["VELVIS_clean"] == "no"  # ZIF-7
    assert (known["melts"] == "yes").sum() >= 10 and (known["melts"] == "no").sum() >= 20
    # a measured-table id agrees with that table's label
    measured = pd.read_csv(get_settings().paths.measured_csv).set_index("id")["meltable"]
    linked = known.dropna(subset=["measured_id"])
    assert set(linked["measured_id"]) <= set(measured.index)
    assert (linked["melts"].to_numpy() == measured[linked["measured_id"]].to_numpy()).all()


def test_a_row_without_evidence_is_refused(known, tmp_path):
    bad = known.copy()
    bad.loc[0, ["source_doi", "source_url"]] = pd.NA
    path = tmp_path / "known.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(pandera.errors.SchemaError, match="source_doi"):
        en.load_known(path)


def _ranking(known: pd.DataFrame) -> pd.DataFrame:
    """200 real CoRE ids: six listed structures at chosen ranks, the rest filler."""
    placed = {  # id: (rank, p_meltable, Tm_K, Td_K)
        "VEJYUF01_clean": (2, 0.9, 860.0, 900.0),    # ZIF-4, measured
        "VEJYUF02_clean": (5, 0.85, 860.0, 700.0),   # ZIF-4, measured; Td < Tm
        "GIZJOP_clean": (30, 0.6, 860.0, 950.0),     # Zn(Im)2, inferred
        "FAWCEN03_SL": (4, 0.2, 520.0, 690.0),       # ZIF-8, stated
        "OFERUN_clean": (150, 0.01, 520.0, 690.0),   # ZIF-8, stated
        "VELVIS_clean": (190, 0.05, 490.0, 660.0),   # ZIF-7, stated
    }
    filler = [n for n in core_mof.list_names("2019-ASR") if n not in set(known["core_id"])]
    free = [r for r in range(1, 201) if r not in {v[0] for v in placed.values()}]
    rows = [dict(id=i, rank=r, p_meltable=p, Tm_K=tm, Td_K=td)
            for i, (r, p, tm, td) in placed.items()]
    for k, (name, r) in enumerate(zip(filler, free, strict=False)):
        rows.append(dict(id=name, rank=r, p_meltable=0.9 if k < 97 else 0.1, Tm_K=600.0,
                         Td_K=800.0))
    return pd.DataFrame(rows).sort_values("rank", ignore_index=True)


def test_enrichment_medians_and_bars_on_a_small_real_ranking(known):
    ranked = _ranking(known)
    bench = en.benchmark(ranked, known)
    assert bench.n_ranked == 200
    loc = bench.located.set_index("core_id")
    assert loc.loc["VEJYUF02_clean", "percentile"] == pytest.approx(2.5)
    assert loc["rank"].notna().sum() == 6  # every other listed entry: not ranked, NaN

    e = bench.enrichment.set_index(["melts", "top"])
    # top 1 % = ranks 1-2: one of three ranked melters, no non-melter
    assert e.loc[("yes", 0.01), "found"] == 1
    assert e.loc[("yes", 0.01), "enrichment"] == pytest.approx((1 / 3) / 0.01)
    assert e.loc[("no", 0.01), "found"] == 0
    # top 5 % = ranks 1-10: two melters, one non-melter (FAWCEN03 at 4)
    assert e.loc[("yes", 0.05), "enrichment"] == pytest.approx((2 / 3) / 0.05)
    assert e.loc[("no", 0.05), "enrichment"] == pytest.approx((1 / 3) / 0.05)

    g = bench.groups.set_index("group")
    assert g.loc["Zn(Im)2 polymorph", "median_rank"] == 5
    assert g.loc["ZIF-8", "median_rank"] == 77  # (4 + 150) / 2
    assert g.loc["ZIF-7", "ranked"] == 1 and g.loc["ZIF-7", "listed"] == 4

    median_bar, non_bar = bench.bars
    assert median_bar.passed and "median rank 5 of 3" in median_bar.measured
    # ZIF-8 FAWCEN03 sits above the melters' median (4 < 5): the non-melter bar fails
    assert not non_bar.passed and non_bar.measured.startswith("1 of 3")
    # measured/stated labels only: the melters' median is 3.5, FAWCEN03 (4) is below it
    assert [b.passed for b in bench.bars_strong] == [True, True]


def test_benchmark_script_writes_report_and_figure(known, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "screen_enrichment", ROOT / "benchmarks" / "screen_enrichment.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    _ranking(known).to_csv(tmp_path / "ranked.csv", index=False)
    md, png = tmp_path / "bench.md", tmp_path / "bench.png"
    assert script.main(["--ranked", str(tmp_path), "--md", str(md), "--figure", str(png)]) == 0
    text = md.read_text()
    assert "PASS: Zn(Im)2 polymorph median rank inside the top 5%" in text
    assert "In-sample" in text
    assert "FAIL: known non-melters ranked below that median" in text
    assert png.stat().st_size > 10_000
    empty = tmp_path / "empty"
    empty.mkdir()
    assert script.main(["--ranked", str(empty), "--md", str(md), "--figure", str(png)]) == 1
