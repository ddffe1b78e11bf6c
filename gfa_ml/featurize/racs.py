"""Revised autocorrelations (RACs) over the crystal's bond graph.

A RAC sums a product (or difference) of an atomic property over atom pairs a fixed number of
bonds apart (depth d = 0..3), from a chosen set of start atoms (Janet & Kulik, J. Phys. Chem. A
2017, 121, 8939). For MOFs the start sets follow Moosavi et al., Nat. Commun. 2020, 11, 4068:

- ``mc``: metal-centred, in the full graph (what the metal sees: donors, then the linker);
- ``lc``: linker-connecting atoms (non-metal atoms bonded to a metal), inside the linkers;
- ``func``: functional-group atoms (linker heteroatoms not bonded to a metal), inside the linkers;
- ``flig``: every linker atom, inside the linkers (products only);
- ``f``: every atom of the cell, in the full graph (products only).

Properties: Pauling electronegativity (``chi``), atomic number (``Z``), identity (``I``, = 1:
counts atoms per shell), topology (``T``: the atom's number of bonds) and covalent radius
(``S``, size). Products at every depth, differences (start minus partner) at depths 1..3 (a
difference at depth 0, or of the identity, is always 0). Each value is averaged over the start
atoms, so cells of one framework with different Z give the same numbers; a start set that is
empty (no functional groups) gives 0, the sum over no atoms. "Linker" = the non-metal pieces
bonded to a metal, with the metals cut out.

Distances are counted on the bond graph by atom index (periodic images folded): in cells so
small that a three-bond path returns to an image of its own start, a shell can miss atoms. The
whole group costs ~1-3 ms per CoRE cell (sparse breadth-first shells, ``benchmarks/td_bench.py``).
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix, identity

from gfa_ml.featurize import elements
from gfa_ml.featurize.periodic_graph import PeriodicGraph, components

PROPERTIES = ("chi", "Z", "I", "T", "S")
DEPTHS = (0, 1, 2, 3)
#: scope -> (graph: "full" or "linker", whether differences are reported)
SCOPES = {"mc": ("full", True), "lc": ("linker", True), "func": ("linker", True),
          "flig": ("linker", False), "f": ("full", False)}
CITATIONS = (
    "Janet, J. P.; Kulik, H. J. J. Phys. Chem. A 2017, 121, 8939 (revised autocorrelations)",
    "Moosavi, S. M. et al. Nat. Commun. 2020, 11, 4068 (RACs for MOFs: mc, lc, func, f-lig)",
)


def _labels() -> tuple[str, ...]:
    out = []
    for scope, (_, diff) in SCOPES.items():
        out += [f"rac_{scope}_{p}_{d}" for p in PROPERTIES for d in DEPTHS]
        if diff:
            out += [f"rac_{scope}_D{p}_{d}" for p in PROPERTIES if p != "I" for d in DEPTHS[1:]]
    return tuple(out)


RAC_LABELS = _labels()


def feature_labels() -> list[str]:
    """The group's columns, in output order (matminer's contract)."""
    return list(RAC_LABELS)


def citations() -> list[str]:
    return list(CITATIONS)


@lru_cache(maxsize=1)
def _electronegativity() -> np.ndarray:
    """Pauling electronegativity per Z (pymatgen); 0 where undefined (noble gases)."""
    from pymatgen.core import Element

    chi = np.zeros(elements.MAX_Z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns on missing electronegativities
        for sym, z in elements.z_of().items():
            x = Element(sym).X
            chi[z] = float(x) if x == x else 0.0
    return chi


def _adjacency(graph: PeriodicGraph, keep: np.ndarray) -> csr_matrix:
    """Undirected 0/1 adjacency between distinct atoms over the edges ``keep``."""
    i, j = graph.i[keep], graph.j[keep]
    off = i != j
    a = csr_matrix((np.ones(int(off.sum())), (i[off], j[off])), shape=(graph.n, graph.n))
    a.data[:] = 1.0
    return a


def _shell_sums(adj: csr_matrix, props: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every atom and depth: the sum of each property over the atoms exactly d bonds away
    (``[depth, atom, prop]``) and how many there are (``[depth, atom]``)."""
    n = adj.shape[0]
    shell = identity(n, format="csr")
    seen = shell.copy()
    sums, counts = [props], [np.ones(n)]
    for _ in DEPTHS[1:]:
        reach = shell @ adj
        reach.data[:] = 1.0
        shell = reach - reach.multiply(seen)
        shell.eliminate_zeros()
        seen = seen + shell
        sums.append(shell @ props)
        counts.append(np.diff(shell.indptr).astype(float))
    return np.stack(sums), np.stack(counts)


def _scope_values(
    sums: np.ndarray, counts: np.ndarray, starts: np.ndarray, props: np.ndarray, diff: bool
) -> list[float]:
    """Products (then differences) averaged over the start atoms, in label order."""
    n_prod = len(PROPERTIES) * len(DEPTHS)
    n_diff = (len(PROPERTIES) - 1) * (len(DEPTHS) - 1) if diff else 0
    if len(starts) == 0:
        return [0.0] * (n_prod + n_diff)
    own = props[starts]  # (start, prop)
    prod = (own[None] * sums[:, starts]).mean(axis=1)  # (depth, prop)
    out = prod.T.ravel().tolist()
    if diff:
        d = (own[None] * counts[:, starts, None] - sums[:, starts]).mean(axis=1)  # (depth, prop)
        keep = [p for p, name in enumerate(PROPERTIES) if name != "I"]
        out += d[1:, keep].T.ravel().tolist()
    return out


def rac_features(graph: PeriodicGraph, z: np.ndarray, metal: np.ndarray) -> dict[str, float]:
    """Every ``rac_*`` column of one cell from its bond graph (see module docstring)."""
    full = _adjacency(graph, np.ones(len(graph.i), bool))
    nm_edge = ~metal[graph.i] & ~metal[graph.j]
    lig_adj = _adjacency(graph, nm_edge)
    degree = np.asarray(full.sum(axis=1)).ravel()
    props = np.column_stack([
        _electronegativity()[z], z.astype(float), np.ones(len(z)), degree,
        elements.tables()["cov"][z],
    ])
    # linker atoms: non-metal pieces (metals cut out) with at least one atom bonded to a metal
    bonded_to_metal = np.zeros(graph.n, bool)
    bonded_to_metal[graph.i[~metal[graph.i] & metal[graph.j]]] = True
    _, lab = components(graph.subgraph_mask(nm_edge), nodes=~metal)
    linker = np.isin(lab, np.unique(lab[bonded_to_metal])) & ~metal
    hetero = (z != 1) & (z != 6)
    starts = {
        "mc": np.flatnonzero(metal),
        "lc": np.flatnonzero(bonded_to_metal),
        "func": np.flatnonzero(linker & hetero & ~bonded_to_metal),
        "flig": np.flatnonzero(linker),
        "f": np.arange(graph.n),
    }
    shells = {"full": _shell_sums(full, props), "linker": _shell_sums(lig_adj, props)}
    values: list[float] = []
    for scope, (which, diff) in SCOPES.items():
        values += _scope_values(*shells[which], starts[scope], props, diff)
    return dict(zip(RAC_LABELS, values, strict=True))
