"""Featurize records without a crystal structure: metal(s) + ligand SMILES (+ optional node data).

Column names follow ``gfa_ml.data.columns`` (``metals``, ``oxidation_states``,
``coordination_number``, ``donor_atoms``, ``dimensionality``, ``ligands``, ``ligand_smiles``,
``linker_fractions``, ``formula``); the singular ``metal`` / ``oxidation_state`` of hand-written
CSVs are accepted too, and a metal may carry its state (``Cu(I)``, ``Cu+``, ``Cu2+``). A state not
written comes from the charge balance of the ligands (:mod:`gfa_ml.featurize.record_ions`); a
balance that cannot hold makes the row ``partial`` with the reason. The shared groups come out of
the same functions as for a CIF.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.data.columns import parse_linker_fractions, split_multi
from gfa_ml.featurize import elements
from gfa_ml.featurize.bonding import bond_features
from gfa_ml.featurize.coordinated import LigandError, as_coordinated, can_bind
from gfa_ml.featurize.formula import read_formula
from gfa_ml.featurize.ions import ION_LABELS
from gfa_ml.featurize.ligand import ligand_features
from gfa_ml.featurize.metal import common_oxidation_state, metal_features
from gfa_ml.featurize.oxidation import MetalSpellingError, parse_metal
from gfa_ml.featurize.record_ions import record_ions
from gfa_ml.featurize.registry import record_features, registered_columns
from gfa_ml.featurize.schema import (
    DONOR_LABELS,
    STRUCTURE_GROUPS,
    FeatureRow,
    donor_flags,
    error_row,
    feature_labels,
    one_line,
)

NO_STRUCTURE = "needs a crystal structure (record has no CIF)"
NO_LIGAND = "no ligand SMILES in the record: predicted from the metal alone"
#: a records file needs these columns (``metal`` or ``metals``)
REQUIRED_COLUMNS = ("id", "metal", "ligand_smiles")


class RecordsError(ValueError):
    """A records CSV that cannot be used as a whole (one-line message)."""


def _delimiter(header: str) -> str:
    """',' unless the header line is split by ';' or tabs (spreadsheets in many locales)."""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def read_records(path: Path) -> pd.DataFrame:
    """A records CSV as strings, checked as a whole: raises :class:`RecordsError` when it is
    empty, lacks ``id`` / ``metal`` / ``ligand_smiles`` or repeats an id (nothing is guessed).

    ',', ';' and tab separated files are read alike (the header line decides).
    """
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise RecordsError(f"{path} is empty: write a header line id,metal,ligand_smiles and one "
                           "material per line")
    try:
        df = pd.read_csv(path, sep=_delimiter(lines[0]), dtype=str, keep_default_na=False,
                         encoding="utf-8-sig", skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RecordsError(f"{path}: not a readable CSV ({' '.join(str(exc).split())})") from None
    df.columns = [str(c).strip() for c in df.columns]
    have = {*df.columns, *(["metal"] if "metals" in df.columns else [])}
    missing = [c for c in REQUIRED_COLUMNS if c not in have]
    if missing:
        raise RecordsError(f"{path}: needs the column(s) {', '.join(missing)} (found: "
                           f"{', '.join(df.columns) or 'none'})")
    if df.empty:
        raise RecordsError(f"{path} has a header but no materials")
    ids = df["id"].str.strip()
    if (ids == "").any():
        lines_ = ", ".join(str(i + 2) for i in ids.index[ids == ""][:5])
        raise RecordsError(f"{path}: line(s) {lines_} have no id")
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        first = dup.iloc[0]
        where = ", ".join(str(i + 2) for i in dup.index[dup == first])
        raise RecordsError(f"{path}: id {first!r} is used more than once (lines {where}); "
                           f"{dup.nunique()} repeated id(s) in all: give each material its own id")
    df["id"] = ids
    return df


def _get(record: Mapping[str, object], *names: str) -> object:
    for name in names:
        val = record.get(name)
        if val is not None and not (isinstance(val, float) and val != val) and str(val).strip():
            return val
    return None


def _floats(cell: object) -> list[float]:
    out = []
    for part in split_multi(cell):
        try:
            out.append(float(part.replace("+", "")))
        except ValueError:
            out.append(np.nan)
    return out


def _metals(record: Mapping[str, object]) -> tuple[list[tuple[str, float | None]], str]:
    """The record's metals as (symbol, written oxidation state or None), or an error message.

    A state comes from the metal's spelling (``Cu(I)``, ``Cu+``) or the ``oxidation_states``
    column; the two must agree where both are written."""
    try:
        spelled = [parse_metal(m) for m in split_multi(_get(record, "metals", "metal"))]
    except MetalSpellingError as exc:
        return [], str(exc)
    if not spelled:
        return [], "record has no metal (column 'metals' or 'metal')"
    bad = [m for m, _ in spelled if not elements.is_metal(m)]
    if bad:
        return [], f"not a metal element symbol: {', '.join(bad)}"
    column = _floats(_get(record, "oxidation_states", "oxidation_state"))
    column = (column + [np.nan] * len(spelled))[: len(spelled)]
    out: list[tuple[str, float | None]] = []
    for (symbol, ox), col in zip(spelled, column, strict=True):
        if ox is not None and col == col and ox != col:
            return [], (f"{symbol} is written in oxidation state {ox:+g} and {col:+g} "
                        "(metal column and oxidation_states): write one")
        out.append((symbol, ox if ox is not None else (col if col == col else None)))
    return out, ""


def featurize_record(record: Mapping[str, object]) -> FeatureRow:
    """One record (dict or Series) -> FeatureRow; structure-only groups NaN with the reason."""
    rid = str(_get(record, "id", "name") or "")
    spelled, problem = _metals(record)
    if problem:
        return error_row(rid, problem)
    metals = [m for m, _ in spelled]
    feats: dict[str, float] = {}
    reasons = {g: NO_STRUCTURE for g in STRUCTURE_GROUPS}

    cn = [v for v in _floats(_get(record, "coordination_number")) if v == v]
    feats["node_cn"] = float(np.mean(cn)) if cn else np.nan
    donor_cell = _get(record, "donor_atoms")
    donors = None if donor_cell is None else set(re.findall(r"[A-Z][a-z]?", str(donor_cell)))
    if donors is None:
        feats.update(dict.fromkeys(DONOR_LABELS, np.nan))
    else:
        feats.update(donor_flags(donors))
    if not cn or donor_cell is None:
        reasons["node"] = "coordination number and/or donor atoms not given in the record"

    dim = _get(record, "dimensionality")
    match = re.match(r"\s*([0-3])", str(dim)) if dim is not None else None
    feats["net_dim"] = float(match.group(1)) if match else np.nan
    if not match:
        reasons["net"] = "dimensionality not given in the record"

    smiles = split_multi(_get(record, "ligand_smiles"))
    if not smiles:  # the metal alone still says something; never as if the record were whole
        ox = [common_oxidation_state(m) if v is None else v for m, v in spelled]
        if any(v is None for _, v in spelled):
            reasons["metal_ox"] = "oxidation state not given; used the most common one"
        reasons["lig"] = reasons["ion"] = NO_LIGAND
        feats.update(metal_features(metals, ox))
        feats.update(ligand_features([])[0])
        feats.update(dict.fromkeys(ION_LABELS, np.nan))
        feats.update(bond_features(metals, ox, donors, None))
        return FeatureRow(id=rid, features=feats, status="partial", error=NO_LIGAND,
                          nan_reasons=reasons)
    names = split_multi(_get(record, "ligands"))
    fractions = parse_linker_fractions(_get(record, "linker_fractions"))
    try:
        cells = as_coordinated(smiles)
    except LigandError as exc:
        return error_row(rid, str(exc))
    canon = [s for parts in cells for s in parts]
    if not any(can_bind(s) for s in canon):
        return error_row(rid, f"no ligand can bind a metal ({'; '.join(smiles)}: no N, O, S, "
                              "P, halogen or anionic atom)")
    weights = known = None
    if fractions and len(names) == len(smiles):
        known = [fractions.get(n) for n, parts in zip(names, cells, strict=True) for _ in parts]
        weights = [1.0 if k is None else k for k in known]
    charges = record_ions(spelled, canon, known or [None] * len(canon),
                          read_formula(_get(record, "formula")))
    ox = charges.states
    if charges.problem or charges.note:
        reasons["metal_ox"] = charges.problem or charges.note
    feats.update(metal_features(metals, ox))
    feats.update(charges.ion)
    lig, why = ligand_features(canon, weights)
    feats.update(lig)
    species = zip(canon, weights or [1.0] * len(canon), strict=True)
    feats.update(bond_features(metals, ox, donors, species))
    if why:
        reasons["lig"] = why
    if charges.problem:
        return FeatureRow(id=rid, features=feats, nan_reasons=reasons, status="partial",
                          error=one_line(charges.problem))
    return FeatureRow(id=rid, features=feats, nan_reasons=reasons)


def featurize_records(df: pd.DataFrame) -> pd.DataFrame:
    """Measured-table rows -> one feature row each (``id``, features, status, error); the
    columns of registered featurizers (:mod:`gfa_ml.featurize.registry`) follow the declared
    ones."""
    rows = []
    for rec in df.to_dict(orient="records"):
        try:
            row = featurize_record(rec)
        except Exception as exc:  # noqa: BLE001 - one bad record never stops the table
            row = error_row(str(rec.get("id", "")), f"{type(exc).__name__}: {exc}")
        rows.append({**row.as_record(), **record_features(rec)})
    extra = list(registered_columns())
    return pd.DataFrame(rows, columns=["id", *feature_labels(), *extra, "status", "error",
                                       "nan_reasons"])
