"""One spelling per ligand: SMILES rewritten as the ligand is coordinated in the crystal.

A chemist may type imidazole ``c1cnc[nH]1`` or imidazolate ``c1c[n-]cn1`` for the linker of
ZIF-4, and ``[I-].PPh3`` or ``[I-];PPh3`` for the ligands of a copper iodide cluster. The
descriptors (charge, donor count, Morgan bits) differ between such spellings, so the models would
answer differently for one material. This module maps every spelling onto one convention:

* dot-separated fragments are separate ligands (``[I-].PPh3`` = ``[I-];PPh3``);
* if no ligand of a record is written as an anion (net negative charge), nothing balances the
  metal cations, so the acidic groups that bind through their deprotonated atom are taken as
  coordinated anions: azole N-H (imidazole, pyrazole, triazoles, tetrazole, benzimidazole ...)
  -> azolate and carboxylic acid -> carboxylate. A record that spells any anion (phosphate,
  thiocyanate, halide ...) is taken as written, so a neutral co-ligand such as benzimidazole
  beside dihydrogenphosphate stays neutral;
* the negative charge of an azolate sits on one ring nitrogen by resonance; the spelling with
  the smallest canonical SMILES is chosen, so ``c1nc[n-]n1`` = ``c1n[n-]cn1``;
* a metal complex written as one ligand (the ``[CoCl4]2-`` of ``Co(bba)3[CoCl4]`` as
  ``Cl[Co-2](Cl)(Cl)Cl``) is, for counting ions and metal atoms (:func:`cut_metals`), cut at its
  metals as a crystal is: each bond to a metal leaves its electrons on the ligand atom.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

#: one line for ``--help`` texts: what the convention does to a typed ligand
CONVENTION_HELP = (
    "Ligands are read as coordinated: if no ligand of a record is written as an anion, azole "
    "N-H and carboxylic acid O-H are taken as deprotonated (c1cnc[nH]1 = c1c[n-]cn1, "
    "benzoic acid = benzoate); a record that writes any anion ([I-], phosphate, [S-]C#N) is "
    "taken as written. A ligand written twice counts twice ([Cl-].[Cl-]). A metal may carry "
    "its oxidation state (Cu(I), Cu+, Cu2+); otherwise the charge balance of the ligands sets "
    "it (Cu + pyrazine + [Cl-]: Cu(I)), and a formula column adds halide and water counts."
)


_DONOR_ELEMENTS = frozenset({7, 8, 9, 15, 16, 17, 34, 35, 53})


class LigandError(ValueError):
    """A ligand SMILES RDKit cannot read."""


def rdkit_parse(text: str, smarts: bool = False):
    """RDKit molecule (or SMARTS query) of ``text``, None when RDKit cannot read it; RDKit's
    own stderr chatter is silenced so the caller's one-line error is the only message."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    return Chem.MolFromSmarts(text) if smarts else Chem.MolFromSmiles(text)


def _mol(smiles: str):
    mol = rdkit_parse(smiles)
    if mol is None:
        raise LigandError(f"RDKit cannot read ligand SMILES {smiles!r}")
    return mol


def fragments(smiles: Sequence[str]) -> list[str]:
    """Split each SMILES at '.' into its disconnected fragments (each one ligand)."""
    return [part for s in smiles for part in s.split(".") if part.strip()]


def has_anion(smiles: Sequence[str]) -> bool:
    """True if any ligand is written as an anion (net negative charge; a nitro group's
    internal charge separation does not count)."""
    from rdkit import Chem

    return any(Chem.GetFormalCharge(_mol(s)) < 0 for s in smiles)


def can_bind(smiles: str) -> bool:
    """False for a ligand with nothing to coordinate through: no N, O, S, P, Se or halogen
    atom and no negative charge (a neutral hydrocarbon such as ethane)."""
    return any(a.GetAtomicNum() in _DONOR_ELEMENTS or a.GetFormalCharge() < 0
               for a in _mol(smiles).GetAtoms())


def _acidic_sites(mol) -> list[int]:
    """Atoms that lose their proton on coordination: azole N-H and carboxylic acid O-H."""
    from rdkit import Chem

    ring_info = mol.GetRingInfo()
    sites = []
    for atom in mol.GetAtoms():
        if atom.GetFormalCharge() != 0 or atom.GetTotalNumHs() != 1:
            continue
        if atom.GetAtomicNum() == 7 and atom.GetIsAromatic():
            rings = [r for r in ring_info.AtomRings() if atom.GetIdx() in r and len(r) == 5]
            if any(sum(mol.GetAtomWithIdx(i).GetAtomicNum() == 7 for i in r) >= 2
                   for r in rings):
                sites.append(atom.GetIdx())
    acid = Chem.MolFromSmarts("[CX3](=O)[OX2H1]")
    sites += [m[2] for m in mol.GetSubstructMatches(acid)]
    return sites


def _deprotonate(mol):
    from rdkit import Chem

    rw = Chem.RWMol(mol)
    for idx in _acidic_sites(mol):
        atom = rw.GetAtomWithIdx(idx)
        atom.SetFormalCharge(-1)
        atom.SetNumExplicitHs(0)
        atom.SetNoImplicit(True)
    Chem.SanitizeMol(rw)
    return rw.GetMol()


@lru_cache(maxsize=8192)
def canonical_ligand(smiles: str) -> str:
    """Canonical SMILES with the azolate charge on one fixed ring nitrogen (resonance).

    Every aromatic ring nitrogen without H is tried as the home of the charge (one
    sanitisation each, linear in the ring nitrogens, where enumerating resonance structures is
    exponential in a big fused linker); the forms RDKit can kekulise are the resonance forms
    that keep the charge on nitrogen. An azolate is named for its five-membered ring, so a
    nitrogen of a five-membered ring is preferred as the home (purinate and adeninate are
    written with the charge on the imidazole N, as chemists draw them, not on a pyrimidine N);
    the smallest canonical SMILES among those is the spelling-independent answer.
    """
    from rdkit import Chem

    mol = _mol(smiles)
    charged = [a.GetIdx() for a in mol.GetAtoms()
               if a.GetIsAromatic() and a.GetAtomicNum() == 7 and a.GetFormalCharge() < 0]
    if len(charged) != 1:
        return Chem.MolToSmiles(mol)  # no azolate, or several charges whose pairing would need
    ring5 = {i for r in mol.GetRingInfo().AtomRings() if len(r) == 5 for i in r}
    forms = [(charged[0] not in ring5, Chem.MolToSmiles(mol))]
    homes = [a.GetIdx() for a in mol.GetAtoms()
             if a.GetIsAromatic() and a.GetAtomicNum() == 7 and a.IsInRing()
             and a.GetTotalNumHs() == 0 and a.GetFormalCharge() == 0]
    for idx in homes:
        rw = Chem.RWMol(mol)  # aromatic flags kept: sanitising re-kekulises with the move
        for i, charge in ((charged[0], 0), (idx, -1)):
            atom = rw.GetAtomWithIdx(i)
            atom.SetFormalCharge(charge)
            atom.SetNumExplicitHs(0)
            atom.SetNoImplicit(True)
        try:
            form = rw.GetMol()
            Chem.SanitizeMol(form)
        except (ValueError, RuntimeError):
            continue
        forms.append((idx not in ring5, Chem.MolToSmiles(form)))
    return min(forms)[1]


def as_coordinated(smiles: Sequence[str]) -> list[list[str]]:
    """A record's ligand SMILES (one entry per ';' cell) under the convention above.

    Returns, per cell, the canonical SMILES of its fragments; raises :class:`LigandError` for
    an unreadable one.
    """
    from rdkit import Chem

    cells = [fragments([s]) for s in smiles]
    if has_anion([p for parts in cells for p in parts]):
        return [[canonical_ligand(p) for p in parts] for parts in cells]
    return [[canonical_ligand(Chem.MolToSmiles(_deprotonate(_mol(p)))) for p in parts]
            for parts in cells]


def cut_metals(smiles: str) -> tuple[list[tuple[str, float]], list[str]]:
    """(metal atoms as (symbol, oxidation state), canonical SMILES of the pieces left) of a
    ligand SMILES; a SMILES without metal atoms comes back as its only piece.

    The state is the metal's formal charge plus the bond orders it loses (a dative bond gives
    none), so ``Cl[Co-2](Cl)(Cl)Cl`` -> Co(+2) and four ``[Cl-]``.
    """
    from rdkit import Chem

    from gfa_ml.featurize.elements import is_metal

    mol = _mol(smiles)
    metals = [a.GetIdx() for a in mol.GetAtoms() if is_metal(a.GetSymbol())]
    if not metals:
        return [], [Chem.MolToSmiles(mol)]
    rw = Chem.RWMol(mol)
    for atom in rw.GetAtoms():
        atom.SetNumExplicitHs(atom.GetTotalNumHs())
        atom.SetNoImplicit(True)
    states = []
    for idx in metals:
        metal = rw.GetAtomWithIdx(idx)
        ox = metal.GetFormalCharge()
        for bond in metal.GetBonds():
            other = bond.GetOtherAtom(metal)
            if is_metal(other.GetSymbol()) or bond.GetBondType() == Chem.BondType.DATIVE:
                continue
            order = round(bond.GetBondTypeAsDouble())
            other.SetFormalCharge(other.GetFormalCharge() - order)
            ox += order
        states.append((metal.GetSymbol(), float(ox)))
    for idx in sorted(metals, reverse=True):
        rw.RemoveAtom(idx)
    rest = rw.GetMol()
    Chem.SanitizeMol(rest)
    return states, [Chem.MolToSmiles(Chem.MolFromSmiles(p)) for p in
                    Chem.MolToSmiles(rest).split(".") if p]
