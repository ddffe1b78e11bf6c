"""Why a model predicted what it did, in a chemist's words.

xgboost's exact TreeSHAP contributions (Lundberg et al., Nat. Mach. Intell. 2020, 2, 56) come per
feature column, and a column name such as ``lig_fp_13`` or ``node_bond_min`` tells a chemist
nothing. Contributions are summed per *feature family* (the metal ion, the metal's coordination,
the ligand's size and flexibility, density and packing, porosity ...), and a ligand-fingerprint
bit with a large contribution is named by the substructure of *this* material's ligands that sets
it (the Morgan/ECFP atom environment, written as SMILES), e.g. ``ligand fragment c1c[n-]cn1``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings

#: column prefix -> family in words (first match wins; fingerprint bits are handled apart)
FAMILIES: tuple[tuple[str, str], ...] = (
    ("metal_hardness", "metal-ion hardness"),
    ("metal_", "metal ion"),
    ("ml_", "metal–ligand ionicity"),
    ("lig_pka", "ligand basicity (pKa)"),
    ("ion_", "ions per metal (halide, pseudohalide, oxo / aqua, counter-ions)"),
    ("node_donor_", "donor atoms on the metal"),
    ("node_cn", "coordination number"),
    ("node_bond", "metal–ligand bond lengths"),
    ("node_", "metal node geometry"),
    ("net_", "framework connectivity / dimensionality"),
    ("lig_grp_", "ligand class (azolate, carboxylate, ...)"),
    ("lig_", "ligand size, flexibility and charge"),
    ("struct_", "density and packing"),
    ("pore_", "porosity (pore size, void fraction)"),
    ("comp_", "elemental composition"),
    ("measured_scale", "measurement scale (measured vs proxy TGA)"),
)
_FP = re.compile(r"^lig_fp_(\d+)$")


def family_of(column: str) -> str:
    """The feature family of a column, in words (``other descriptors`` if none matches)."""
    for prefix, words in FAMILIES:
        if column.startswith(prefix):
            return words
    return "other descriptors"


@lru_cache(maxsize=4096)
def _fragments(smiles: str) -> dict[int, str]:
    """Fingerprint bit -> SMILES of the smallest atom environment of ``smiles`` that sets it."""
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator as fpgen

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return {}
    info = fpgen.AdditionalOutput()
    info.AllocateBitInfoMap()
    n_bits = get_settings().featurize.fingerprint_bits
    fpgen.GetMorganGenerator(radius=2, fpSize=n_bits).GetFingerprint(mol, additionalOutput=info)
    out: dict[int, str] = {}
    for bit, envs in info.GetBitInfoMap().items():
        atom, radius = min(envs, key=lambda e: e[1])
        if radius == 0:  # one atom, written with its aromaticity and charge (e.g. [n-])
            out[bit] = Chem.MolFragmentToSmiles(mol, atomsToUse=[atom], canonical=True)
            continue
        bonds = Chem.FindAtomEnvironmentOfRadiusN(mol, radius, atom)
        atoms = {atom} | {i for b in bonds for i in (mol.GetBondWithIdx(b).GetBeginAtomIdx(),
                                                   mol.GetBondWithIdx(b).GetEndAtomIdx())}
        out[bit] = Chem.MolFragmentToSmiles(mol, atomsToUse=sorted(atoms),
                                            bondsToUse=list(bonds), canonical=True)
    return out


def fingerprint_fragment(bit: int, smiles: Sequence[str]) -> str:
    """The substructure of these ligands that sets fingerprint ``bit`` ('' if none does)."""
    for smi in smiles:
        frag = _fragments(smi).get(bit)
        if frag:
            return frag
    return ""


def _ligands(row: pd.Series) -> list[str]:
    for col in ("linkers", "ligand_smiles"):
        val = row.get(col)
        if isinstance(val, str) and val.strip():
            return [s.strip() for s in val.split(";") if s.strip()]
    return []


def grouped(contrib: pd.DataFrame, X: pd.DataFrame | None = None) -> list[dict[str, float]]:
    """Per row: contribution per family in words; each fingerprint bit stays apart, named by
    its fragment in that row's ligands (``X`` holds ``linkers`` or ``ligand_smiles``)."""
    vals = contrib.drop(columns="bias", errors="ignore")
    rows = []
    for idx, c in vals.iterrows():
        lig = _ligands(X.loc[idx]) if X is not None and idx in X.index else []
        out: dict[str, float] = {}
        for col, v in c.items():
            if not np.isfinite(v) or v == 0:
                continue
            m = _FP.match(str(col))
            if m:
                frag = fingerprint_fragment(int(m.group(1)), lig)
                key = f"ligand fragment {frag}" if frag else "ligand fingerprint (other bits)"
            else:
                key = family_of(str(col))
            out[key] = out.get(key, 0.0) + float(v)
        rows.append(out)
    return rows


def top_reasons(contrib: pd.DataFrame, X: pd.DataFrame | None = None, n: int = 3) -> pd.Series:
    """``words:+0.8; words:-0.3`` for the ``n`` largest grouped contributions of each row
    (model margin units: log-odds for a classifier, the target's unit for a regressor)."""
    out = []
    for g in grouped(contrib, X):
        top = sorted(g.items(), key=lambda kv: -abs(kv[1]))[:n]
        out.append("; ".join(f"{k}:{v:+.3g}" for k, v in top))
    return pd.Series(out, index=contrib.index)


def mean_abs_by_family(contrib: pd.DataFrame) -> pd.Series:
    """Global importance: mean |contribution| per feature family, fingerprint bits together."""
    vals = contrib.drop(columns="bias", errors="ignore")
    fams = ["ligand substructures (fingerprint)" if _FP.match(str(c)) else family_of(str(c))
            for c in vals.columns]
    summed = vals.T.groupby(fams).sum().T
    return summed.abs().mean().sort_values(ascending=False)
