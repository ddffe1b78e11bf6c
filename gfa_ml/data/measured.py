"""Load the curated measured table and derive the training view of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.data.columns import COLUMNS, NUMERIC

#: columns added after the first release of the table; older tables read with them blank
_LATER_COLUMNS = ("label_strength", "source_url", "citation")


def non_numeric_cells(df: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(row position, column, text) of numeric-column cells that are not numbers."""
    bad = []
    for col in NUMERIC:
        if col not in df.columns:
            continue
        raw = df[col].astype(str).str.strip()
        parsed = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
        for pos in np.flatnonzero(parsed.isna().to_numpy() & (raw != "").to_numpy()):
            bad.append((int(pos), col, str(raw.iloc[pos])))
    return bad


def read_measured_csv(path: str | Path) -> pd.DataFrame:
    """Read a measured-format CSV as strings + floats, without pandas' type guessing.

    Text in a numeric column becomes NaN here; ``non_numeric_cells`` on the raw strings
    (``pd.read_csv(path, dtype=str)``) reports it, which validation does.
    """
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in NUMERIC:
        if col in df.columns:
            raw = df[col].str.strip()
            df[col] = pd.to_numeric(raw.where(raw != "", None), errors="coerce")
    return df


def _read_table(path: Path) -> pd.DataFrame:
    df = read_measured_csv(path)
    for col in _LATER_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(missing)}")
    return df[list(COLUMNS)]


def load_measured(path: str | Path | None = None) -> pd.DataFrame:
    """Measured rows in contract column order.

    Default: the curated literature table plus the lab additions (``gfa data add``); with
    ``path``, that one file only.
    """
    if path:
        return _read_table(Path(path))
    paths = get_settings().paths
    frames = [_read_table(paths.measured_csv)]
    if paths.lab_csv.exists():
        frames.append(_read_table(paths.lab_csv))
    return pd.concat(frames, ignore_index=True)


def training_table(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per usable material: excluded rows dropped, repeated measurements merged.

    Several sources for one material (a lab re-measurement kept side by side with the
    literature value) are merged by the median of each numeric column; ``n_sources`` records
    how many rows went in. Tg/Tm is computed here, in kelvin, never taken from a source.
    """
    df = load_measured() if df is None else df
    usable = df[df["exclude_reason"].fillna("").str.strip() == ""].copy()
    agg: dict[str, str] = {c: "first" for c in usable.columns if c not in NUMERIC and c != "id"}
    agg.update({c: "median" for c in NUMERIC})
    out = usable.groupby("id", sort=False).agg(agg)
    out["n_sources"] = usable.groupby("id", sort=False).size()
    out["Tg_over_Tm"] = out["Tg_K"] / out["Tm_K"]
    out.index.name = "id"
    return out
