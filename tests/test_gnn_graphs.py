"""Crystal and building-block graphs: periodic-boundary correctness on real CoRE MOF cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch_geometric.data import Batch

from gfa_ml.gnn.building_block import METAL_DONOR_A, building_block_graph
from gfa_ml.gnn.crystal_graph import GraphError, cap_neighbors, crystal_graph, edge_vectors
from gfa_ml.gnn.graph_cache import GraphCache, graph_key
from gfa_ml.gnn.material_graphs import material_graphs
from gfa_ml.gnn.train import atom_batches
from gfa_ml.structures.cif import parse_structure
from gfa_ml.structures.core_mof import iter_cifs

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ZNI = "IMIDZB10_clean"  # Zn(im)2 (sod-type, not zni), 102 atoms
ZIF8 = "OFERUN_clean"  # ZIF-8, 138 atoms


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    return dict(iter_cifs("2019-ASR", names=[ZNI, ZIF8]))


@pytest.fixture(scope="module")
def zni(cifs):
    return parse_structure(cifs[ZNI], ZNI)


def per_atom_distances(graph) -> np.ndarray:
    """Each atom's sorted neighbour distances, one row per atom (12 neighbours each)."""
    d = edge_vectors(graph).norm(dim=1).numpy()
    centre = graph.edge_index[1].numpy()
    return np.array([np.sort(d[centre == i]) for i in range(graph.num_nodes)])


def assert_same_rows(a: np.ndarray, b: np.ndarray, tol: float = 1e-4) -> None:
    """``a`` and ``b`` hold the same rows up to order (float32 noise tolerated)."""
    assert a.shape == b.shape
    free = np.ones(len(b), dtype=bool)
    for row in a:
        hits = np.flatnonzero(free & (np.abs(b - row).max(axis=1) < tol))
        assert hits.size, f"no match for neighbour shell {row}"
        free[hits[0]] = False


def test_every_mof_atom_keeps_exactly_k_neighbours(zni):
    g = crystal_graph(zni, 8.0, 12)
    counts = np.bincount(g.edge_index[1].numpy(), minlength=len(zni))
    assert (counts == 12).all()
    # Zn is tetrahedrally bound to four imidazolate N at ~2.0 Å
    d = edge_vectors(g).norm(dim=1).numpy()
    zn = int(np.flatnonzero(g.z.numpy() == 30)[0])
    nearest = np.sort(d[g.edge_index[1].numpy() == zn])[:4]
    assert np.all((nearest > 1.9) & (nearest < 2.1))


def test_supercell_gives_same_neighbour_distances(zni):
    g1 = crystal_graph(zni, 8.0, 12)
    g2 = crystal_graph(zni * (2, 1, 1), 8.0, 12)
    assert g2.num_nodes == 2 * g1.num_nodes
    one = per_atom_distances(g1)
    assert_same_rows(per_atom_distances(g2), np.vstack([one, one]))


def test_edge_vectors_match_pymatgen_distances(zni):
    g = crystal_graph(zni, 8.0, 12)
    d = edge_vectors(g).norm(dim=1).numpy()
    src, dst = g.edge_index.numpy()
    images = g.edge_image.numpy()
    for e in range(0, g.num_edges, 37):
        expected = zni.get_distance(int(dst[e]), int(src[e]), jimage=images[e])
        assert d[e] == pytest.approx(expected, abs=1e-4)
    centre, _, _, dist = zni.get_neighbor_list(8.0)
    ref = np.sort(dist[cap_neighbors(centre, dist, 12)])
    np.testing.assert_allclose(np.sort(d), ref, atol=1e-4)


def test_translation_by_lattice_vector_changes_nothing(zni):
    moved = zni.copy()
    moved.translate_sites(list(range(len(moved))), [1, 0, -1], frac_coords=True,
                          to_unit_cell=False)
    assert not np.allclose(moved.cart_coords, zni.cart_coords)
    g0, g1 = crystal_graph(zni), crystal_graph(moved)
    assert_same_rows(per_atom_distances(g0), per_atom_distances(g1))
    shifted = zni.copy()  # any rigid shift, wrapped back into the cell
    shifted.translate_sites(list(range(len(shifted))), [0.37, 0.11, 0.5], frac_coords=True)
    assert_same_rows(per_atom_distances(crystal_graph(shifted)), per_atom_distances(g0))


def test_batched_edge_vectors_equal_per_graph(cifs, zni):
    g1 = crystal_graph(zni)
    g2 = crystal_graph(parse_structure(cifs[ZIF8], ZIF8))
    batched = edge_vectors(Batch.from_data_list([g1, g2]))
    torch.testing.assert_close(batched, torch.cat([edge_vectors(g1), edge_vectors(g2)]))


def test_building_block_zn_imidazolate():
    g = building_block_graph(["Zn"], ["2"], ["c1c[n-]cn1"])
    z = g.z.tolist()
    assert (z.count(30), z.count(6), z.count(7), z.count(1)) == (1, 3, 2, 3)
    assert g.ox[0].item() == 2.0 and torch.isnan(g.ox[1:]).all()
    d = edge_vectors(g).norm(dim=1)
    to_zn = g.edge_index[1] == 0
    nearest = int(g.edge_index[0][to_zn][d[to_zn].argmin()])
    assert z[nearest] == 7  # the imidazolate N binds the metal
    assert d[to_zn].min().item() == pytest.approx(METAL_DONOR_A, abs=1e-4)


def test_building_block_mixed_metals_and_bad_input():
    g = building_block_graph(["Co", "Zn"], ["2", "2"], ["c1c[n-]cn1", "[O-]C(=O)c1ccccc1"])
    assert g.z.tolist().count(27) == 1 and g.z.tolist().count(30) == 1
    with pytest.raises(GraphError, match="SMILES"):
        building_block_graph(["Zn"], ["2"], ["c1cc(("])
    with pytest.raises(GraphError, match="metal"):
        building_block_graph(["Xx"], ["2"], ["c1c[n-]cn1"])


def test_material_graphs_route_each_row(tmp_path):
    X = pd.DataFrame({
        "cif_path": [f"core-mof:2019-ASR/{ZNI}", "", "", "core-mof:2019-ASR/NOT_A_MOF",
                     "core-mof:1999/X", "core-mof:2019-ASR/ALSO_MISSING"],
        "metals": ["Zn", "Zn", "", "", "", "Zn"],
        "oxidation_states": ["2", "2", "", "", "", "2"],
        "ligand_smiles": ["", "c1c[n-]cn1", "", "", "", "c1c[n-]cn1"],
    }, index=["zni", "zif-4-record", "empty", "missing", "bad-set", "fallback"])
    gs = material_graphs(X, 8.0, 12, 5000, GraphCache(tmp_path))
    assert gs.kinds == ["crystal", "building_block", "", "", "", "building_block"]
    assert "CIF not found" in gs.reasons[4]
    assert gs.graphs[0].num_nodes == 102
    assert "no metals" in gs.reasons[2]
    assert "CIF not found" in gs.reasons[3]
    small = material_graphs(X.iloc[:1], 8.0, 12, 50, None)
    assert small.graphs[0] is None and "102 atoms > max_atoms=50" in small.reasons[0]


def test_graph_cache_roundtrip(tmp_path, cifs, zni):
    cache = GraphCache(tmp_path)
    key = graph_key(cifs[ZNI], 8.0, 12)
    assert cache.get(key) is None
    g = crystal_graph(zni)
    cache.put(key, g)
    back = cache.get(key)
    assert torch.equal(back.edge_index, g.edge_index) and torch.equal(back.z, g.z)
    torch.testing.assert_close(edge_vectors(back), edge_vectors(g))
    assert graph_key(cifs[ZNI], 6.0, 12) != key


def test_atom_batches_cover_all_and_respect_cap():
    sizes = [100, 3000, 2500, 50, 9000, 400]
    batches = atom_batches(sizes, 4000, seed=1)
    assert sorted(i for b in batches for i in b) == list(range(len(sizes)))
    for b in batches:
        assert len(b) == 1 or sum(sizes[i] for i in b) <= 4000
