"""``gfa data add``: ingest a lab's new DSC/TGA measurements without ever losing a row.

Validation runs first and nothing is written on any problem. A row for a material already in
the table that disagrees with it is a *conflict*: kept side by side with both sources (default)
or the whole file is refused (``on_conflict="refuse"``). An exact repeat (same source, same
numbers) is skipped; the same number from a new source is a replication and is kept. The table
is rewritten atomically, so an interrupted write leaves the previous version intact.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.data.columns import COLUMNS, NUMERIC
from gfa_ml.data.measured import load_measured, non_numeric_cells, read_measured_csv
from gfa_ml.data.plausibility import implausible
from gfa_ml.data.validate import Problem, validate_frame
from gfa_ml.io.atomic import write_csv_atomic

OnConflict = Literal["keep", "refuse"]
# what a lab row says for itself (its measurement, labels and provenance), never inherited
_OWN = ("id", "source_doi", "source_location", "notes", "lab_notebook_id", "date", "meltable",
        "glass_formed", "label_strength", "source_url", "citation")
# descriptive columns a lab row may leave blank for a material already in the table
_INHERITED = tuple(c for c in COLUMNS if c not in NUMERIC and c not in _OWN)
_TOL = 1e-6
# a new value this close to (known value - 273.15 K) was almost surely typed in °C
_CELSIUS_SLIP_K = 10.0


@dataclass
class Conflict:
    id: str
    column: str
    existing: float
    new: float
    existing_source: str
    new_source: str

    def __str__(self) -> str:
        return (f"{self.id}: {self.column} {self.new:g} ({self.new_source}) differs from "
                f"{self.existing:g} ({self.existing_source})")


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False


def _source(row: pd.Series) -> str:
    return str(row.get("lab_notebook_id") or row.get("source_doi") or "?")


def _inherit(new: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Fill blank descriptive cells of rows for known materials from the table's first row."""
    first = table.drop_duplicates("id").set_index("id")
    new = new.copy()
    for col in _INHERITED:
        blank = new[col].astype(str).str.strip() == ""
        known = new["id"].isin(first.index)
        idx = new.index[blank & known]
        new.loc[idx, col] = new.loc[idx, "id"].map(first[col])
    for col in ("meltable", "glass_formed"):
        blank = new[col].astype(str).str.strip() == ""
        new.loc[blank, col] = "unknown"
    # a lab's own yes/no rests on its own DSC/TGA run
    unrated = (new["label_strength"].astype(str).str.strip() == "") & new["meltable"].isin(
        ["yes", "no"])
    new.loc[unrated, "label_strength"] = "measured"
    return new


def _compare(row: pd.Series, existing: pd.DataFrame) -> tuple[bool, list[Conflict]]:
    """(is exact repeat of some existing row, conflicts against existing rows).

    A repeat has the same source *and* the same numbers: the same value from a new notebook
    entry or paper is an independent replication and is kept.
    """
    given = [c for c in NUMERIC if not pd.isna(row[c])]
    repeat = any(
        _source(old) == _source(row)
        and all(not pd.isna(old[c]) and abs(old[c] - row[c]) <= _TOL for c in given)
        for _, old in existing.iterrows()
    )
    conflicts = [
        Conflict(row["id"], c, float(old[c]), float(row[c]), _source(old), _source(row))
        for _, old in existing.iterrows()
        for c in given
        if not pd.isna(old[c]) and abs(old[c] - row[c]) > _TOL
    ]
    return repeat, conflicts


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan if col in NUMERIC else ""
    return frame[list(COLUMNS)]


def add_measurements(
    new_file: str | Path, table_path: str | Path | None = None, on_conflict: OnConflict = "keep",
    force: bool = False,
) -> AddReport:
    """Validate ``new_file`` and append it to ``table_path`` (default: the lab table).

    Conflicts and repeats are judged against everything known: the curated table and the lab
    table (or ``table_path`` alone when given). A row that repeats a stored row (same id,
    source and numbers: e.g. a row copied from the curated table) is skipped before anything
    else is asked of it. A value far outside its family's measured range is refused unless
    ``force`` (``gfa_ml.data.plausibility``).
    """
    new_file = Path(new_file)
    target = Path(table_path) if table_path else get_settings().paths.lab_csv
    report = AddReport()
    raw = pd.read_csv(new_file, dtype=str, keep_default_na=False)
    name = str(new_file)
    if "id" not in raw.columns:
        report.problems.append(Problem(name, 0, "id", "required column is missing"))
    if not {"source_doi", "lab_notebook_id"} & set(raw.columns):
        report.problems.append(
            Problem(name, 0, "lab_notebook_id", "provenance missing: add lab_notebook_id or "
                                                "source_doi")
        )
    if report.problems:
        return report
    report.problems += [
        Problem(name, pos + 2, col, f"{val!r} is not a number") for pos, col, val in
        non_numeric_cells(raw)
    ]
    if report.problems:
        return report
    table = load_measured(table_path)
    target_rows = load_measured(target) if target.exists() else table.iloc[0:0]
    new = _inherit(_complete(read_measured_csv(new_file)), table)
    repeats = {
        pos for pos, (_, row) in enumerate(new.iterrows())
        if _compare(row, table[table["id"] == row["id"]])[0]
    }
    report.duplicates = [new["id"].iloc[pos] for pos in sorted(repeats)]
    fresh = [pos for pos in range(len(new)) if pos not in repeats]
    if fresh and "date" not in raw.columns:
        report.problems.append(Problem(name, 0, "date", "required column is missing"))
        return report
    for pos in fresh:
        if not str(raw["date"].iloc[pos]).strip():
            report.problems.append(Problem(name, pos + 2, "date", "measurement date is required"))
    new = new.iloc[fresh]

    def file_line(line: int) -> int:  # line in the checked rows -> line in the user's file
        return fresh[line - 2] + 2 if line >= 2 else line

    report.problems += [replace(p, row=file_line(p.row)) for p in validate_frame(new, name)]
    if not force:
        report.problems += [Problem(name, file_line(p.row), p.column, p.message)
                            for p in implausible(new, table)]
    clash = new.merge(table, on=["id", "source_doi", "lab_notebook_id"], how="inner")
    # same material, same source, already present: only allowed as an exact repeat (skipped above)
    if report.problems:
        return report

    keep_rows = []
    for _, row in new.iterrows():
        existing = table[table["id"] == row["id"]]
        if existing.empty:
            keep_rows.append(row)
            report.added.append(row["id"])
            continue
        _, conflicts = _compare(row, existing)
        same_source = clash["id"].eq(row["id"]).any()
        if same_source:
            report.problems.append(
                Problem(name, int(row.name) + 2, "id", f"{row['id']!r} from this source is "
                        "already in the table with other values; give a new lab_notebook_id")
            )
        for c in conflicts:
            if c.column.endswith("_K") and abs(c.existing - (c.new + 273.15)) < _CELSIUS_SLIP_K:
                report.problems.append(Problem(
                    name, int(row.name) + 2, c.column,
                    f"{c.new:g} K is ~273 K below the known {c.existing:g} K for {c.id}: "
                    f"entered in °C? ({c.new + 273.15:.2f} K)"))
        report.conflicts += conflicts
        keep_rows.append(row)
        report.added.append(row["id"])
    if report.problems or (report.conflicts and on_conflict == "refuse"):
        report.added = []
        return report
    if keep_rows:
        out = pd.concat([target_rows, pd.DataFrame(keep_rows)[list(COLUMNS)]], ignore_index=True)
        write_csv_atomic(out, target)
        report.written = True
    return report
