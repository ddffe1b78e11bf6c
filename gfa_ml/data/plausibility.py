"""Family-level plausibility of new measurements: a value far outside what the family's
measured materials span is more likely a typing slip (°C entered as K) than a discovery.

Ranges come from the loaded table at run time (curated + lab rows), so they widen as the table
grows; a family with too few measured values is not judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.data.columns import TEMPERATURES

_CELSIUS = 273.15


@dataclass(frozen=True)
class Implausible:
    """One value outside its family's measured range by more than the margin."""

    row: int
    column: str
    message: str


def family_ranges(table: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    """(family, column) -> (lowest, highest) measured value over usable rows."""
    limits = get_settings().limits
    usable = table[table["exclude_reason"].fillna("").astype(str).str.strip() == ""]
    out = {}
    for family, rows in usable.groupby(usable["family"].fillna("").astype(str).str.strip()):
        for col in TEMPERATURES:
            vals = pd.to_numeric(rows[col], errors="coerce").dropna()
            if family and len(vals) >= limits.family_min_values:
                out[(family, col)] = (float(vals.min()), float(vals.max()))
    return out


def implausible(new: pd.DataFrame, table: pd.DataFrame) -> list[Implausible]:
    """Values of ``new`` more than ``family_margin_K`` outside their family's range in ``table``
    (``new`` rows are numbered like the file: header = line 1)."""
    margin = get_settings().limits.family_margin_K
    ranges = family_ranges(table)
    out = []
    for pos, (_, row) in enumerate(new.iterrows()):
        family = str(row.get("family") or "").strip()
        for col in TEMPERATURES:
            val = row.get(col)
            if pd.isna(val) or (family, col) not in ranges:
                continue
            lo, hi = ranges[(family, col)]
            if lo - margin <= val <= hi + margin:
                continue
            as_c = val + _CELSIUS
            hint = (f"; entered in °C? ({as_c:.2f} K)" if lo - margin <= as_c <= hi + margin
                    else "")
            out.append(Implausible(pos + 2, col, (
                f"{val:g} K is more than {margin:g} K outside the {family} family's measured "
                f"{col} range ({lo:g}-{hi:g} K){hint}; use --force if the value is right")))
    return out
