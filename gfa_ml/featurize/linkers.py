"""Turn a ligand fragment cut out of a crystal into a charged RDKit molecule / canonical SMILES.

Connectivity comes from the periodic bond graph; bond orders and formal charges from a fast
greedy valence matching (``bond_orders``), with RDKit's ``DetermineBondOrders`` (xyz2mol: Kim &
Kim, Bull. Korean Chem. Soc. 2015, 36, 1769) over total charges 0, -1, -2, ... as a fallback for
small ligands, so that deprotonated azolates, carboxylates and phosphonates come out as the
anions they are in the framework. Fragments repeat across a cell and across CoRE, so
results are memoised per process on a connectivity hash.
"""

from __future__ import annotations

from collections.abc import Sequence

from gfa_ml.config import get_settings
from gfa_ml.featurize import bond_orders

# monoatomic ligands: RDKit cannot perceive their charge from bonds
_MONOATOMIC_CHARGE = {"O": -2, "S": -2, "Se": -2, "N": -3, "F": -1, "Cl": -1, "Br": -1, "I": -1}
_CHARGE_TRIALS = (0, -1, -2, -3, -4, -5, -6, 1, 2)


_MAX_BONDS = {"H": 1, "C": 4, "N": 4, "O": 3}


def overbonded(symbols: Sequence[str], bonds: Sequence[tuple[int, int]]) -> bool:
    """More bonds than H/C/N/O can have: overlapping disorder components in the CIF."""
    degree = [0] * len(symbols)
    for a, b in bonds:
        degree[a] += 1
        degree[b] += 1
    return any(d > _MAX_BONDS.get(s, 8) for s, d in zip(symbols, degree, strict=True))


class BondOrderError(ValueError):
    """No closed-shell bond-order assignment: usually missing or disordered hydrogens."""


def fragment_key(symbols: Sequence[str], bonds: Sequence[tuple[int, int]]) -> tuple:
    """Connectivity hash of a fragment (3 rounds of Weisfeiler-Lehman refinement)."""
    nbrs: list[list[int]] = [[] for _ in symbols]
    for a, b in bonds:
        nbrs[a].append(b)
        nbrs[b].append(a)
    labels = [hash(s) for s in symbols]
    for _ in range(3):
        labels = [
            hash((labels[k], tuple(sorted(labels[n] for n in nb)))) for k, nb in enumerate(nbrs)
        ]
    return (len(symbols), len(bonds), tuple(sorted(labels)))


def formula(symbols: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for s in symbols:
        counts[s] = counts.get(s, 0) + 1
    order = sorted(counts, key=lambda s: (s != "C", s != "H", s))
    return "".join(f"{s}{counts[s] if counts[s] > 1 else ''}" for s in order)


def _closed_shell(mol) -> bool:
    """Closed shell and chemically sane: what a hydrogen-deficient fragment usually violates."""
    from rdkit import Chem

    mol.UpdatePropertyCache(strict=False)
    ring_info = mol.GetRingInfo()
    for atom in mol.GetAtoms():
        if atom.GetNumRadicalElectrons():
            return False
        if atom.GetAtomicNum() == 6:
            # tetravalent and neutral; the one charged carbon is cyanide's C-, one triple bond
            bonds = atom.GetBonds()
            valence = atom.GetExplicitValence()
            cyanide = (atom.GetFormalCharge() == -1 and len(bonds) == 1
                       and bonds[0].GetBondType() == Chem.BondType.TRIPLE)
            if not cyanide and (atom.GetFormalCharge() != 0 or valence != 4):
                return False
        # sp atoms (triple bond or allene) cannot sit in a small ring
        kinds = [b.GetBondType() for b in atom.GetBonds()]
        sp = Chem.BondType.TRIPLE in kinds or kinds.count(Chem.BondType.DOUBLE) >= 2
        if sp and atom.IsInRing() and ring_info.MinAtomRingSize(atom.GetIdx()) <= 8:
            return False
    return True


_MEMO: dict[tuple, tuple[str, int] | str] = {}
_MEMO_MAX = 20000


def to_smiles(symbols: Sequence[str], bonds: Sequence[tuple[int, int]]) -> tuple[str, int]:
    """(canonical SMILES, formal charge) of a fragment; raises :class:`BondOrderError`.

    Memoised per process on the connectivity hash, so each distinct linker is perceived once.
    """
    key = fragment_key(symbols, bonds)
    result = _MEMO.get(key)
    if result is None:
        result = _assign(tuple(symbols), tuple(bonds))
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[key] = result
    if isinstance(result, str):
        raise BondOrderError(result)
    return result


def _build(symbols: Sequence[str], bonds: Sequence[tuple[int, int]], orders=None, charges=None):
    from rdkit import Chem

    kinds = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}
    rw = Chem.RWMol()
    for k, sym in enumerate(symbols):
        atom = Chem.Atom(sym)
        atom.SetNoImplicit(True)
        if charges is not None:
            atom.SetFormalCharge(charges[k])
        rw.AddAtom(atom)
    for a, b in bonds:
        if rw.GetBondBetweenAtoms(a, b) is None:
            order = 1 if orders is None else orders.get((min(a, b), max(a, b)), 1)
            rw.AddBond(a, b, kinds[order])
    return rw


def _greedy(symbols: tuple[str, ...], bonds: tuple[tuple[int, int], ...]):
    """Molecule from the fast greedy assignment, or None."""
    from rdkit import Chem

    result = bond_orders.assign(symbols, bonds)
    if result is None:
        return None
    mol = _build(symbols, bonds, *result).GetMol()
    try:
        Chem.SanitizeMol(mol)
    except (ValueError, RuntimeError):
        return None
    return mol if _closed_shell(mol) else None


def _exhaustive(symbols: tuple[str, ...], bonds: tuple[tuple[int, int], ...]):
    """RDKit xyz2mol over a range of total charges (slow on big linkers: small ones only)."""
    from rdkit import Chem
    from rdkit.Chem import rdDetermineBonds

    if sum(s != "H" for s in symbols) > get_settings().featurize.linker_exhaustive_max_heavy:
        return None
    rw = _build(symbols, bonds)
    rw.AddConformer(Chem.Conformer(len(symbols)))
    base = rw.GetMol()
    for q in _CHARGE_TRIALS:
        mol = Chem.Mol(base)
        try:
            rdDetermineBonds.DetermineBondOrders(
                mol, charge=q, allowChargedFragments=True, embedChiral=False
            )
        except (ValueError, RuntimeError):
            continue
        if _closed_shell(mol):
            return mol
    return None


def _assign(symbols: tuple[str, ...], bonds: tuple[tuple[int, int], ...]) -> tuple[str, int] | str:
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    if len(symbols) == 1 and symbols[0] in _MONOATOMIC_CHARGE:
        q = _MONOATOMIC_CHARGE[symbols[0]]
        return f"[{symbols[0]}{q:+d}]", q
    mol = _greedy(symbols, bonds) or _exhaustive(symbols, bonds)
    if mol is not None:
        try:
            return Chem.MolToSmiles(Chem.RemoveHs(mol)), Chem.GetFormalCharge(mol)
        except (ValueError, RuntimeError):
            pass
    n_h = sum(s == "H" for s in symbols)
    return (
        f"ligand {formula(symbols)} has no closed-shell bond orders "
        f"({'no H: ' if n_h == 0 else ''}hydrogens missing or disordered?)"
    )
