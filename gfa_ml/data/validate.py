"""Validate measured-format tables: typed records at the edge, then physical checks.

Every problem is one line naming file, row (the CSV line number, header = line 1), column and
what is wrong, so a chemist can fix the spreadsheet directly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import (
    BaseModel,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pymatgen.core.periodic_table import Element
from rdkit import Chem, RDLogger

from gfa_ml.config import ValidationLimits, get_settings
from gfa_ml.data.columns import (
    COLUMNS,
    DIMENSIONALITIES,
    FAMILIES,
    LABEL_STRENGTHS,
    REQUIRED,
    ROUTES,
    TEMPERATURES,
    TRISTATE,
    parse_linker_fractions,
    split_multi,
)
from gfa_ml.data.measured import non_numeric_cells, read_measured_csv

RDLogger.DisableLog("rdApp.*")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._()+\-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXCLUDED_REQUIRED = ("id", "name", "family")
#: columns with a closed vocabulary: (allowed values, may the cell be empty)
_CHOICES = {
    "dimensionality": (DIMENSIONALITIES, True), "route": (ROUTES, True),
    "meltable": (TRISTATE, False), "glass_formed": (TRISTATE, False),
    "label_strength": (LABEL_STRENGTHS, True),
}
# a Tg/Tm below this (in kelvin) is not seen in any glass former: the numbers are likely in °C
_MIN_TG_OVER_TM = 0.5
#: a value below 0 °C here is most likely a Celsius number (a glass transition below 0 °C is
#: possible, so Tg_K is left out)
CELSIUS_HINT_COLUMNS = ("Tm_K", "Td_K")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int  # CSV line number (header is line 1); 0 = whole file
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        return f"{where}: {self.column}: {self.message}"


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""


class MeasuredRecord(BaseModel):
    """One row of the measured table, typed. Field validators raise with a chemist's wording."""

    model_config = {"extra": "ignore"}

    id: str
    name: str
    family: str
    metals: str
    oxidation_states: str = ""
    coordination_number: str = ""
    dimensionality: str = ""
    ligands: str = ""
    ligand_smiles: str = ""
    linker_fractions: str = ""
    route: str = ""
    meltable: str
    glass_formed: str
    label_strength: str = ""
    source_doi: str = ""
    lab_notebook_id: str = ""
    date: str = ""
    Tm_K: float | None = None
    Td_K: float | None = None
    Tg_K: float | None = None
    dHf_kJ_mol: float | None = None
    heating_rate_K_min: float | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError(f"id {v!r} must be a lowercase slug (letters, digits, - . ( ) +)")
        return v

    @field_validator("family")
    @classmethod
    def _family(cls, v: str) -> str:
        if v not in FAMILIES:
            raise ValueError(f"unknown family {v!r}; use one of {', '.join(FAMILIES)}")
        return v

    @field_validator("metals")
    @classmethod
    def _metals(cls, v: str) -> str:
        parts = split_multi(v)
        if not parts:
            raise ValueError("no metal given")
        for sym in parts:
            if not Element.is_valid_symbol(sym):
                raise ValueError(f"unknown element {sym!r}")
        return v

    @field_validator("oxidation_states", "coordination_number")
    @classmethod
    def _ints(cls, v: str) -> str:
        for part in split_multi(v):
            try:
                int(part)
            except ValueError:
                raise ValueError(f"{part!r} is not a whole number") from None
        return v

    @field_validator("dimensionality", "route", "meltable", "glass_formed", "label_strength")
    @classmethod
    def _choice(cls, v: str, info: ValidationInfo) -> str:
        allowed, may_be_empty = _CHOICES[info.field_name]
        if (v or not may_be_empty) and v not in allowed:
            label = f"{info.field_name} " if info.field_name in ("dimensionality", "route") else ""
            empty = " (or empty)" if info.field_name == "label_strength" else ""
            raise ValueError(f"{label}{v!r} must be one of {', '.join(allowed)}{empty}")
        return v

    @field_validator("ligand_smiles")
    @classmethod
    def _smiles(cls, v: str) -> str:
        for smi in split_multi(v):
            if Chem.MolFromSmiles(smi) is None:
                raise ValueError(f"RDKit cannot parse SMILES {smi!r}")
        return v

    @field_validator("linker_fractions")
    @classmethod
    def _fractions(cls, v: str) -> str:
        try:
            fr = parse_linker_fractions(v)
        except ValueError:
            raise ValueError(f"{v!r} is not like 'Im=1.75;bIm=0.25'") from None
        if any(x < 0 for x in fr.values()):
            raise ValueError("negative linker fraction")
        return v

    @field_validator("date")
    @classmethod
    def _date(cls, v: str) -> str:
        if v and not _DATE_RE.match(v):
            raise ValueError(f"date {v!r} must be YYYY-MM-DD")
        return v

    @model_validator(mode="after")
    def _aligned(self) -> MeasuredRecord:
        n_metals = len(split_multi(self.metals))
        for col in ("oxidation_states", "coordination_number"):
            n = len(split_multi(getattr(self, col)))
            if n and n != n_metals:
                raise ValueError(f"{col}: {n} values for {n_metals} metals")
        n_lig, n_smi = len(split_multi(self.ligands)), len(split_multi(self.ligand_smiles))
        if n_lig and n_smi and n_lig != n_smi:
            raise ValueError(f"ligand_smiles: {n_smi} SMILES for {n_lig} ligand names")
        if self.label_strength and self.meltable == "unknown":
            raise ValueError("label_strength: given for a meltable label that is unknown")
        if not self.label_strength and self.meltable != "unknown" and not self.lab_notebook_id:
            raise ValueError("label_strength: how is the meltable label supported? "
                             f"({' / '.join(LABEL_STRENGTHS)})")
        return self


def _physical(rec: dict[str, object], limits: ValidationLimits) -> list[tuple[str, str]]:
    """Physical sanity checks on one row; returns (column, message) pairs."""
    out: list[tuple[str, str]] = []
    t = {c: rec.get(c) for c in TEMPERATURES}
    t = {c: (None if _blank(v) else float(v)) for c, v in t.items()}  # type: ignore[arg-type]
    for col, val in t.items():
        if val is None:
            continue
        if not limits.t_min_K <= val <= limits.t_max_K:
            hint = ""
            if val < limits.t_min_K:
                hint = f"; if this is °C it is {val + 273.15:.2f} K"
            out.append((col, f"{val:g} K is outside {limits.t_min_K:g}-{limits.t_max_K:g} K{hint}"))
        elif col in CELSIUS_HINT_COLUMNS and val < limits.celsius_hint_below_K:
            out.append(
                (col, f"{val:g} K is below 0 °C, which looks like °C: did you mean "
                      f"{val + 273.15:.2f} K?")
            )
    tm, td, tg = t["Tm_K"], t["Td_K"], t["Tg_K"]
    if tg is not None and tm is not None:
        if tg >= tm:
            out.append(("Tg_K", f"Tg {tg:g} K is not below Tm {tm:g} K"))
        elif tg / tm < _MIN_TG_OVER_TM:
            out.append(
                ("Tg_K", f"Tg/Tm = {tg / tm:.2f} is far below any known glass former; were Tg "
                         f"and Tm entered in °C? (in K: {(tg + 273.15) / (tm + 273.15):.2f})")
            )
    melt = rec.get("meltable")
    if tm is not None and td is not None:
        if melt == "yes" and tm >= td:
            out.append(("meltable", f"marked meltable but Tm {tm:g} K is not below Td {td:g} K"))
        if melt == "no" and tm < td:
            out.append(("meltable", f"marked not meltable but Tm {tm:g} K is below Td {td:g} K"))
    dhf = rec.get("dHf_kJ_mol")
    if not _blank(dhf) and float(dhf) <= 0:  # type: ignore[arg-type]
        out.append(("dHf_kJ_mol", f"enthalpy of fusion must be > 0 (got {dhf})"))
    out.extend(_provenance(rec))
    return out


def _provenance(rec: dict[str, object]) -> list[tuple[str, str]]:
    """A literature row needs a DOI, or a URL with a citation (journal, year), and a location;
    a lab row needs its notebook id. A row excluded for want of a citation keeps its URL."""
    doi, url, cite = (not _blank(rec.get(c)) for c in ("source_doi", "source_url", "citation"))
    if not _blank(rec.get("lab_notebook_id")) and not (doi or url):
        return []
    if not (doi or url):
        return [("source_doi", "no provenance: give source_doi, source_url + citation, or "
                               "lab_notebook_id")]
    out = []
    if url and not doi and not cite and _blank(rec.get("exclude_reason")):
        out.append(("citation", "a source_url without a DOI needs a citation (journal, year)"))
    if _blank(rec.get("source_location")):
        out.append(("source_location", "where in the source was the value read? (table, "
                                       "section, abstract)"))
    return out


def validate_frame(
    df: pd.DataFrame, file: str, required_columns: tuple[str, ...] = tuple(COLUMNS)
) -> list[Problem]:
    """All problems in a measured-format frame (empty list = clean)."""
    limits = get_settings().limits
    missing = [c for c in required_columns if c not in df.columns]
    if missing:
        return [Problem(file, 0, c, "required column is missing") for c in missing]
    problems: list[Problem] = []
    for i, row in enumerate(df.to_dict("records")):
        line = i + 2
        rec = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        # an excluded row is kept for the record (a series, an uncitable page): it needs an
        # identity, not the chemistry a model would train on
        excluded = not _blank(rec.get("exclude_reason"))
        for col in _EXCLUDED_REQUIRED if excluded else REQUIRED:
            if col in rec and _blank(rec[col]):
                problems.append(Problem(file, line, col, "required value is empty"))
        try:
            MeasuredRecord.model_validate(
                {k: v for k, v in rec.items() if v is not None and not (excluded and _blank(v))})
        except ValidationError as exc:
            for err in exc.errors():
                col = str(err["loc"][0]) if err["loc"] else "row"
                msg = str(err["msg"]).removeprefix("Value error, ")
                if col == "row" and ":" in msg:
                    col, msg = (s.strip() for s in msg.split(":", 1))
                if err["type"] == "missing":
                    continue  # reported above as an empty required value
                problems.append(Problem(file, line, col, msg))
        problems.extend(Problem(file, line, c, m) for c, m in _physical(rec, limits))
    key_cols = [c for c in ("id", "source_doi", "lab_notebook_id") if c in df.columns]
    dup = df.duplicated(subset=key_cols, keep="first")
    for i in df.index[dup]:
        pos = df.index.get_loc(i)
        problems.append(
            Problem(file, int(pos) + 2, "id", f"duplicate row for {df.at[i, 'id']!r} from the "
                                              "same source")
        )
    return problems


def validate_file(path: str | Path) -> list[Problem]:
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        return [Problem(str(path), 0, "file", f"cannot read CSV: {exc}".splitlines()[0])]
    text_in_numbers = [
        Problem(str(path), pos + 2, col, f"{val!r} is not a number (kelvin/kJ mol-1 expected)")
        for pos, col, val in non_numeric_cells(raw)
    ]
    return text_in_numbers + validate_frame(read_measured_csv(path), str(path))
