"""Inorganic ligands, counter-ions and water per metal atom: what the organic-ligand columns miss.

A CuCl, a CuBr and a CuI polymer of one linker share every ``lig_*`` value (those describe
carbon-containing ligands), so the ``ion`` group counts what sits beside them, per metal atom,
alike from a crystal (fragments cut out of the bond network, counted per cell) and from a record
(its SMILES and formula, counts balanced by :func:`gfa_ml.featurize.oxidation.balance`):

* ``ion_F`` / ``ion_Cl`` / ``ion_Br`` / ``ion_I``: monatomic halide ions, bridging, terminal or
  free (a metal complex written as a ligand, ``Cl[Co-2](Cl)(Cl)Cl``, is cut at its metal like a
  crystal: four chlorides and one more metal atom);
* ``ion_pseudohalide``: cyanide, thiocyanate / selenocyanate / cyanate (either end), azide,
  dicyanamide, tricyanomethanide;
* ``ion_oxo`` (O2-), ``ion_hydroxo`` (OH-), ``ion_aqua`` (metal-bound water; a record's ``O`` is
  taken as coordinated, like every ligand it writes), ``ion_lattice_water`` (water not bound to a
  metal: a crystal's free water, a record formula's ``·nH2O``);
* ``ion_anion_charge`` / ``ion_cation_charge``: total charge of all anions (organic included) and
  of all cations (counter-cations such as alkylammonium, and cationic ligands), per metal atom.
  With the metal's oxidation state these state the charge balance; NaN where a crystal fragment's
  charge could not be perceived;
* ``ion_alkali``: alkali-metal atoms (the K of K2[PtCl4], a record's ``[K+]``) per atom of the
  other metals; 0 when the alkali metal is the only one (Li(adpn)2I: the node itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gfa_ml.featurize.coordinated import rdkit_parse

HALIDES = ("F", "Cl", "Br", "I")
ION_LABELS = (
    *(f"ion_{h}" for h in HALIDES),
    "ion_pseudohalide",
    "ion_oxo",
    "ion_hydroxo",
    "ion_aqua",
    "ion_lattice_water",
    "ion_anion_charge",
    "ion_cation_charge",
    "ion_alkali",
)
_ALKALI = frozenset({"Li", "Na", "K", "Rb", "Cs", "Fr"})
_PSEUDOHALIDES = ("[C-]#N", "N#C[S-]", "[N-]=C=S", "N#C[Se-]", "[N-]=C=[Se]", "N#C[O-]",
                  "[N-]=C=O", "[N-]=[N+]=[N-]", "N#C[N-]C#N", "N#C[C-](C#N)C#N")
_SIMPLE = {"[O-2]": "ion_oxo", "[OH-]": "ion_hydroxo", **{f"[{h}-]": f"ion_{h}" for h in HALIDES}}


@dataclass(frozen=True)
class IonSpecies:
    """One species of a material: SMILES, formal charge (None: not perceived), count per metal
    atom, and whether it is bound to a metal (None: a record, which does not say)."""

    smiles: str
    charge: int | None
    per_metal: float
    bound: bool | None = None


@lru_cache(maxsize=4096)
def canonical(smiles: str) -> str:
    """RDKit canonical SMILES (``[Cl-1]`` and ``[Cl-]`` alike); the input if RDKit cannot read
    it."""
    from rdkit import Chem

    mol = rdkit_parse(smiles)
    return Chem.MolToSmiles(mol) if mol is not None else smiles


@lru_cache(maxsize=4096)
def formal_charge(smiles: str) -> int | None:
    """Net formal charge of a SMILES (None if RDKit cannot read it)."""
    from rdkit import Chem

    mol = rdkit_parse(smiles)
    return Chem.GetFormalCharge(mol) if mol is not None else None


@lru_cache(maxsize=1)
def _pseudohalides() -> frozenset[str]:
    return frozenset(canonical(s) for s in _PSEUDOHALIDES)


@lru_cache(maxsize=4096)
def ion_kind(smiles: str) -> str | None:
    """The ``ion_*`` count column a species adds to (``aqua`` for water), else None."""
    smi = canonical(smiles)
    if smi in _SIMPLE:
        return _SIMPLE[smi]
    if smi == "O":
        return "water"
    return "ion_pseudohalide" if smi in _pseudohalides() else None


def ion_features(species: Iterable[IonSpecies], metal_atoms: Mapping[str, float]
                 ) -> dict[str, float]:
    """The ``ion`` group from every species of a material (counted per metal atom) and its
    metal atoms (element -> atoms, any scale)."""
    out = dict.fromkeys(ION_LABELS, 0.0)
    alkali = sum(n for m, n in metal_atoms.items() if m in _ALKALI)
    others = sum(n for m, n in metal_atoms.items() if m not in _ALKALI)
    out["ion_alkali"] = alkali / others if others > 0 else 0.0
    charges_known = True
    for sp in species:
        kind = ion_kind(sp.smiles)
        if kind == "water":
            kind = "ion_lattice_water" if sp.bound is False else "ion_aqua"
        if kind is not None:
            out[kind] += sp.per_metal
        if sp.charge is None:
            charges_known = False
        elif sp.charge < 0:
            out["ion_anion_charge"] -= sp.charge * sp.per_metal
        elif sp.charge > 0:
            out["ion_cation_charge"] += sp.charge * sp.per_metal
    if not charges_known:
        out["ion_anion_charge"] = out["ion_cation_charge"] = np.nan
    return {k: _tidy(v) for k, v in out.items()}


def _tidy(value: float) -> float:
    """Round off float noise (1/3 * 3), so a record and a crystal give identical values."""
    return float(round(value, 9)) if value == value else value
