"""Merge the per-source curation sheets into the one-row-per-material measured table.

Policy for a material reported by several sources: the row from the highest-ranked source
wins (a primary research article read in full over a review with tables over a secondary review
over a paper read only from its abstract or landing page, the literature sheet); blank cells of
the winner are filled from the next source, and ``source_location`` names the source of each
filled column, so every number stays traceable to a DOI (or URL + citation) and a location.
Values that disagree stay side by side: the loser's go to ``notes``, never into an average.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.data.columns import COLUMNS, NUMERIC
from gfa_ml.data.measured import read_measured_csv
from gfa_ml.io.atomic import write_csv_atomic

# lower = preferred. Primary articles, then the Chem. Rev. with its tables, then the CCR review.
SOURCE_RANK: dict[str, int] = {
    "10.1021/jacs.3c12296": 0,  # Dong et al., JACS 2024 (Cu4I4 phosphine cluster glasses)
    "10.1002/anie.202405307": 0,  # Xue et al., Angew. Chem. 2024 (ZIF milling)
    "10.1021/jacs.3c13065": 0,  # Lu et al., JACS 2024 (Cu2Au2 clusters)
    "10.1021/acs.chemrev.1c00826": 1,  # Ma & Horike, Chem. Rev. 2022
    "10.1016/j.ccr.2026.217691": 2,  # Pei, Zeng, Chen, Coord. Chem. Rev. 2026
}
#: any other source: the literature sheet's papers, read from abstracts and landing pages only
#: (no tables, no SI), so they rank below the seed papers' tables and text
LITERATURE_RANK = 3


# descriptive columns a lower-ranked source may fill when the winner left them blank
_FILLABLE_TEXT = ("formula", "oxidation_states", "coordination_number", "donor_atoms",
                  "dimensionality", "linker_fractions", "csd_refcode", "cif_path", "route")


def _rank(doi: str) -> int:
    return SOURCE_RANK.get(str(doi).strip(), LITERATURE_RANK)


def _cite(row: pd.Series) -> str:
    """The source as a reader finds it: the DOI, else the citation and URL."""
    return str(row["source_doi"]).strip() or f"{row['citation']} <{row['source_url']}>"


def merge_sources(frames: list[pd.DataFrame]) -> pd.DataFrame:
    rows = pd.concat(frames, ignore_index=True)
    rows["_rank"] = rows["source_doi"].map(_rank)
    rows = rows.sort_values(["_rank"], kind="stable")
    merged = []
    for _, grp in rows.groupby("id", sort=False):
        best = grp.iloc[0].copy()
        for _, other in grp.iloc[1:].iterrows():
            filled = []
            for col in NUMERIC:
                if pd.isna(best[col]) and not pd.isna(other[col]):
                    best[col] = other[col]
                    filled.append(col)
            for col in _FILLABLE_TEXT:
                if not str(best[col]).strip() and str(other[col]).strip():
                    best[col] = other[col]
            if best["meltable"] == "unknown" and other["meltable"] in ("yes", "no"):
                best["meltable"], best["label_strength"] = other["meltable"], other[
                    "label_strength"]
                filled.append("meltable")
            if filled:
                best["source_location"] = (
                    f"{best['source_location']}; {', '.join(filled)} from {_cite(other)} "
                    f"{other['source_location']}"
                )
            alt = [f"{c}={other[c]:g}" for c in NUMERIC
                   if c not in filled and not pd.isna(other[c]) and other[c] != best[c]]
            if other["meltable"] in ("yes", "no") and other["meltable"] != best["meltable"]:
                alt.append(f"meltable={other['meltable']} ({other['label_strength']})")
            if alt:
                best["notes"] = (f"{best['notes']} | also reported in {_cite(other)} "
                                 f"({other['source_location']}): {', '.join(alt)}").strip(" |")
        merged.append(best)
    out = pd.DataFrame(merged)[list(COLUMNS)]
    return out.sort_values(["family", "id"]).reset_index(drop=True)


def curation_sheets(curation_dir: Path | None = None) -> list[pd.DataFrame]:
    curation_dir = curation_dir or get_settings().paths.datasets / "measured" / "curation"
    frames = [read_measured_csv(p)[list(COLUMNS)] for p in sorted(curation_dir.glob("*.csv"))]
    if not frames:
        raise FileNotFoundError(f"no curation sheets in {curation_dir}")
    return frames


def seed_table(curation_dir: Path | None = None) -> pd.DataFrame:
    """The measured table as the five seed papers alone give it (the sheets whose every row
    cites a seed DOI): the "before" of a data-growth comparison."""
    seeds = [f for f in curation_sheets(curation_dir) if f["source_doi"].isin(SOURCE_RANK).all()]
    return merge_sources(seeds)


def build_measured(curation_dir: Path | None = None, out: Path | None = None) -> pd.DataFrame:
    out = out or get_settings().paths.measured_csv
    merged = merge_sources(curation_sheets(curation_dir))
    write_csv_atomic(merged, out)
    return merged
