"""Featurize one crystal: bond graph -> metal nodes, ligands, network -> a FeatureRow.

The hot path touches neither pymatgen ``Structure`` nor CrystalNN: a gemmi-parsed cell, one
cKDTree neighbour query and scipy graph routines. Metal/node/network/ligand columns are produced
by the same functions the record path uses (``metal_features``, ``ligand_features``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from gfa_ml.config import get_settings
from gfa_ml.featurize import elements
from gfa_ml.featurize.bonding import bond_features
from gfa_ml.featurize.composition import composition_features
from gfa_ml.featurize.crystal_charges import crystal_states, lone_oxygens
from gfa_ml.featurize.disorder import resolve_overlaps
from gfa_ml.featurize.ions import IonSpecies, ion_features
from gfa_ml.featurize.ligand import ligand_features
from gfa_ml.featurize.linkers import (
    BondOrderError,
    formula,
    overbonded,
    to_smiles,
)
from gfa_ml.featurize.metal import metal_features
from gfa_ml.featurize.periodic_graph import (
    GraphError,
    PeriodicGraph,
    bond_graph,
    components,
    dimensionality,
    image_vectors,
    neighbour_pairs,
)
from gfa_ml.featurize.porosity import core_mof_pores, structure_pores
from gfa_ml.featurize.racs import rac_features
from gfa_ml.featurize.schema import FeatureRow, donor_flags, error_row, one_line
from gfa_ml.structures.cif import Cell


@dataclass
class _Fragment:
    """All instances of one distinct non-metal fragment in the cell."""

    symbols: list[str]
    bonds: list[tuple[int, int]]
    count: int = 0
    metal_bound: bool = False
    periodic: bool = False


def _fragments(
    graph: PeriodicGraph, symbols: tuple[str, ...], z: np.ndarray, metal: np.ndarray
) -> tuple[np.ndarray, dict[bytes, _Fragment], np.ndarray]:
    """Cut the metals out; group the remaining molecules/ions by a cheap connectivity code.

    The code (element, degree, sums of neighbour Z and Z^2 per atom, sorted per fragment) is
    computed in numpy for all atoms at once; only one instance per group is turned into a
    molecule.
    """
    keep = ~metal[graph.i] & ~metal[graph.j]
    g_nm = graph.subgraph_mask(keep)
    _, flab = components(g_nm, nodes=~metal)
    fimg = image_vectors(g_nm, flab)
    fdim = dimensionality(g_nm, flab, fimg)
    ml = ~metal[graph.i] & metal[graph.j]
    bound = set(flab[graph.i[ml]].tolist())

    n = graph.n
    deg = np.bincount(g_nm.i, minlength=n)
    zn = z[g_nm.j].astype(np.int64)
    code = (
        z.astype(np.int64) * 1_000_003
        + deg * 100_003
        + np.bincount(g_nm.i, weights=zn, minlength=n).astype(np.int64) * 1_009
        + np.bincount(g_nm.i, weights=zn * zn, minlength=n).astype(np.int64)
    )
    atoms = np.flatnonzero(flab >= 0)
    if len(atoms) == 0:
        return flab, {}, fimg
    atoms = atoms[np.lexsort((code[atoms], flab[atoms]))]
    cuts = np.flatnonzero(np.diff(flab[atoms])) + 1
    half = g_nm.i < g_nm.j
    pairs = np.unique(np.stack([g_nm.i[half], g_nm.j[half]], axis=1), axis=0)
    n_bonds = np.bincount(flab[pairs[:, 0]], minlength=int(flab.max()) + 1) if len(pairs) else None

    frags: dict[bytes, _Fragment] = {}
    first_of: dict[bytes, np.ndarray] = {}
    for members in np.split(atoms, cuts):
        lab = int(flab[members[0]])
        nb = int(n_bonds[lab]) if n_bonds is not None else 0
        key = code[members].tobytes() + nb.to_bytes(4, "little")
        frag = frags.get(key)
        if frag is None:
            frag = frags[key] = _Fragment([], [])
            first_of[key] = members
        frag.count += 1
        frag.metal_bound |= lab in bound
        frag.periodic |= fdim.get(lab, 0) > 0
    # symbols and local bonds only for one representative per group
    for key, members in first_of.items():
        local = {int(a): k for k, a in enumerate(members)}
        inside = np.isin(pairs[:, 0], members) if len(pairs) else np.zeros(0, bool)
        frags[key].symbols = [symbols[a] for a in members.tolist()]
        frags[key].bonds = [(local[a], local[b]) for a, b in pairs[inside].tolist()]
    return flab, frags, fimg


def _sbu_graph(
    cell: Cell, graph: PeriodicGraph, z: np.ndarray, metal: np.ndarray, mm_tol: float
) -> PeriodicGraph:
    """Metal-metal links of inorganic building units: short M-M contacts (paddlewheels) and
    shared non-carbon bridging atoms (mu-O, mu-OH, mu-halide, mu-S)."""
    cov = elements.tables()["cov"]
    m_idx = np.flatnonzero(metal)
    edges_i, edges_j, edges_o = [], [], []
    if len(m_idx) > 1:
        cutoff = 2.0 * float(cov[z[m_idx]].max()) + mm_tol
        i, j, off, d = neighbour_pairs(cell.frac[m_idx], cell.lattice, cutoff)
        ok = d < cov[z[m_idx[i]]] + cov[z[m_idx[j]]] + mm_tol
        edges_i.append(m_idx[i[ok]])
        edges_j.append(m_idx[j[ok]])
        edges_o.append(off[ok])
    lm = ~metal[graph.i] & metal[graph.j] & (z[graph.i] != 6)
    la, lmet, lo = graph.i[lm], graph.j[lm], graph.offset[lm]
    order = np.argsort(la, kind="stable")
    la, lmet, lo = la[order], lmet[order], lo[order]
    starts = np.flatnonzero(np.r_[True, la[1:] != la[:-1]])
    ends = np.r_[starts[1:], len(la)]
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        if e - s < 2:
            continue
        for p in range(s, e):
            for q in range(s, e):
                if p != q:
                    edges_i.append(np.array([lmet[p]]))
                    edges_j.append(np.array([lmet[q]]))
                    edges_o.append((lo[q] - lo[p])[None, :])
    if not edges_i:
        empty = np.zeros(0, dtype=np.int64)
        return PeriodicGraph(graph.n, empty, empty, np.zeros((0, 3), dtype=np.int64), empty)
    ei, ej, eo = np.concatenate(edges_i), np.concatenate(edges_j), np.concatenate(edges_o)
    keep = ~((ei == ej) & ~eo.any(axis=1))
    return PeriodicGraph(graph.n, ei[keep], ej[keep], eo[keep], np.zeros(int(keep.sum())))


def _read_lone_oxygens(
    cell: Cell, graph: PeriodicGraph, metal: np.ndarray, frags: dict[bytes, _Fragment]
) -> dict[bytes, tuple[str, int]]:
    """Replace the one group of bare O fragments by one group per bond-valence reading (water,
    hydroxide, oxide: :func:`crystal_charges.lone_oxygens`); returns their (SMILES, charge)."""
    key = next((k for k, f in frags.items() if f.symbols == ["O"]), None)
    if key is None:
        return {}
    del frags[key]
    preset = {}
    for (smiles, charge, bound), n in lone_oxygens(cell, graph, metal).items():
        new = key + f"|{smiles}|{bound}".encode()
        frags[new] = _Fragment(["O"], [], count=n, metal_bound=bound)
        preset[new] = (smiles, charge)
    return preset


def featurize_cell(
    cell: Cell, id_: str, source: str = "", max_atoms: int | None = None
) -> FeatureRow:
    """All feature groups of one ordered cell; never raises for chemistry, returns error rows."""
    cfg = get_settings().featurize
    max_atoms = cfg.max_atoms if max_atoms is None else max_atoms
    if cell.n_atoms > max_atoms:
        return error_row(id_, f"{cell.n_atoms} atoms in the cell > max_atoms={max_atoms}")
    tabs = elements.tables()
    z = atomic_numbers(cell)
    metal = tabs["metal"][z]
    if not metal.any():
        return error_row(id_, "no metal atoms: not a coordination network")
    try:
        graph = crystal_graph(cell, z)
    except GraphError as exc:  # overlapping alternatives of a disordered group: keep one
        cell, _ = resolve_overlaps(cell, cfg.min_distance_A, exc.overlaps)
        z = atomic_numbers(cell)
        metal = tabs["metal"][z]
        try:
            graph = crystal_graph(cell, z)
        except GraphError as exc:
            return error_row(id_, str(exc))

    feats: dict[str, float] = {}
    reasons: dict[str, str] = {}
    if cell.notes:
        reasons["disorder"] = "; ".join(cell.notes)

    # network dimensionality of the metal-containing pieces
    _, lab = components(graph)
    img = image_vectors(graph, lab)
    dims = dimensionality(graph, lab, img)
    feats["net_dim"] = float(max(dims[int(c)] for c in np.unique(lab[metal])))

    # ligands / anions
    flab, frags, fimg = _fragments(graph, cell.symbols, z, metal)
    preset = _read_lone_oxygens(cell, graph, metal, frags)
    ligands: list[str] = []
    linkers: Counter[str] = Counter()  # metal-bound organic linker SMILES -> instances per cell
    weights: list[float] = []
    charges: dict[bytes, int | None] = {}
    smiles_of: dict[bytes, str] = {}
    species: list[tuple[str, float]] = []  # every bound or charged ligand / ion (bond group)
    lig_reason = None
    disordered: list[str] = []
    #: why this row is only partly computed (status partial); read-time disorder comes first
    partial: list[str] = list(cell.notes)
    unperceived: list[str] = []  # metal-bound organic ligands without closed-shell bond orders
    for key, frag in frags.items():
        organic = "C" in frag.symbols
        charges[key] = None
        if frag.periodic:
            if organic and frag.metal_bound:
                lig_reason = f"ligand {formula(frag.symbols)} is an infinite covalent net"
            continue
        if overbonded(frag.symbols, frag.bonds):
            disordered.append(f"{frag.count}x {formula(frag.symbols)}")
            continue
        try:
            smiles, charges[key] = preset.get(key) or to_smiles(frag.symbols, frag.bonds)
            smiles_of[key] = smiles
        except BondOrderError as exc:
            if organic and frag.metal_bound:
                lig_reason = lig_reason or str(exc)
                unperceived.append(formula(frag.symbols))
            continue
        if frag.metal_bound or charges[key] != 0:
            species.append((smiles, float(frag.count)))
        if organic and (frag.metal_bound or charges[key] != 0):
            ligands.append(smiles)
            weights.append(float(frag.count))
        if organic and frag.metal_bound:
            linkers[smiles] += frag.count
    if unperceived:
        partial.append(f"no closed-shell bond orders for ligand(s) {', '.join(unperceived)} "
                       "(hydrogens missing or disordered?): ligand columns NaN")
    if disordered and not ligands:
        overlap = f"unresolved disorder: overlapping fragments {', '.join(disordered)}"
        partial.append(f"{overlap}: ligand columns NaN")
        lig_reason = lig_reason or overlap
    lig, why = ligand_features(ligands, weights)
    if lig_reason:
        lig = dict.fromkeys(lig, np.nan)
        why = lig_reason
    feats.update(lig)
    if why:
        reasons["lig"] = why
    if disordered:
        skipped = f"skipped overlapping (disordered) fragments {', '.join(disordered)}"
        reasons["disorder"] = "; ".join(filter(None, (reasons.get("disorder"), skipped)))

    # metals, and the ions and water beside the organic ligands, per metal atom
    metals = [s for s, m in zip(cell.symbols, metal, strict=True) if m]
    known = all(q is not None for q in charges.values())
    ligand_charge = sum(q * frags[k].count for k, q in charges.items() if q) if known else None
    ox, note = crystal_states(cell, graph, metal, ligand_charge)
    feats.update(metal_features(metals, ox))
    if note:
        reasons["metal_ox"] = note
    ions = [IonSpecies(smiles_of.get(k, formula(f.symbols)), charges[k], f.count / len(metals),
                       f.metal_bound) for k, f in frags.items()]
    feats.update(ion_features(ions, Counter(metals)))

    # node: coordination number, donor atoms, M-L bond lengths
    ml = metal[graph.i] & ~metal[graph.j]
    cn = np.bincount(graph.i[ml], minlength=graph.n)[metal]
    feats["node_cn"] = float(cn.mean())
    donors = {cell.symbols[a] for a in np.unique(graph.j[ml]).tolist()}
    feats.update(donor_flags(donors))
    feats.update(bond_features(metals, ox, donors, None if lig_reason else species))
    if ml.any():
        d = graph.dist[ml]
        feats.update(node_bond_mean=float(d.mean()), node_bond_min=float(d.min()),
                     node_bond_max=float(d.max()))
    else:
        reasons["node_geom"] = "no metal-ligand bonds within covalent radii + tolerance"

    _node_units(cell, graph, z, metal, flab, fimg, cfg.metal_metal_tolerance_A, feats, reasons)

    # composition and bulk
    feats.update(composition_features(Counter(z.tolist())))
    volume = cell.volume
    feats["struct_n_atoms"] = float(cell.n_atoms)
    feats["struct_volume_per_atom"] = volume / cell.n_atoms
    feats["struct_density"] = float(tabs["mass"][z].sum()) / volume * 1.66053907
    feats.update(rac_features(graph, z, metal))

    pores = core_mof_pores(id_, source)
    if pores is None:
        pores, why = structure_pores(cell, z)
        if why:
            reasons["pore"] = why
    feats.update(pores)
    names = sorted(linkers)
    labels = {"metals": ";".join(sorted(set(metals))), "linkers": ";".join(names),
              "linker_counts": ";".join(str(linkers[n]) for n in names)}
    if partial:
        return FeatureRow(id=id_, features=feats, nan_reasons=reasons, labels=labels,
                          status="partial", error=one_line("; ".join(partial)))
    return FeatureRow(id=id_, features=feats, nan_reasons=reasons, labels=labels)


def atomic_numbers(cell: Cell) -> np.ndarray:
    zmap = elements.z_of()
    return np.fromiter((zmap[s] for s in cell.symbols), dtype=np.int64, count=cell.n_atoms)


def crystal_graph(cell: Cell, z: np.ndarray | None = None) -> PeriodicGraph:
    """The featurizer's periodic bond graph of a cell (ionic tolerance for metal-donor bonds),
    which the TCT counting uses too; raises :class:`GraphError` for overlapping atoms."""
    cfg = get_settings().featurize
    tabs = elements.tables()
    z = atomic_numbers(cell) if z is None else z
    return bond_graph(
        cell.frac, cell.lattice, z, tabs["cov"], tabs["metal"][z],
        cfg.bond_tolerance_A, cfg.min_distance_A, cfg.metal_bond_tolerance_A,
    )


def _node_units(
    cell: Cell,
    graph: PeriodicGraph,
    z: np.ndarray,
    metal: np.ndarray,
    flab: np.ndarray,
    fimg: np.ndarray,
    mm_tol: float,
    feats: dict[str, float],
    reasons: dict[str, str],
) -> None:
    """Nuclearity and dimensionality of the inorganic units, and how many linkers join each."""
    sg = _sbu_graph(cell, graph, z, metal, mm_tol)
    _, slab = components(sg, nodes=metal)
    simg = image_vectors(sg, slab)
    sdim = dimensionality(sg, slab, simg)
    units = np.unique(slab[metal])
    sizes = np.bincount(slab[metal])[units]
    finite = np.array([sdim[int(u)] == 0 for u in units])
    feats["node_inorganic_dim"] = float(max(sdim[int(u)] for u in units))
    if finite.any():
        feats["node_nuclearity"] = float(sizes[finite].mean())
    else:
        reasons["node_nuclearity"] = "inorganic units are infinite rods/layers"
        feats["node_nuclearity"] = np.nan

    # ligand atom a -> metal m with offset o: the unit instance seen from the ligand's frame
    lm = ~metal[graph.i] & metal[graph.j]
    a, m, o = graph.i[lm], graph.j[lm], graph.offset[lm]
    if len(a) == 0:
        feats["net_connectivity"] = 0.0
        return
    shift = o + fimg[a] - simg[m]
    rows = np.unique(np.column_stack([flab[a], slab[m], shift]), axis=0)
    frag_ids, n_units = np.unique(rows[:, 0], return_counts=True)
    bridging = set(frag_ids[n_units >= 2].tolist())
    hit = rows[np.isin(rows[:, 0], list(bridging))]
    per_unit = np.bincount(hit[:, 1], minlength=int(slab.max()) + 1)[units]
    feats["net_connectivity"] = float(per_unit.mean())
