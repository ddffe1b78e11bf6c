"""The lab template: the suggested materials as measured-table rows waiting for DSC/TGA values.

Every column of the measured table is there (``gfa data validate`` checks them all). What the
structure or record says is filled in — id, name, family, metals, donor atoms, dimensionality,
ligand SMILES, CSD refcode, ``cif_path`` — and what only the lab can say is left empty:
Tm_K, Td_K, Tg_K, ΔHf, heating rate, ``meltable`` (yes if it melts before it decomposes),
``glass_formed``, ``route``, ``lab_notebook_id`` and ``date``. As written the file does not
validate (the required ``meltable`` / ``glass_formed`` are empty, on purpose: a blank is never
a guess); once the lab fills them it does, and ``gfa data add lab.csv`` ingests it. The loop is
suggest → measure → ``gfa data add`` → ``gfa train`` → suggest.

Ligand SMILES of a CIF are the metal-bound linkers the featurizer perceived in that structure
(coordinated form), and the family is the family of its nearest known material: the ``notes``
column says both, so the chemist checks them before adding the row.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from gfa_ml.data.columns import COLUMNS, DIMENSIONALITIES, FAMILIES, NUMERIC
from gfa_ml.featurize.schema import DONOR_LABELS, HALIDE_LABEL
from gfa_ml.structures import core_mof

#: the columns the lab fills in (the rest comes from the structure or record)
TO_FILL = ("Tm_K", "Td_K", "Tg_K", "meltable", "glass_formed", "lab_notebook_id", "date")
#: records columns carried into the template under the measured table's names
_RECORD_COLUMNS = {"oxidation_state": "oxidation_states", "oxidation_states": "oxidation_states",
                   "coordination_number": "coordination_number", "ligands": "ligands",
                   "dimensionality": "dimensionality", "donor_atoms": "donor_atoms",
                   "linker_fractions": "linker_fractions", "formula": "formula"}


def slug(text: str) -> str:
    """A measured-table id from any candidate id (``VEJYUF01_clean`` -> ``vejyuf01-clean``)."""
    s = re.sub(r"[^a-z0-9._()+\-]+", "-", text.lower()).strip("-.")
    return s if s and s[0].isalnum() else f"m-{s}".rstrip("-")


def _unique(ids: list[str], taken: set[str]) -> list[str]:
    """Ids that name no measured material and no other row (``-lab``, ``-lab2`` ... appended)."""
    out = []
    for i in ids:
        new, n = i, 1
        while new in taken:
            new, n = f"{i}-lab{n if n > 1 else ''}", n + 1
        taken.add(new)
        out.append(new)
    return out


def _text(row: pd.Series, col: str) -> str:
    v = row.get(col, "")
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()


def _donors(row: pd.Series) -> str:
    """Donor elements from the node flags; '' when a halide is bound (which one is not known)."""
    if row.get(HALIDE_LABEL, 0) == 1:
        return ""
    return ";".join(d.removeprefix("node_donor_") for d in DONOR_LABELS
                    if row.get(d, 0) == 1)


def _dimensionality(row: pd.Series) -> str:
    v = pd.to_numeric(row.get("net_dim", np.nan), errors="coerce")
    dim = f"{int(v)}D" if np.isfinite(v) and float(v).is_integer() else ""
    return dim if dim in DIMENSIONALITIES else ""


def _structure(cid: str, source: str) -> tuple[str, str, str]:
    """(csd_refcode, cif_path, note) of a candidate from its source."""
    if source.startswith(core_mof.SOURCE_PREFIX):
        return core_mof.refcode_base(cid), f"{source}/{cid}", ""
    if source.lower().endswith((".cif", ".cif.gz")):
        if "#" in cid:
            return "", "", f"structure: data block {cid.split('#', 1)[1]} of {source}"
        return "", source, ""
    return "", "", ""


def lab_template(suggestions: pd.DataFrame, features: pd.DataFrame, table: pd.DataFrame,
                 note: str) -> pd.DataFrame:
    """One measured-table row per suggestion (see module docstring); ``note`` says which round
    suggested it (strategy, date, MLflow run)."""
    taken = set(table.index.astype(str)) | set(table.get("id", pd.Series(dtype=str)).astype(str))
    ids = _unique([slug(str(i)) for i in suggestions["id"]], taken)
    rows = []
    for new_id, (_, s) in zip(ids, suggestions.iterrows(), strict=True):
        f = features.loc[s["id"]]
        record = bool(_text(f, "ligand_smiles"))
        refcode, cif_path, where = _structure(str(s["id"]), str(s["source"]))
        row = dict.fromkeys(COLUMNS, "")
        row.update(id=new_id, name=str(s["id"]), metals=_text(f, "metals"),
                   family=s["family"] if s["family"] in FAMILIES else "other",
                   donor_atoms=_donors(f), dimensionality=_dimensionality(f),
                   ligand_smiles=_text(f, "ligand_smiles") or _text(f, "linkers"),
                   csd_refcode=refcode, cif_path=cif_path)
        if record:
            row.update({dst: _text(f, src) for src, dst in _RECORD_COLUMNS.items()
                        if _text(f, src)})
        checks = ([] if record else
                  ["ligand_smiles are the metal-bound linkers perceived in the CIF"])
        if s["family"]:
            checks.append(f"family from its nearest known material ({s['nearest_known']})")
        row["notes"] = "; ".join(p for p in (
            f"{note}; P(melts before decomposing) {s['p_meltable']:.2f}", where,
            f"check: {', '.join(checks)}" if checks else "") if p)
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    for col in NUMERIC:
        out[col] = np.nan
    return out


def round_note(strategy: str, run_id: str = "") -> str:
    """``suggested by gfa suggest (balanced, 2026-05-01, MLflow run ab12...)``."""
    run = f", MLflow run {run_id}" if run_id else ""
    return f"suggested by gfa suggest ({strategy}, {date.today().isoformat()}{run})"
