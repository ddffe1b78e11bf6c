"""Building-block graphs for materials without a crystal structure.

Each metal node sits at the origin of a small cluster; one copy of every ligand (from its
SMILES, RDKit 3D conformer with hydrogens) is placed with a donor atom at a typical
metal-donor distance, pointing away from the metal along tetrahedral (or evenly spread)
directions. Edges then follow the same k-nearest-within-cutoff rule as crystal graphs, so the
network sees a fragment of a coordination network rather than a different kind of graph.
Metal nodes carry their formal oxidation state.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from pymatgen.core.periodic_table import Element
from rdkit import Chem
from rdkit.Chem import AllChem
from torch_geometric.data import Data

from gfa_ml.gnn.crystal_graph import GraphError, cap_neighbors

#: typical M-N / M-O bond length in coordination polymers (Å)
METAL_DONOR_A = 2.0
_DONOR_ELEMENTS = {"N", "O", "S", "P", "F", "Cl", "Br", "I", "Se"}
_TETRAHEDRAL = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / math.sqrt(3.0)


def _directions(n: int) -> np.ndarray:
    """``n`` unit vectors: tetrahedral for up to four ligands, a Fibonacci sphere beyond."""
    if n <= 4:
        return _TETRAHEDRAL[:n]
    k = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * k / n)
    theta = math.pi * (1 + math.sqrt(5.0)) * k
    return np.stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], 1)


def _rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation matrix taking unit vector ``a`` onto unit vector ``b`` (Rodrigues)."""
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -1 + 1e-9:  # antiparallel: rotate by pi about any axis normal to a
        axis = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0.0, 1.0, 0.0])
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


def _donor(mol: Chem.Mol) -> int:
    """Most likely metal-binding atom: anionic heteroatom, else an H-free terminal/aromatic one."""
    best, best_score = -1, -1
    for atom in mol.GetAtoms():
        if atom.GetSymbol() not in _DONOR_ELEMENTS or atom.GetTotalNumHs() > 0:
            continue
        score = 3 if atom.GetFormalCharge() < 0 else 2 if atom.GetIsAromatic() else 1
        if atom.GetDegree() > 2 and score < 3:
            continue
        if score > best_score:
            best, best_score = atom.GetIdx(), score
    if best < 0:  # no heteroatom: bind the most electronegative heavy atom
        heavy = [a for a in mol.GetAtoms() if a.GetAtomicNum() > 1] or list(mol.GetAtoms())
        best = max(heavy, key=lambda a: Element(a.GetSymbol()).X).GetIdx()
    return best


def ligand_fragment(smiles: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray, int]:
    """(atomic numbers, 3D coordinates with H, donor index) for one ligand SMILES."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise GraphError(f"unparseable ligand SMILES {smiles!r}")
    donor = _donor(mol)
    mol = Chem.AddHs(mol)
    if mol.GetNumAtoms() == 1:
        pos = np.zeros((1, 3))
    else:
        params = AllChem.ETKDGv3()
        params.randomSeed = seed
        if AllChem.EmbedMolecule(mol, params) != 0:  # fall back to a flat depiction
            AllChem.Compute2DCoords(mol)
        pos = np.asarray(mol.GetConformer().GetPositions(), dtype=np.float64)
    z = np.array([a.GetAtomicNum() for a in mol.GetAtoms()], dtype=np.int64)
    return z, pos, donor


def _metal_cluster(metal: str, smiles: list[str], seed: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        metal_z = Element(metal).Z
    except ValueError as exc:
        raise GraphError(f"unknown metal symbol {metal!r}") from exc
    zs, poss = [np.array([metal_z])], [np.zeros((1, 3))]
    for smi, direction in zip(smiles, _directions(len(smiles)), strict=True):
        z, pos, donor = ligand_fragment(smi, seed)
        centred = pos - pos[donor]
        outward = -centred.mean(axis=0) if len(pos) > 1 else np.zeros(3)
        norm = np.linalg.norm(outward)
        rot = _rotation(outward / norm, -direction) if norm > 1e-6 else np.eye(3)
        poss.append(centred @ rot.T + METAL_DONOR_A * direction)
        zs.append(z)
    return np.concatenate(zs), np.vstack(poss)


def _parse_ox(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")


def building_block_graph(
    metals: list[str],
    oxidation_states: list[str],
    ligand_smiles: list[str],
    cutoff: float = 8.0,
    max_neighbors: int = 12,
    seed: int = 0,
) -> Data:
    """One metal-centred cluster per metal (clusters far apart), same edge rule as crystals."""
    if not metals:
        raise GraphError("record has no metals")
    if not ligand_smiles:
        raise GraphError("record has no ligand SMILES")
    zs, poss, oxs = [], [], []
    for m, metal in enumerate(metals):
        z, pos = _metal_cluster(metal, ligand_smiles, seed)
        zs.append(z)
        poss.append(pos + np.array([3.0 * cutoff * m, 0.0, 0.0]))
        ox = np.full(len(z), np.nan)
        ox[0] = _parse_ox(oxidation_states[m]) if m < len(oxidation_states) else np.nan
        oxs.append(ox)
    z, pos, ox = np.concatenate(zs), np.vstack(poss), np.concatenate(oxs)
    dmat = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=-1)
    center, neighbor = np.nonzero((dmat <= cutoff) & ~np.eye(len(z), dtype=bool))
    keep = cap_neighbors(center, dmat[center, neighbor], max_neighbors)
    return Data(
        z=torch.from_numpy(z),
        ox=torch.tensor(ox, dtype=torch.float32),
        pos=torch.tensor(pos, dtype=torch.float32),
        lattice=torch.zeros(1, 3, 3),
        edge_index=torch.from_numpy(np.vstack([neighbor[keep], center[keep]]).astype(np.int64)),
        edge_image=torch.zeros(len(keep), 3, dtype=torch.int64),
        num_nodes=len(z),
    )
