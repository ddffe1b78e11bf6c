"""Linker SMILES of a crystal, for ``--linker-smarts``, while the featurizer does not report them.

Same chemistry as the featurizer (its bond graph, tolerances and bond-order perception): cut
the metals out of the bond graph, keep the carbon-containing fragments bound to a metal, and
write each distinct one as canonical SMILES (charged as in the framework, e.g. imidazolate).
Used only when a screen filters on linkers and ``featurize_many`` has no ``linkers`` column.
"""

from __future__ import annotations

import numpy as np

from gfa_ml.config import get_settings


def linker_smiles(cif_text: str) -> str:
    """Distinct metal-bound organic linkers, sorted and ``;``-joined ('' if none or unreadable)."""
    from gfa_ml.featurize import elements
    from gfa_ml.featurize.linkers import BondOrderError, to_smiles
    from gfa_ml.featurize.periodic_graph import GraphError, bond_graph, components
    from gfa_ml.structures.cif import CIFError, parse_cell

    cfg = get_settings().featurize
    try:
        cell = parse_cell(cif_text)
    except CIFError:
        return ""
    tabs = elements.tables()
    zmap = elements.z_of()
    z = np.fromiter((zmap[s] for s in cell.symbols), dtype=np.int64, count=cell.n_atoms)
    metal = tabs["metal"][z]
    if cell.n_atoms > cfg.max_atoms or not metal.any():
        return ""
    try:
        graph = bond_graph(cell.frac, cell.lattice, z, tabs["cov"], metal, cfg.bond_tolerance_A,
                           cfg.min_distance_A, cfg.metal_bond_tolerance_A)
    except GraphError:
        return ""
    organic_graph = graph.subgraph_mask(~metal[graph.i] & ~metal[graph.j])
    _, frag = components(organic_graph, nodes=~metal)
    bound = np.unique(frag[graph.i[~metal[graph.i] & metal[graph.j]]])
    half = organic_graph.i < organic_graph.j
    pairs = np.unique(np.stack([organic_graph.i[half], organic_graph.j[half]], axis=1), axis=0)
    found: set[str] = set()
    for label in bound.tolist():
        atoms = np.flatnonzero(frag == label)
        symbols = [cell.symbols[a] for a in atoms.tolist()]
        if "C" not in symbols:
            continue
        local = {a: k for k, a in enumerate(atoms.tolist())}
        inside = pairs[frag[pairs[:, 0]] == label] if len(pairs) else pairs
        try:
            smiles, _ = to_smiles(symbols, [(local[a], local[b]) for a, b in inside.tolist()])
        except BondOrderError:
            continue
        found.add(smiles)
    return ";".join(sorted(found))
