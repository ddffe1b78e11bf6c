"""Ligand descriptors from SMILES: one code path for records and for linkers cut out of a CIF.

A linker found in a crystal is first written as canonical SMILES and then described exactly like a
SMILES from the measured table, so both paths give identical ``lig_*`` values for the same ligand.
Only carbon-containing ligands are described; halides, oxo, hydroxo and water are counted per
metal in the ``ion_*`` columns (:mod:`gfa_ml.featurize.ions`) and flagged as node donors.
Descriptors: RDKit (Landrum et al., rdkit.org); flexibility index = Kier's Phi (Kier, Quant.
Struct.-Act. Relat. 1989, 8, 221); fingerprint = Morgan/ECFP radius 2 (Rogers & Hahn, J. Chem.
Inf. Model. 2010, 50, 742) folded to a few bits.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from gfa_ml.config import get_settings
from gfa_ml.featurize.coordinated import LigandError, canonical_ligand

_SCALAR_LABELS = (
    "lig_mw",
    "lig_heavy_atoms",
    "lig_rot_bonds",
    "lig_rings",
    "lig_aromatic_rings",
    "lig_n_N",
    "lig_n_O",
    "lig_n_S",
    "lig_n_P",
    "lig_n_halogen",
    "lig_n_hetero",
    "lig_donor_sites",
    "lig_charge",
    "lig_has_methyl",
    "lig_has_halogen",
    "lig_has_nitro_cyano",
    "lig_has_ewg",
    "lig_grp_azolate",
    "lig_grp_carboxylate",
    "lig_grp_phosphonate",
    "lig_grp_thiocyanate",
    "lig_grp_nitrile",
    "lig_grp_pyridyl",
    "lig_flexibility",
    "lig_symmetry",
    "lig_fsp3",
)


def ligand_labels() -> tuple[str, ...]:
    n = get_settings().featurize.fingerprint_bits
    return (*_SCALAR_LABELS, *(f"lig_fp_{i:02d}" for i in range(n)), "lig_n_distinct")


# Atoms that can bind a metal: pyridine/azole N (incl. azolate n-), nitrile/cyanide N, terminal
# O (carboxylate, phosphonate, carbonyl, phenolate), acid OH, terminal S, thiol S, phosphine P,
# sp3 amine N.
_DONOR_SMARTS = (
    "[n;X2]",
    "[NX1]#*",
    "[OX1]",
    "[OX2H1][C,P,S]=O",
    "[SX1]",
    "[SX2H1]",
    "[PX3;!$(P=*)]",
    "[NX3;!$(N-[C,S,P]=[O,S,N]);!$(N-a);!$([N+])]",
    "[N-;X2;!$(N(C#N)C#N)]",
)
_GROUP_SMARTS = {
    "lig_has_methyl": ("[CH3;X4]",),
    "lig_has_halogen": ("[F,Cl,Br,I]",),
    "lig_has_nitro_cyano": ("[N+](=O)[O-]", "N(=O)=O", "[CX2]#N"),
    "lig_has_ewg": (
        "[N+](=O)[O-]",
        "N(=O)=O",
        "[CX2]#N",
        "[F,Cl,Br,I]",
        "C(F)(F)F",
        "S(=O)(=O)[#6]",
        "[CX3;$(C(=O)[#6,#1]);!$(C(=O)[O-,OH1])]",
    ),
    "lig_grp_azolate": ("[n-]1aaaa1", "[nX2]1[nX2]aaa1", "[n-]1aaa1"),
    "lig_grp_carboxylate": ("C(=O)[O-,OH1]",),
    "lig_grp_phosphonate": ("P(=O)([O-,OH1,OX2])",),
    "lig_grp_thiocyanate": ("[S-,SX1,SX2]C#N", "S=C=[N-,N]"),
    "lig_grp_nitrile": ("[CX2;!$(C[S,S-])]#N",),
    "lig_grp_pyridyl": ("n1ccccc1",),
}


@lru_cache(maxsize=1)
def _patterns() -> tuple[list, dict[str, list]]:
    from rdkit import Chem

    donors = [Chem.MolFromSmarts(s) for s in _DONOR_SMARTS]
    groups = {k: [Chem.MolFromSmarts(s) for s in v] for k, v in _GROUP_SMARTS.items()}
    return donors, groups


def donor_atom_indices(mol) -> set[int]:
    """Indices of the atoms of ``mol`` that can bind a metal (``_DONOR_SMARTS``)."""
    donors, _ = _patterns()
    return {m[0] for p in donors for m in mol.GetSubstructMatches(p)}


def canonical_smiles(mol) -> str:
    from rdkit import Chem

    return Chem.MolToSmiles(Chem.RemoveHs(mol))


def has_carbon(smiles: str) -> bool:
    """Cheap test for an organic (carbon-containing) ligand SMILES."""
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    return mol is not None and any(a.GetAtomicNum() == 6 for a in mol.GetAtoms())


@lru_cache(maxsize=4096)
def describe_smiles(smiles: str) -> tuple[float, ...]:
    """Descriptors of one ligand, ordered like ``ligand_labels()`` minus ``lig_n_distinct``."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem import Descriptors, rdMolDescriptors
    from rdkit.Chem import rdFingerprintGenerator as fpgen

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise LigandError(f"RDKit cannot read ligand SMILES {smiles!r}")
    _, groups = _patterns()
    counts: dict[int, int] = {}
    for atom in mol.GetAtoms():
        counts[atom.GetAtomicNum()] = counts.get(atom.GetAtomicNum(), 0) + 1
    heavy = mol.GetNumHeavyAtoms()
    n_hal = sum(counts.get(z, 0) for z in (9, 17, 35, 53))
    n_hetero = heavy - counts.get(6, 0)
    donor_atoms = donor_atom_indices(mol)
    flags = [
        float(any(mol.HasSubstructMatch(p) for p in groups[k])) for k in _SCALAR_LABELS[13:23]
    ]
    ranks = list(Chem.CanonicalRankAtoms(mol, breakTies=False))
    symmetry = 1.0 - len(set(ranks)) / heavy if heavy else np.nan
    try:
        phi = float(rdMolDescriptors.CalcPhi(mol))
    except (RuntimeError, ValueError, ZeroDivisionError):
        phi = np.nan
    n_bits = get_settings().featurize.fingerprint_bits
    fp = fpgen.GetMorganGenerator(radius=2, fpSize=n_bits).GetFingerprintAsNumPy(mol)
    return (
        float(Descriptors.MolWt(mol)),
        float(heavy),
        float(rdMolDescriptors.CalcNumRotatableBonds(mol)),
        float(rdMolDescriptors.CalcNumRings(mol)),
        float(rdMolDescriptors.CalcNumAromaticRings(mol)),
        float(counts.get(7, 0)),
        float(counts.get(8, 0)),
        float(counts.get(16, 0)),
        float(counts.get(15, 0)),
        float(n_hal),
        float(n_hetero),
        float(len(donor_atoms)),
        float(Chem.GetFormalCharge(mol)),
        *flags,
        phi,
        symmetry,
        float(rdMolDescriptors.CalcFractionCSP3(mol)),
        *(float(b) for b in fp),
    )


def ligand_features(
    smiles: Sequence[str], weights: Sequence[float] | None = None
) -> tuple[dict[str, float], str | None]:
    """Weighted mean over distinct organic ligands; returns (features, NaN reason or None).

    Weights are linker fractions (records) or counts per cell (CIFs); duplicates are merged
    after writing each ligand in one spelling (``canonical_ligand``: azolate charge position).
    """
    labels = ligand_labels()
    merged: dict[str, float] = {}
    for i, smi in enumerate(smiles):
        if not smi or not has_carbon(smi):
            continue
        w = 1.0 if weights is None else float(weights[i])
        try:
            smi = canonical_ligand(smi)
        except LigandError as exc:
            return dict.fromkeys(labels, np.nan), str(exc)
        merged[smi] = merged.get(smi, 0.0) + w
    if not merged:
        return dict.fromkeys(labels, np.nan), "no organic (carbon-containing) ligand"
    try:
        arr = np.asarray([describe_smiles(s) for s in merged], dtype=float)
    except LigandError as exc:
        return dict.fromkeys(labels, np.nan), str(exc)
    w = np.asarray(list(merged.values()), dtype=float)
    if not (np.isfinite(w).all() and w.sum() > 0):
        w = np.ones(len(merged))
    mean = (w / w.sum()) @ np.nan_to_num(arr)
    mean[np.isnan(arr).any(axis=0)] = np.nan
    out = dict(zip(labels[:-1], mean.tolist(), strict=True))
    out["lig_n_distinct"] = float(len(merged))
    return out, None
