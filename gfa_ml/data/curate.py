"""Merge the per-source curation sheets into the one-row-per-material measured table.

Policy for a material reported by several seed papers: the row from the highest-ranked source
wins (a primary research article over a review with tables over a secondary review); blank
cells of the winner are filled from the next source, and ``source_location`` names the source
of each filled column, so every number stays traceable to a DOI and a location.
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


# descriptive columns a lower-ranked source may fill when the winner left them blank
_FILLABLE_TEXT = ("formula", "oxidation_states", "coordination_number", "donor_atoms",
                  "dimensionality", "linker_fractions", "csd_refcode", "cif_path", "route")


def _rank(doi: str) -> int:
    return SOURCE_RANK.get(str(doi).strip(), 5)


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
            if filled:
                best["source_location"] = (
                    f"{best['source_location']}; {', '.join(filled)} from {other['source_doi']} "
                    f"{other['source_location']}"
                )
            alt = [f"{c}={other[c]:g}" for c in NUMERIC
                   if c not in filled and not pd.isna(other[c]) and other[c] != best[c]]
            if alt:
                best["notes"] = (f"{best['notes']} | also reported in {other['source_doi']} "
                                 f"({other['source_location']}): {', '.join(alt)}").strip(" |")
        merged.append(best)
    out = pd.DataFrame(merged)[list(COLUMNS)]
    return out.sort_values(["family", "id"]).reset_index(drop=True)


def build_measured(curation_dir: Path | None = None, out: Path | None = None) -> pd.DataFrame:
    paths = get_settings().paths
    curation_dir = curation_dir or paths.datasets / "measured" / "curation"
    out = out or paths.measured_csv
    frames = [read_measured_csv(p)[list(COLUMNS)] for p in sorted(curation_dir.glob("*.csv"))]
    if not frames:
        raise FileNotFoundError(f"no curation sheets in {curation_dir}")
    merged = merge_sources(frames)
    write_csv_atomic(merged, out)
    return merged
