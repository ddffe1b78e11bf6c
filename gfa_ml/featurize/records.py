"""Featurize records without a crystal structure: metal(s) + ligand SMILES (+ optional node data).

Column names follow ``gfa_ml.data.columns`` (``metals``, ``oxidation_states``,
``coordination_number``, ``donor_atoms``, ``dimensionality``, ``ligands``, ``ligand_smiles``,
``linker_fractions``); the singular ``metal`` / ``oxidation_state`` of hand-written CSVs are
accepted too. The shared groups come out of the same functions as for a CIF.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from gfa_ml.data.columns import parse_linker_fractions, split_multi
from gfa_ml.featurize import elements
from gfa_ml.featurize.ligand import LigandError, ligand_features
from gfa_ml.featurize.metal import common_oxidation_state, metal_features
from gfa_ml.featurize.schema import (
    DONOR_LABELS,
    STRUCTURE_GROUPS,
    FeatureRow,
    donor_flags,
    error_row,
    feature_labels,
)

NO_STRUCTURE = "needs a crystal structure (record has no CIF)"


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


def _canonical(smiles: str) -> str:
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise LigandError(f"RDKit cannot read ligand SMILES {smiles!r}")
    return Chem.MolToSmiles(mol)


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
    if donor_cell is None:
        feats.update(dict.fromkeys(DONOR_LABELS, np.nan))
    else:
        feats.update(donor_flags(set(re.findall(r"[A-Z][a-z]?", str(donor_cell)))))
    if not cn or donor_cell is None:
        reasons["node"] = "coordination number and/or donor atoms not given in the record"

    dim = _get(record, "dimensionality")
    match = re.match(r"\s*([0-3])", str(dim)) if dim is not None else None
    feats["net_dim"] = float(match.group(1)) if match else np.nan
    if not match:
        reasons["net"] = "dimensionality not given in the record"

    smiles = split_multi(_get(record, "ligand_smiles"))
    names = split_multi(_get(record, "ligands"))
    fractions = parse_linker_fractions(_get(record, "linker_fractions"))
    try:
        canon = [_canonical(s) for s in smiles]
    except LigandError as exc:
        return error_row(rid, str(exc))
    weights = None
    if fractions and len(names) == len(smiles):
        weights = [fractions.get(n, 1.0) for n in names]
    lig, why = ligand_features(canon, weights)
    feats.update(lig)
    if why:
        reasons["lig"] = why if smiles else "no ligand SMILES in the record"
    return FeatureRow(id=rid, features=feats, nan_reasons=reasons)


def featurize_records(df: pd.DataFrame) -> pd.DataFrame:
    """Measured-table rows -> one feature row each (``id``, features, status, error)."""
    rows = []
    for rec in df.to_dict(orient="records"):
        try:
            row = featurize_record(rec)
        except Exception as exc:  # noqa: BLE001 - one bad record never stops the table
            row = error_row(str(rec.get("id", "")), f"{type(exc).__name__}: {exc}")
        rows.append(row.as_record())
    out = pd.DataFrame(rows, columns=["id", *feature_labels(), "status", "error", "nan_reasons"])
    return out
