"""A record's species counted and charge-balanced: metal states and the ``ion`` group.

Counts per formula unit (one atom of each metal the record names) come from, in this order:
``linker_fractions`` (``Im=1.75;bIm=0.25``), a species written more than once (``[Cl-].[Cl-]``:
two chlorides), and the ``formula`` column for halide ions and water
(:mod:`gfa_ml.featurize.formula`); every other count is left to the charge balance
(:func:`gfa_ml.featurize.oxidation.balance`). The ``ion`` columns are then counted per metal
atom, metal complexes written as ligands cut at their metals (:func:`coordinated.cut_metals`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from gfa_ml.featurize.coordinated import cut_metals
from gfa_ml.featurize.formula import FormulaCounts
from gfa_ml.featurize.ions import IonSpecies, formal_charge, ion_features, ion_kind
from gfa_ml.featurize.oxidation import Species, balance


@dataclass(frozen=True)
class RecordIons:
    """Metal states (aligned with the record's metals), the ``ion`` columns, a note on what was
    inferred and ``problem`` when the charges cannot balance."""

    states: list[float]
    ion: dict[str, float]
    note: str = ""
    problem: str = ""


def _species(fragments: Sequence[str], known: Sequence[float | None], n_col: int,
             formula: FormulaCounts | None) -> list[Species]:
    """Distinct species with their counts per formula unit and whether each count is known."""
    counts: Counter[str] = Counter()
    fixed: set[str] = set()
    for smi, k in zip(fragments, known, strict=True):
        counts[smi] += 1.0 if k is None else k
        if k is not None:
            fixed.add(smi)
    repeated = {s for s, n in Counter(fragments).items() if n > 1}
    atoms = n_col + sum(len(cut_metals(s)[0]) * n for s, n in counts.items())
    out = []
    for smi, n in counts.items():
        kind = ion_kind(smi)
        halide = kind.removeprefix("ion_") if kind else ""
        if formula is not None and formula.halides.get(halide):
            n, fixed_ = formula.halides[halide] * atoms, True
        elif formula is not None and kind == "water" and formula.aqua > 0:
            n, fixed_ = formula.aqua * atoms, True
        else:
            fixed_ = smi in fixed or smi in repeated
        out.append(Species(smi, formal_charge(smi) or 0, n, fixed_))
    return out


def record_ions(metals: Sequence[tuple[str, float | None]], fragments: Sequence[str],
                known: Sequence[float | None], formula: FormulaCounts | None) -> RecordIons:
    """States and ``ion`` columns of a record: ``metals`` as (symbol, written state or None),
    its ligand ``fragments`` (canonical SMILES, one per written occurrence), ``known`` count of
    each (a linker fraction) or None, and what its formula says."""
    result = balance(metals, _species(fragments, known, len(metals), formula))
    metal_atoms: Counter[str] = Counter(m for m, _ in metals)
    pieces: list[tuple[str, float]] = []
    for sp in result.species:
        inner, parts = cut_metals(sp.smiles)
        for symbol, _ in inner:
            metal_atoms[symbol] += sp.count
        pieces += [(p, sp.count) for p in parts]
    total = sum(metal_atoms.values())
    species = [IonSpecies(p, formal_charge(p), n / total) for p, n in pieces]
    lattice = 0.0 if formula is None else formula.lattice_water
    species.append(IonSpecies("O", 0, lattice, bound=False))
    return RecordIons(result.states, ion_features(species, metal_atoms), result.note,
                      result.problem)
