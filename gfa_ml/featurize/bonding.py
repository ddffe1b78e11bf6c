"""Metal-ligand bond-strength descriptors the seeds' design rules name, alike for CIFs and records.

Columns (group ``bond``):

* ``metal_hardness_eV``: Pearson absolute hardness of the metal ion, eta = (I_{z+1} - I_z) / 2,
  from the NIST ionisation energies pymatgen ships (the definition and the data Pearson's table
  is computed from: Zn2+ 10.88 eV, Cd2+ 10.29, Cu+ 6.28 in Pearson, Inorg. Chem. 1988, 27, 734).
  NaN where NIST has no energy for that ionisation stage or the oxidation state is unknown.
* ``ml_delta_chi`` / ``ml_ionic_character``: Pauling electronegativity difference donor - metal
  and Pauling's ionic character 1 - exp(-dchi^2 / 4), averaged over (metal, donor element) pairs.
  Donor elements are a set in both paths (a record's ``donor_atoms`` names no counts), so they
  are weighted equally; metals are weighted like ``metal_*`` (atom counts in a CIF).
* ``lig_pka_min`` / ``lig_pka_mean`` / ``lig_pka_coverage``: pKa (water, 25 C) of the conjugate
  acid of each coordinating species, by ligand class (RDKit SMARTS, :data:`PKA_CLASSES`, one
  reference each); a species takes its most basic recognised donor group. Min and weighted mean
  run over the species with a tabulated class; ``coverage`` is their weight fraction among all
  coordinating species, so an untabulated class (iodide, water, nitrile ...) is never guessed.
* ``ion_counter_cation``: 1 if the material holds an organic cation with no donor atom
  (alkylammonium, imidazolium, [NEt4]+: charge-balancing, not coordinating), else 0. Only
  cations are told apart: whether an anion coordinates is not written in a record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matminer.featurizers.base import BaseFeaturizer

from gfa_ml.featurize.coordinated import rdkit_parse
from gfa_ml.featurize.ligand import donor_atom_indices
from gfa_ml.featurize.metal import merge_ions

BOND_LABELS = (
    "metal_hardness_eV",
    "ml_delta_chi",
    "ml_ionic_character",
    "lig_pka_min",
    "lig_pka_mean",
    "lig_pka_coverage",
    "ion_counter_cation",
)

CRC = "CRC Handbook of Chemistry and Physics, 97th ed., 2016, 'Dissociation constants of {}'"
AZOLES = ("Catalan, J.; Abboud, J. L. M.; Elguero, J. Adv. Heterocycl. Chem. 1987, 41, 187 "
          "(NH acidity of azoles in water)")


@dataclass(frozen=True)
class PkaClass:
    """A ligand class: SMARTS whose first atom is the donor, and its conjugate acid's pKa."""

    name: str
    smarts: tuple[str, ...]
    pka: float
    conjugate_acid: str
    reference: str


#: most specific first: a donor atom is claimed by the first class that matches it
PKA_CLASSES: tuple[PkaClass, ...] = (
    PkaClass("tetrazolate", ("[n-]1nnnc1", "[n-]1nncn1"), 4.90, "1H-tetrazole", AZOLES),
    PkaClass("benzotriazolate", ("[n-]1nnc2ccccc12", "[n-]1nc2ccccc2n1"), 8.2,
             "1H-benzotriazole", AZOLES),
    PkaClass("1,2,3-triazolate", ("[n-]1nncc1", "[n-]1nccn1"), 9.3, "1H-1,2,3-triazole", AZOLES),
    PkaClass("1,2,4-triazolate", ("[n-]1ncnc1", "[n-]1cnnc1"), 10.26, "1H-1,2,4-triazole",
             AZOLES),
    PkaClass("benzimidazolate", ("[n-]1cnc2ccccc12",), 12.8, "benzimidazole", AZOLES),
    PkaClass("2-alkylimidazolate", ("[n-]1c([CX4])ncc1",), 15.1, "2-methylimidazole", AZOLES),
    PkaClass("imidazolate", ("[n-]1[cH,$(c[#6])]n[cH,$(c[#6])][cH,$(c[#6])]1",), 14.52,
             "imidazole", AZOLES),
    PkaClass("pyrazolate", ("[n-]1nccc1",), 14.21, "1H-pyrazole", AZOLES),
    PkaClass("formate", ("[O-][CH1]=O",), 3.75, "formic acid", CRC.format("organic acids")),
    PkaClass("aryl carboxylate", ("[O-]C(=O)c", "O=C([O-])c"), 4.20, "benzoic acid",
             CRC.format("organic acids")),
    PkaClass("alkyl carboxylate", ("[O-]C(=O)[CX4]", "O=C([O-])[CX4]"), 4.76, "acetic acid",
             CRC.format("organic acids")),
    PkaClass("acetylacetonate", ("[O-]C([CH3])=[CH1]C([CH3])=O",), 8.99, "2,4-pentanedione",
             CRC.format("organic acids")),
    PkaClass("phenolate", ("[O-]c",), 9.99, "phenol", CRC.format("organic acids")),
    PkaClass("aryl thiolate", ("[S-]c",), 6.62, "benzenethiol", CRC.format("organic acids")),
    PkaClass("alkyl thiolate", ("[S-][CX4]",), 10.61, "ethanethiol",
             CRC.format("organic acids")),
    PkaClass("cyanide", ("[C-]#N", "N#[C-]"), 9.21, "HCN", CRC.format("inorganic acids")),
    PkaClass("fluoride", ("[F-]",), 3.20, "HF", CRC.format("inorganic acids")),
    PkaClass("phosphate", ("[O-]P(=O)([O-])[O-]",), 12.32, "HPO4(2-)",
             CRC.format("inorganic acids")),
    PkaClass("hydrogenphosphate", ("[O-]P(=O)([O-])[OH1]",), 7.21, "H2PO4(-)",
             CRC.format("inorganic acids")),
    PkaClass("dihydrogenphosphate", ("[O-]P(=O)([OH1])[OH1]",), 2.16, "H3PO4",
             CRC.format("inorganic acids")),
    PkaClass("pyrazine", ("[nX2;+0]1ccncc1",), 0.65, "pyrazinium", CRC.format("organic bases")),
    PkaClass("benzimidazole (neutral)", ("[nX2;+0]1c[nH]c2ccccc12",), 5.53, "benzimidazolium",
             CRC.format("organic bases")),
    PkaClass("imidazole (neutral)", ("[nX2;+0]1c[nH]cc1",), 6.95, "imidazolium",
             CRC.format("organic bases")),
    PkaClass("pyridine", ("[nX2;+0]1ccccc1",), 5.23, "pyridinium", CRC.format("organic bases")),
    PkaClass("triarylphosphine", ("[PX3](c)(c)c",), 2.73, "HPPh3(+)",
             "Henderson, W. A.; Streuli, C. A. J. Am. Chem. Soc. 1960, 82, 5791"),
)

CITATIONS = (
    "Pearson, R. G. Inorg. Chem. 1988, 27, 734 (absolute hardness of ions)",
    "Kramida, A. et al. NIST Atomic Spectra Database (ionization energies, via pymatgen)",
    "Pauling, L. The Nature of the Chemical Bond, 3rd ed.; Cornell University Press, 1960 "
    "(electronegativity, ionic character 1 - exp(-dchi^2/4))",
    *sorted({c.reference for c in PKA_CLASSES}),
)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[PkaClass, list], ...]:
    return tuple((c, [rdkit_parse(s, smarts=True) for s in c.smarts]) for c in PKA_CLASSES)


@lru_cache(maxsize=4096)
def species_kind(smiles: str) -> tuple[str, float]:
    """('counter', NaN) for an organic cation without donor atom; ('guest', NaN) for a species
    with nothing to bind through; else ('ligand', pKa of its most basic recognised group or
    NaN)."""
    from rdkit import Chem

    mol = rdkit_parse(smiles)
    if mol is None:
        return "guest", np.nan
    donors = donor_atom_indices(mol)
    anionic = any(a.GetFormalCharge() < 0 for a in mol.GetAtoms())
    if not donors and not anionic:
        cation = Chem.GetFormalCharge(mol) > 0
        organic = any(a.GetAtomicNum() == 6 for a in mol.GetAtoms())
        return ("counter" if cation and organic else "guest"), np.nan
    claimed: set[int] = set()
    found: list[float] = []
    for cls, patterns in _compiled():
        for patt in patterns:
            for match in mol.GetSubstructMatches(patt):
                if match[0] not in claimed:
                    claimed.add(match[0])
                    found.append(cls.pka)
    return "ligand", max(found) if found else np.nan


def pka_class(smiles: str) -> str | None:
    """Name of the first class matching a species (for tests and explanations)."""
    mol = rdkit_parse(smiles)
    if mol is None:
        return None
    for cls, patterns in _compiled():
        if any(mol.HasSubstructMatch(p) for p in patterns):
            return cls.name
    return None


def _species_features(species: Iterable[tuple[str, float]]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for smi, w in species:
        merged[smi] = merged.get(smi, 0.0) + (w if np.isfinite(w) and w > 0 else 1.0)
    if not merged:
        return {"lig_pka_min": np.nan, "lig_pka_mean": np.nan, "lig_pka_coverage": np.nan,
                "ion_counter_cation": np.nan}
    kinds = {s: species_kind(s) for s in merged}
    counter = any(k == "counter" for k, _ in kinds.values())
    ligands = [(kinds[s][1], w) for s, w in merged.items() if kinds[s][0] == "ligand"]
    total = sum(w for _, w in ligands)
    known = [(p, w) for p, w in ligands if p == p]
    pk = np.array([p for p, _ in known])
    wk = np.array([w for _, w in known])
    return {
        "lig_pka_min": float(pk.min()) if len(pk) else np.nan,
        "lig_pka_mean": float(pk @ wk / wk.sum()) if len(pk) else np.nan,
        "lig_pka_coverage": float(wk.sum() / total) if total > 0 else np.nan,
        "ion_counter_cation": float(counter),
    }


@lru_cache(maxsize=1024)
def hardness(symbol: str, ox: float) -> float:
    """Pearson absolute hardness (eV) of ``symbol`` in oxidation state ``ox``: (I_{z+1} - I_z)/2."""
    from pymatgen.core import Element

    if ox != ox or abs(ox - round(ox)) > 0.05 or round(ox) < 1:
        return np.nan
    z = round(ox)
    energies = Element(symbol).ionization_energies
    if len(energies) <= z or energies[z] is None or energies[z - 1] is None:
        return np.nan
    return float((energies[z] - energies[z - 1]) / 2.0)


def _pauling(symbol: str) -> float:
    from pymatgen.core import Element

    x = Element(symbol).X
    return float(x) if x == x else np.nan


def _ionicity(ions: Sequence[tuple[str, float]], w: np.ndarray, donors: Iterable[str]
              ) -> tuple[float, float]:
    donor_x = np.array([_pauling(d) for d in sorted(set(donors))])
    if not len(donor_x) or not len(ions):
        return np.nan, np.nan
    metal_x = np.array([_pauling(s) for s, _ in ions])
    dchi = donor_x[None, :] - metal_x[:, None]  # metals x donors
    ionic = 1.0 - np.exp(-(dchi**2) / 4.0)
    return float(w @ dchi.mean(axis=1)), float(w @ ionic.mean(axis=1))


def bond_features(
    metals: Sequence[str], ox_states: Sequence[float], donors: Iterable[str] | None,
    species: Iterable[tuple[str, float]] | None, metal_weights: Sequence[float] | None = None,
) -> dict[str, float]:
    """The ``bond`` group. ``donors``: donor element symbols (None = not known);
    ``species``: (canonical SMILES, weight) of every ligand / ion (None = not known)."""
    ions, w = merge_ions(metals, ox_states, metal_weights)
    eta = np.array([hardness(s, ox) for s, ox in ions])
    out = {"metal_hardness_eV": float(w @ eta) if len(eta) else np.nan}
    dchi, ionic = _ionicity(ions, w, donors) if donors is not None else (np.nan, np.nan)
    out.update(ml_delta_chi=dchi, ml_ionic_character=ionic)
    out.update(_species_features(species if species is not None else ()))
    return out


class BondFeaturizer(BaseFeaturizer):
    """matminer-style face of :func:`bond_features` for a record-like mapping
    (``metals``, ``oxidation_states``, ``donors``, ``species`` as (SMILES, weight) pairs)."""

    def featurize(self, entry: Mapping[str, object]) -> list[float]:
        row = bond_features(entry["metals"], entry["oxidation_states"], entry.get("donors"),
                            entry.get("species"))
        return [row[k] for k in BOND_LABELS]

    def feature_labels(self) -> list[str]:
        return list(BOND_LABELS)

    def citations(self) -> list[str]:
        return list(CITATIONS)

    def implementors(self) -> list[str]:
        return ["gfa_ml contributors"]
