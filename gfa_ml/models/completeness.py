"""A row missing a decisive part of its description is served as ``partial``, never as ``ok``.

Three cases, each with its reason in the row's ``error`` column and the wider interval of
partial rows (:mod:`gfa_ml.models.conformal`):

- **no linker perceived**: a CIF whose metals bind no organic ligand the featurizer could
  perceive (598 of the 10,182 CoRE 2019-ASR rows the featurizer called ok). Their ligand columns
  described whatever organic molecule sat in the cell — often a counter-cation — as if it were
  the linker; they are blanked, so the models answer from metal, node and structure only, as for
  a record without ligand SMILES;
- **no metal node**: a CIF whose metals bond no donor atom (coordination number 0);
- **chemistry the model never saw**: a metal, ligand class or donor element that none of the
  model's labelled training materials has (``ModelMeta.seen``): the model has no evidence at all
  for it, whatever the distance-based domain flag says.

The same marking runs on the Td-proxy training rows (:mod:`gfa_ml.models.training_data`), so a
row is treated alike when trained on and when served.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gfa_ml.data.columns import split_multi
from gfa_ml.featurize.schema import DONOR_LABELS
from gfa_ml.models.identity import LIGAND_CLASSES

NO_LINKER = "no metal-bound organic linker perceived in the CIF (ligand columns left empty)"
NO_NODE = "no metal node: no donor atom bonded to a metal in the CIF"


def _is_cif(X: pd.DataFrame) -> pd.Series:
    """CIF rows: the structure columns exist (a record has them NaN by declaration)."""
    if "struct_n_atoms" not in X.columns:
        return pd.Series(False, index=X.index)
    return pd.to_numeric(X["struct_n_atoms"], errors="coerce").notna()


def _add_reason(X: pd.DataFrame, rows: pd.Series, reason: str) -> None:
    """Mark ``rows`` partial with ``reason`` (once: marking a marked frame changes nothing)."""
    fresh = ~X["error"].str.contains(reason, regex=False).to_numpy()
    idx = X.index[rows.to_numpy(bool) & X["status"].ne("error").to_numpy() & fresh]
    if not len(idx):
        return
    prev = X.loc[idx, "error"].fillna("").astype(str)
    X.loc[idx, "error"] = np.where(prev != "", prev + "; " + reason, reason)
    X.loc[idx, "status"] = "partial"


def ligand_columns(X: pd.DataFrame) -> list[str]:
    """The columns that describe a row's ligands (the ``lig`` group and the ligand pKa)."""
    return [c for c in X.columns if c.startswith("lig_")]


def blank_ligands(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with its ligand columns NaN: the row as served when no ligand was perceived."""
    lig = ligand_columns(X)
    return X.assign(**dict.fromkeys(lig, np.nan)) if lig else X


def mark_incomplete(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with CIF rows lacking a linker or a metal node marked ``partial`` (reason in
    ``error``) and, without a linker, their ligand columns blanked. Returns a copy."""
    X = X.copy()
    for col, default in (("status", "ok"), ("error", "")):
        if col not in X.columns:
            X[col] = default
    X["error"] = X["error"].fillna("").astype(str)
    cif = _is_cif(X)
    if not cif.any():
        return X
    linkers = X.get("linkers", pd.Series("", index=X.index)).fillna("").astype(str)
    no_linker = cif & (linkers.str.strip() == "")
    X.loc[no_linker, ligand_columns(X)] = np.nan
    _add_reason(X, no_linker, NO_LINKER)
    cn = pd.to_numeric(X.get("node_cn", pd.Series(np.nan, index=X.index)), errors="coerce")
    _add_reason(X, cif & ~(cn > 0), NO_NODE)
    return X


def _flag_sets(X: pd.DataFrame, columns: dict[str, str]) -> pd.Series:
    """Per row, the names whose 0/1 flag column is 1 (``columns``: column -> name)."""
    cols = [c for c in columns if c in X.columns]
    names = np.array([columns[c] for c in cols], dtype=object)
    M = X[cols].to_numpy(float) == 1 if cols else np.zeros((len(X), 0), bool)
    return pd.Series([set(names[row]) for row in M], index=X.index, dtype=object)


def _classes(X: pd.DataFrame) -> dict[str, pd.Series]:
    """Per chemistry kind, the set of what each row holds."""
    metals = X.get("metals", pd.Series("", index=X.index)).fillna("").astype(str)
    return {
        "metal": metals.map(lambda m: {s for s in split_multi(m) if s}),
        "ligand class": _flag_sets(X, {f"lig_grp_{c}": c for c in LIGAND_CLASSES}),
        "donor": _flag_sets(X, {d: d.removeprefix("node_donor_") for d in DONOR_LABELS}),
    }


def seen_chemistry(X: pd.DataFrame) -> dict[str, list[str]]:
    """Metals, ligand classes and donor elements of a model's labelled training rows."""
    if X.empty:
        return {}
    return {kind: sorted(set().union(*sets)) for kind, sets in _classes(X).items()}


def unseen_chemistry(X: pd.DataFrame, seen: dict[str, list[str]], model: str) -> pd.Series:
    """Per row, '' or e.g. "meltability model never saw: metal Zr; ligand class phosphonate"."""
    if not seen or X.empty:
        return pd.Series("", index=X.index, dtype=object)
    parts = []
    for kind, sets in _classes(X).items():
        known = set(seen.get(kind, ()))
        parts.append(sets.map(lambda s, k=kind, known=known: ", ".join(
            f"{k} {v}" for v in sorted(s - known))))
    joined = pd.concat(parts, axis=1).apply(lambda r: "; ".join(p for p in r if p), axis=1)
    return joined.map(lambda t: f"{model} model never saw: {t}" if t else "")
