"""When two rows are the same material, or the same chemistry: the keys leakage checks use.

A material can enter the training data more than once: as a measured record (metal + ligand
SMILES), as its CIF, and as Td-proxy CoRE MOFs under other refcodes (polymorphs, solvates,
re-determinations). Refcodes alone miss most of these (ZIF-4's Zn(Im)2 sits in the proxy set as
HIFVOI, GOQSIQ and IMIDZB10), so the checks compare what the material *is*:

- ``composition_key``: the metals and the set of organic ligands as coordinated, in one canonical
  spelling (:func:`gfa_ml.featurize.coordinated.canonical_ligand`) — from a record's
  ``ligand_smiles`` or a CIF's perceived metal-bound ``linkers``. Monatomic ligands (halide, oxo,
  aqua) are left out of the key, because a CIF's linker list never holds them: Zn(Im)2 from a
  record and from any of its CoRE polymorphs get one key. Empty when the organic part is unknown.
  A CIF whose linkers could not be perceived (a ``partial`` row,
  :mod:`gfa_ml.models.completeness`) has no key; since the Td model trains on such rows, an
  unknown identity counts as the same material as any test material with one of its metals.
- ``chemistry_pairs``: (metal, ligand class) pairs — the ligand classes of the featurizer
  (azolate, carboxylate, phosphonate, thiocyanate, nitrile, pyridyl), or the donor atoms when no
  class applies. Leave-one-family-out removes every proxy sharing a pair with the held-out
  family, so a held-out carboxylate family is not "predicted" from 2,500 carboxylate MOFs. A row
  whose ligand classes are unknown (ligand columns NaN) shares chemistry with any test material
  with one of its metals.

Unknown is never taken for different: the rules only ever drop more rows from training.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from gfa_ml.data.columns import split_multi
from gfa_ml.featurize.coordinated import LigandError, as_coordinated, canonical_ligand
from gfa_ml.featurize.ligand import has_carbon
from gfa_ml.featurize.schema import DONOR_LABELS

LIGAND_CLASSES = ("azolate", "carboxylate", "phosphonate", "thiocyanate", "nitrile", "pyridyl")


def _text(row: pd.Series, name: str) -> str:
    value = row.get(name, "")
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


@lru_cache(maxsize=4096)
def _organic_set(smiles: tuple[str, ...], coordinated: bool) -> tuple[str, ...]:
    """Canonical organic ligands of a record (``coordinated``: already as in a crystal)."""
    try:
        parts = ([canonical_ligand(s) for s in smiles] if coordinated
                 else [p for cell in as_coordinated(list(smiles)) for p in cell])
    except LigandError:
        return ()
    return tuple(sorted({p for p in parts if has_carbon(p)}))


def metal_set(text: str) -> frozenset[str]:
    """The metals of a ``metals`` cell (``Zn;Co`` -> {Zn, Co}; empty -> none)."""
    return frozenset(m for m in split_multi(text) if m)


def composition_key(row: pd.Series) -> str:
    """``Zn|c1c[n-]cn1`` for ZIF-4 as a record or as any CIF of it; '' when unknown."""
    metals = sorted(metal_set(_text(row, "metals")))
    record = split_multi(_text(row, "ligand_smiles"))
    if record:
        ligands = _organic_set(tuple(record), coordinated=False)
    else:
        ligands = _organic_set(tuple(split_multi(_text(row, "linkers"))), coordinated=True)
    if not metals or not ligands:
        return ""
    return ";".join(metals) + "|" + ".".join(ligands)


def chemistry_pairs(row: pd.Series) -> frozenset[tuple[str, str]]:
    """(metal, ligand class) pairs of a row; donor atoms stand in when no class applies."""
    metals = metal_set(_text(row, "metals"))
    classes = {c for c in LIGAND_CLASSES if row.get(f"lig_grp_{c}", 0) == 1}
    if not classes:
        classes = {"donor " + d.removeprefix("node_donor_") for d in DONOR_LABELS
                   if row.get(d, 0) == 1}
    return frozenset((m, c) for m in metals for c in classes)


def classes_known(row: pd.Series) -> bool:
    """Whether the row's ligand classes were perceived (any ``lig_grp_*`` column holds a
    value); False for a CIF whose ligands could not be read and a record without SMILES."""
    return any(pd.notna(row.get(f"lig_grp_{c}", np.nan)) for c in LIGAND_CLASSES)


def keys(X: pd.DataFrame) -> pd.DataFrame:
    """``composition``, ``chemistry``, ``metals`` and ``classes_known`` per row of a material
    frame."""
    rows = [(composition_key(r), chemistry_pairs(r),
             metal_set(_text(r, "metals")), classes_known(r))
            for _, r in X.iterrows()]
    return pd.DataFrame(rows, index=X.index,
                        columns=["composition", "chemistry", "metals", "classes_known"])


def _shares_metal(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    metals = frozenset().union(*a["metals"]) if len(a) else frozenset()
    return np.array([bool(m & metals) for m in b["metals"]], dtype=bool)


def same_material(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """For each row of key frame ``b``: True when it shares a composition key with any row of
    ``a``, or has no key of its own and shares a metal with one."""
    known = b["composition"].isin(set(a["composition"]) - {""}).to_numpy()
    return known | (b["composition"].eq("").to_numpy() & _shares_metal(a, b))


def shares_chemistry(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """For each row of key frame ``b``: True when it shares a (metal, ligand class) pair with
    any row of ``a``, or its ligand classes are unknown and it shares a metal with one."""
    pairs = frozenset().union(*a["chemistry"]) if len(a) else frozenset()
    known = np.array([bool(p & pairs) for p in b["chemistry"]], dtype=bool)
    return known | (~b["classes_known"].to_numpy(bool) & _shares_metal(a, b))
