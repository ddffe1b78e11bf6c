"""Periodic bond graph and the dimensionality of its connected pieces.

Neighbours come from one cKDTree query against the cell and its periodic images (numpy/scipy,
no pymatgen neighbour lists). Dimensionality follows the classic periodic-graph argument (as in
Larsen et al., Phys. Rev. Mater. 2019, 3, 034003 and Gavezzotti's topology work): walk each
connected component giving every atom an image vector; an edge that closes a cycle with a
non-zero net lattice translation is a periodic direction, and the rank of those translations is
the dimensionality (0 molecule/cluster, 1 chain, 2 layer, 3 framework).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.spatial import cKDTree


class GraphError(ValueError):
    """Geometry that cannot be a real crystal (overlapping atoms...).

    ``overlaps``: the (i, j) atom pairs found too close, both directions, for disorder resolution.
    """

    def __init__(self, message: str, overlaps: tuple[np.ndarray, np.ndarray] | None = None):
        super().__init__(message)
        self.overlaps = overlaps


@dataclass(frozen=True)
class PeriodicGraph:
    """Directed edge list (both directions stored): i -> j in image ``offset``, length ``dist``."""

    n: int
    i: np.ndarray
    j: np.ndarray
    offset: np.ndarray  # (m, 3) int
    dist: np.ndarray

    def subgraph_mask(self, keep_edge: np.ndarray) -> PeriodicGraph:
        return PeriodicGraph(
            self.n, self.i[keep_edge], self.j[keep_edge], self.offset[keep_edge],
            self.dist[keep_edge],
        )


def _reach(lattice: np.ndarray, cutoff: float) -> np.ndarray:
    """Cutoff as a fraction of each cell width (distance between opposite faces)."""
    volume = abs(np.linalg.det(lattice))
    widths = np.array(
        [
            volume / np.linalg.norm(np.cross(lattice[(k + 1) % 3], lattice[(k + 2) % 3]))
            for k in range(3)
        ]
    )
    return cutoff / widths


def neighbour_pairs(
    frac: np.ndarray, lattice: np.ndarray, cutoff: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All (i, j, image, distance) with |r_j + image - r_i| < cutoff, self-pairs excluded.

    Only image atoms within ``cutoff`` of the home cell are put in the tree (a slab near each
    face instead of 26 full copies), which keeps the query ~linear in the cell size.
    """
    reach = _reach(lattice, cutoff)
    span = [range(-int(np.ceil(r)), int(np.ceil(r)) + 1) for r in reach]
    shifts = np.array(list(itertools.product(*span)), dtype=int)
    # image atom frac + s lies within reach of [0, 1) on every axis
    idx_parts, shift_parts = [], []
    for s_idx, shift in enumerate(shifts):
        shifted = frac + shift
        keep = np.all((shifted > -reach) & (shifted < 1.0 + reach), axis=1)
        sel = np.flatnonzero(keep)
        idx_parts.append(sel)
        shift_parts.append(np.full(len(sel), s_idx))
    atom_of = np.concatenate(idx_parts)
    shift_of = np.concatenate(shift_parts)
    images = (frac[atom_of] + shifts[shift_of]) @ lattice
    pairs = cKDTree(frac @ lattice).sparse_distance_matrix(
        cKDTree(images), cutoff, output_type="ndarray"
    )
    i = pairs["i"].astype(np.int64)
    k = pairs["j"].astype(np.int64)
    d = pairs["v"]
    j = atom_of[k]
    off = shifts[shift_of[k]]
    real = ~((i == j) & ~off.any(axis=1))
    return i[real], j[real], off[real], d[real]


def bond_graph(
    frac: np.ndarray,
    lattice: np.ndarray,
    z: np.ndarray,
    cov: np.ndarray,
    metal: np.ndarray,
    tolerance: float,
    min_distance: float,
    metal_tolerance: float | None = None,
) -> PeriodicGraph:
    """Covalent-radius bond graph: bond if d < r_a + r_b + tolerance.

    Metal to non-carbon bonds use ``metal_tolerance`` (ionic M-O/M-N bonds run long); metal-C
    keeps the tight one so carboxylate carbons of chelating groups are not counted as donors.

    H-H and metal-H contacts are not bonds (they are packing or disorder artefacts in MOF CIFs).
    Raises :class:`GraphError` for atoms closer than ``min_distance`` (unresolved disorder).
    """
    r = cov[z]
    metal_tolerance = tolerance if metal_tolerance is None else metal_tolerance
    cutoff = 2.0 * float(r.max()) + max(tolerance, metal_tolerance)
    i, j, off, d = neighbour_pairs(frac, lattice, cutoff)
    too_close = d < min_distance
    if too_close.any():
        a, b = int(i[too_close][0]), int(j[too_close][0])
        raise GraphError(
            f"overlapping atoms {a} and {b} ({d[too_close][0]:.2f} A apart): unresolved disorder",
            (i[too_close], j[too_close]),
        )
    h = z == 1
    carbon = z == 6
    ionic = (metal[i] & ~metal[j] & ~carbon[j]) | (metal[j] & ~metal[i] & ~carbon[i])
    ok = d < r[i] + r[j] + np.where(ionic, metal_tolerance, tolerance)
    ok &= ~(h[i] & h[j])
    ok &= ~((h[i] & metal[j]) | (metal[i] & h[j]))
    return PeriodicGraph(len(z), i[ok], j[ok], off[ok], d[ok])


def components(graph: PeriodicGraph, nodes: np.ndarray | None = None) -> tuple[int, np.ndarray]:
    """Connected components (ignoring images) of the graph restricted to ``nodes`` (bool mask)."""
    adj = coo_matrix((np.ones(len(graph.i)), (graph.i, graph.j)), shape=(graph.n, graph.n))
    n_comp, labels = connected_components(adj.tocsr(), directed=False)
    if nodes is not None:
        labels = np.where(nodes, labels, -1)
    return n_comp, labels


def image_vectors(graph: PeriodicGraph, labels: np.ndarray) -> np.ndarray:
    """Give every atom an image vector so that spanning-tree edges are consistent.

    Only atoms with ``labels >= 0`` are walked; edges are expected to stay inside those atoms.
    """
    n = graph.n
    img = np.zeros((n, 3), dtype=np.int64)
    if len(graph.i) == 0:
        return img
    key = graph.i * n + graph.j
    uniq, first = np.unique(key, return_index=True)
    csr = coo_matrix((np.ones(len(uniq)), (uniq // n, uniq % n)), shape=(n, n)).tocsr()
    img_list = img.tolist()
    offsets = graph.offset
    _, starts = np.unique(np.where(labels >= 0, labels, -1), return_index=True)
    for start in starts.tolist():
        if labels[start] < 0:
            continue
        order, pred = breadth_first_order(csr, start, directed=True)
        if len(order) < 2:
            continue
        child = order[1:]
        parent = pred[child]
        edge = first[np.searchsorted(uniq, parent * n + child)]
        for c, p, s in zip(child.tolist(), parent.tolist(), offsets[edge].tolist(), strict=True):
            ip = img_list[p]
            img_list[c] = [ip[0] + s[0], ip[1] + s[1], ip[2] + s[2]]
    return np.asarray(img_list, dtype=np.int64)


def dimensionality(graph: PeriodicGraph, labels: np.ndarray, img: np.ndarray) -> dict[int, int]:
    """Component label -> rank of its cycle translations (0..3)."""
    out = {int(c): 0 for c in np.unique(labels[labels >= 0])}
    if len(graph.i) == 0:
        return out
    cyc = img[graph.i] + graph.offset - img[graph.j]
    periodic = cyc.any(axis=1)
    comp = labels[graph.i[periodic]]
    vecs = cyc[periodic]
    for c in np.unique(comp):
        v = np.unique(vecs[comp == c], axis=0)
        out[int(c)] = int(np.linalg.matrix_rank(v.astype(float)))
    return out
