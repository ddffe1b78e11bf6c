"""Featurize records without a crystal structure: metal(s) + ligand SMILES (+ optional node data).

Column names follow ``gfa_ml.data.columns`` (``metals``, ``oxidation_states``,
``coordination_number``, ``donor_atoms``, ``dimensionality``, ``ligands``, ``ligand_smiles``,
``linker_fractions``); the singular ``metal`` / ``oxidation_state`` of hand-written CSVs are
accepted too. The shared groups come out of the same functions as for a CIF.
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
from gfa_ml.featurize.ligand import ligand_features
from gfa_ml.featurize.metal import common_oxidation_state, metal_features
from gfa_ml.featurize.registry import record_features, registered_columns
from gfa_ml.featurize.schema import (
    DONOR_LABELS,
    STRUCTURE_GROUPS,
    FeatureRow,
    donor_flags,
    error_row,
    feature_labels,
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


def featurize_record(record: Mapping[str, object]) -> FeatureRow:
    """One record (dict or Series) -> FeatureRow; structure-only groups NaN with the reason."""
    rid = str(_get(record, "id", "name") or "")
    metals = [m for m in split_multi(_get(record, "metals", "metal")) if m]
    bad = [m for m in metals if not elements.is_metal(m)]
    if not metals:
        return error_row(rid, "record has no metal (column 'metals' or 'metal')")
    if bad:
        return error_row(rid, f"not a metal element symbol: {', '.join(bad)}")
    feats: dict[str, float] = {}
    reasons = {g: NO_STRUCTURE for g in STRUCTURE_GROUPS}

    ox = _floats(_get(record, "oxidation_states", "oxidation_state"))
    ox = (ox + [np.nan] * len(metals))[: len(metals)]
    if any(v != v for v in ox):
        ox = [v if v == v else common_oxidation_state(m) for v, m in zip(ox, metals, strict=True)]
        reasons["metal_ox"] = "oxidation state not given; used the most common one"
    feats.update(metal_features(metals, ox))

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
        reasons["lig"] = NO_LIGAND
        feats.update(ligand_features([])[0])
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
    weights = None
    if fractions and len(names) == len(smiles):
        weights = [fractions.get(n, 1.0) for n, parts in zip(names, cells, strict=True)
                   for _ in parts]
    lig, why = ligand_features(canon, weights)
    feats.update(lig)
    species = zip(canon, weights or [1.0] * len(canon), strict=True)
    feats.update(bond_features(metals, ox, donors, species))
    if why:
        reasons["lig"] = why
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
