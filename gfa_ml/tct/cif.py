"""Constraint inventory of a crystal structure, counted on the featurizer's periodic bond graph.

The crystal's network stands in for the glass's (the ZIF glasses keep the MN4 tetrahedra and
intact linkers, only the long-range order goes). Counting is per heavy atom from its bonded
neighbours, exactly as for the YAML linker graphs, so a CIF of ZIF-4 and the record Zn(Im)2 give
the same numbers. The inventory is normalised per metal atom (one formula unit M(L)2 for ZIFs).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from gfa_ml.config import get_settings
from gfa_ml.featurize import elements
from gfa_ml.featurize.periodic_graph import GraphError, bond_graph, components
from gfa_ml.structures.cif import CIFError, parse_cell
from gfa_ml.tct.counting import Inventory, count_atoms, count_metal
from gfa_ml.tct.records import Glass
from gfa_ml.tct.tables import available_families, load_family

#: most bonded neighbours (H included) an atom of these elements can have; more means two
#: disordered positions of one atom were both kept at full occupancy
MAX_NEIGHBOURS = {"C": 4, "N": 4, "O": 3, "F": 1, "Cl": 1, "Br": 1}


def glass_from_cif(cif_text: str, name: str, family: str = "ZIF") -> Glass:
    """Count a CIF's network as a glass of ``family``; a failed parse becomes the reason."""

    def fail(reason: str, metals: str = "") -> Glass:
        return Glass(name, family, metals, {}, None, reason)

    if family not in available_families():
        return fail(f"no constraint table or reference glass for family {family}")
    table = load_family(family)
    cfg = get_settings().featurize
    try:
        cell = parse_cell(cif_text, name)
    except CIFError as exc:
        return fail(str(exc))
    tabs, zmap = elements.tables(), elements.z_of()
    z = np.array([zmap[s] for s in cell.symbols], dtype=np.int64)
    metal = tabs["metal"][z]
    if not metal.any():
        return fail("no metal atoms: not a coordination network")
    metals = ";".join(sorted({s for s, m in zip(cell.symbols, metal, strict=True) if m}))
    try:
        graph = bond_graph(cell.frac, cell.lattice, z, tabs["cov"], metal,
                           cfg.bond_tolerance_A, cfg.min_distance_A)
    except GraphError as exc:
        return fail(f"{name}: {exc}", metals)

    # count the metal-containing network only: guest molecules left in the CIF are not glass
    _, label = components(graph)
    heavy = (z != 1) & np.isin(label, np.unique(label[metal]))
    n_bonded = np.bincount(graph.i, minlength=len(z))
    for a in np.flatnonzero(heavy):
        limit = MAX_NEIGHBOURS.get(cell.symbols[a])
        if limit is not None and n_bonded[a] > limit:
            return fail(f"{name}: {cell.symbols[a]} atom {a} has {n_bonded[a]} bonded neighbours "
                        "(unresolved disorder)", metals)
    neighbours: dict[int, list[int]] = {int(a): [] for a in np.flatnonzero(heavy & ~metal)}
    metal_bonds: dict[int, int] = defaultdict(int)
    for i, j in zip(graph.i, graph.j, strict=True):
        if not (heavy[i] and heavy[j]) or (metal[i] and metal[j]):
            continue
        if metal[i] or metal[j]:
            metal_bonds[int(i)] += 1  # counted from both ends: metal and donor
        else:
            neighbours[int(i)].append(int(j))
    inv = count_atoms(
        neighbours,
        {a: metal_bonds[a] for a in neighbours},
        {a: cell.symbols[a] for a in neighbours},
        table.substituent_types,
    )
    metal_idx = np.flatnonzero(metal)
    for a in metal_idx:
        inv.add(count_metal(metal_bonds[int(a)]))
    per_metal = Inventory()
    per_metal.add(inv, 1.0 / len(metal_idx))
    return Glass(name, family, metals, {}, per_metal)
