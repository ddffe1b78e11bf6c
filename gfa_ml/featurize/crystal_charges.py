"""A crystal's charges: hydrogen-less oxygens and the metals' oxidation states.

Both read the periodic bond graph of :mod:`gfa_ml.featurize.structure`. Oxidation states follow
``featurize.cif_oxidation``: the charge balance of the fragments cut out of the network (the
default: right for 29 of 29 CoRE CIFs of known state in ``benchmarks/cif_oxidation_states.py``),
bond-valence sums (25 of 29), their combination, or pymatgen's composition guess (18 of 29).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from gfa_ml.config import get_settings
from gfa_ml.featurize.metal import common_oxidation_state
from gfa_ml.featurize.oxidation import allowed_states, bond_valence_sums, nearest_state
from gfa_ml.featurize.periodic_graph import PeriodicGraph
from gfa_ml.structures.cif import Cell


def _metal_bonds(cell: Cell, graph: PeriodicGraph, centre: np.ndarray, atoms: np.ndarray
                 ) -> list[list[tuple[str, float]]]:
    """(neighbour element, distance) of each atom in ``atoms`` over the edges ``centre``."""
    bonds: dict[int, list[tuple[str, float]]] = {int(a): [] for a in atoms}
    for a, b, d in zip(graph.i[centre].tolist(), graph.j[centre].tolist(),
                       graph.dist[centre].tolist(), strict=True):
        bonds[a].append((cell.symbols[b], d))
    return [bonds[int(a)] for a in atoms]


def lone_oxygens(cell: Cell, graph: PeriodicGraph, metal: np.ndarray
                 ) -> Counter[tuple[str, int, bool]]:
    """Bare O atoms (no bond to a non-metal) as (SMILES, charge, metal-bound) -> count.

    A CIF without water or hydroxide hydrogens leaves a bare O; read as O2- it would be an oxo
    ligand and break the charge balance. Its bond-valence sum from the metal bonds tells the
    three apart (cuts ``featurize.lone_oxygen_bvs``): water ~0.1 (0 when free), hydroxide ~0.8
    (mu3-OH of UiO-66), oxide ~1.6-2.0 (the mu4-O of MOF-5).
    """
    nm = ~metal[graph.i] & ~metal[graph.j]
    lone = np.flatnonzero((np.asarray(cell.symbols) == "O") & ~metal
                          & (np.bincount(graph.i[nm], minlength=graph.n) == 0))
    bonds = _metal_bonds(cell, graph, metal[graph.j] & np.isin(graph.i, lone), lone)
    sums = np.nan_to_num(np.abs(bond_valence_sums(["O"] * len(lone), bonds)), nan=2.0)
    water, oxide = get_settings().featurize.lone_oxygen_bvs
    return Counter(
        ("O", 0, bool(b)) if v < water or not b else
        ("[OH-]", -1, True) if v < oxide else ("[O-2]", -2, True)
        for b, v in zip(bonds, sums.tolist(), strict=True))


def _balanced_states(metals: list[str], ligand_charge: float | None
                     ) -> tuple[list[float] | None, str]:
    """Ligand/anion charge shared evenly by the metals of a single-metal framework, accepted
    when it is a plausible state; for mixed metals, the most common states when they balance.
    None (with the reason) when the balance does not decide."""
    if ligand_charge is None:
        return None, "some fragment charges unknown"
    avg = -ligand_charge / len(metals)
    if len(set(metals)) == 1:
        if abs(avg - round(avg)) < 0.05 and round(avg) in allowed_states(metals[0]):
            return [float(round(avg))] * len(metals), ""
    else:
        common = [common_oxidation_state(m) for m in metals]
        if abs(sum(common) + ligand_charge) < 0.05:
            return common, ""
    return None, f"charge balance gave {avg:+.2f} per metal"


def _bond_valence_states(cell: Cell, graph: PeriodicGraph, metal: np.ndarray) -> list[float]:
    """Per metal atom: the plausible state nearest its element's mean bond-valence sum."""
    atoms = np.flatnonzero(metal)
    symbols = [cell.symbols[a] for a in atoms]
    sums = bond_valence_sums(symbols, _metal_bonds(cell, graph, metal[graph.i] & ~metal[graph.j],
                                                   atoms))
    per_element: dict[str, list[float]] = {}
    for sym, v in zip(symbols, sums, strict=True):
        per_element.setdefault(sym, []).append(v)
    state = {sym: nearest_state(sym, float(np.mean(v))) for sym, v in per_element.items()}
    return [state[sym] for sym in symbols]


def _guessed_states(cell: Cell, metals: list[str]) -> list[float]:
    """pymatgen's oxidation-state guess for the cell's composition (its most likely one)."""
    from pymatgen.core import Composition

    guesses = Composition(dict(Counter(cell.symbols))).oxi_state_guesses(max_sites=-50)
    if not guesses:
        return [float("nan")] * len(metals)
    return [float(round(guesses[0].get(m, float("nan")))) for m in metals]


def crystal_states(cell: Cell, graph: PeriodicGraph, metal: np.ndarray,
                   ligand_charge: float | None) -> tuple[list[float], str | None]:
    """Oxidation state of each metal atom per ``featurize.cif_oxidation`` (``ligand_charge``:
    total charge of the cell's non-metal fragments, None if some could not be perceived);
    where the method gives none, the most common states, with the reason."""
    method = get_settings().featurize.cif_oxidation
    metals = [s for s, m in zip(cell.symbols, metal, strict=True) if m]
    why = ""
    if method in ("balance", "balance+bvs"):
        ox, why = _balanced_states(metals, ligand_charge)
        if ox is not None:
            return ox, None
    if method in ("bvs", "balance+bvs"):
        ox, source = _bond_valence_states(cell, graph, metal), "bond-valence sums"
    elif method == "guesser":
        ox, source = _guessed_states(cell, metals), "pymatgen's oxidation-state guess"
    else:
        ox, source = [float("nan")] * len(metals), ""
    if all(v == v and v > 0 for v in ox):
        return ox, f"{why}; states from {source}" if why else None
    common = [common_oxidation_state(m) for m in metals]
    return common, "; ".join(filter(None, (why, "used most common oxidation states")))
