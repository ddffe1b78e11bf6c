"""Reduce overlapping sites (unresolved disorder) to one alternative, so the cell can be featurized.

CSD-derived CIFs (CoRE MOF among them) often keep both positions of a disordered group at full
occupancy and without disorder-group labels: atoms a few tenths of an angstrom apart that no
bond graph can use. Of every set of sites closer than ``min_distance`` one is kept: the one with
the highest occupancy, ties going to the site listed first in the file (the first alternative).
Exact duplicates (same element on the same position) are dropped the same way. Only called for
cells that failed the bond graph's overlap check, so ordered cells pay nothing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gfa_ml.featurize.periodic_graph import neighbour_pairs
from gfa_ml.structures.cif import Cell


def resolve_overlaps(
    cell: Cell, min_distance: float, overlaps: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[Cell, str]:
    """(cell without overlapping alternatives, phrase saying what was dropped) ('' = nothing).

    ``overlaps``: the close (i, j) pairs, both directions, when already known (``GraphError``).
    """
    if overlaps is None:
        i, j, _, _ = neighbour_pairs(cell.frac, cell.lattice, min_distance)
    else:
        i, j = overlaps
    if len(i) == 0:
        return cell, ""
    occ = np.ones(cell.n_atoms) if cell.occ is None else cell.occ
    # visit sites major-occupancy first, file order among equals; a kept site drops its overlaps
    rank = np.empty(cell.n_atoms, dtype=np.int64)
    rank[np.lexsort((np.arange(cell.n_atoms), -occ))] = np.arange(cell.n_atoms)
    order = np.argsort(rank[i], kind="stable")
    drop = np.zeros(cell.n_atoms, bool)
    for a, b in zip(i[order].tolist(), j[order].tolist(), strict=True):
        if not drop[a] and rank[a] < rank[b]:
            drop[b] = True
    keep = ~drop
    symbols = tuple(s for s, k in zip(cell.symbols, keep, strict=True) if k)
    dropped = [cell.symbols[a] for a in np.flatnonzero(drop).tolist()]
    counts = {s: dropped.count(s) for s in sorted(set(dropped))}
    what = ", ".join(f"{n} {s}" for s, n in counts.items())
    note = (f"dropped {int(drop.sum())} of {cell.n_atoms} overlapping site(s) ({what}) closer "
            f"than {min_distance:g} A, keeping the major / first alternative")
    resolved = replace(
        cell, symbols=symbols, frac=cell.frac[keep],
        occ=None if cell.occ is None else cell.occ[keep], notes=(*cell.notes, note),
    )
    return resolved, note
