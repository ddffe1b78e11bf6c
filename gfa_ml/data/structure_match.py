"""Find CoRE MOF structures for labelled measured materials that have none (issue #21).

A measured row gains a crystal only when its structure is certainly the same compound and phase,
so this module *proposes*; the curator accepts a match by writing ``cif_path`` (and the refcode)
into the curation sheet with a note saying how it was checked. Candidates come from three
directions, each recorded in ``how``:

- ``refcode``: the row's ``csd_refcode`` is a CoRE entry's refcode (the same deposited
  structure); ``refcode family``: only the 6-letter base agrees, which CSD uses for every
  determination of one compound, polymorphs included (IMIDZB10 is sod Zn(Im)2, IMIDZB zni);
- ``list``: the screening benchmark list names the entry for this ``measured_id``;
- ``composition``: the CIF's metal-bound metals and linkers (as ``gfa featurize`` reports them in
  its ``metals`` / ``linkers`` columns) equal the row's metals and ligand SMILES, compared as
  heavy-atom skeletons so resonance and protonation forms of one ligand agree. CIFs are first
  screened by their set of heavy elements, read from the atom-site loop without building cells.

The phase is then told apart by the coordination sequence of the metal net
(:func:`coordination_sequence`): metals joined through a shared ligand, counted shell by shell
(cag ZIF-4 4,11,24,41,63,91; sod ZIF-8 4,10,20,34,52,74).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

import gemmi
import numpy as np
import pandas as pd
from rdkit import Chem, RDLogger

from gfa_ml.config import get_settings, overridden, using
from gfa_ml.featurize import elements
from gfa_ml.featurize.disorder import resolve_overlaps
from gfa_ml.featurize.featurizer import featurize_cif
from gfa_ml.featurize.periodic_graph import (
    GraphError,
    PeriodicGraph,
    components,
    image_vectors,
)
from gfa_ml.featurize.structure import atomic_numbers, crystal_graph
from gfa_ml.structures import core_mof
from gfa_ml.structures.cif import parse_cell

#: measured columns that make a row "labelled" (a training label for some target)
LABEL_VALUES = ("Tm_K", "Td_K", "Tg_K")
COLUMNS = ("id", "core_set", "core_name", "how", "cif_metals", "cif_linkers")


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    """Usable rows (no ``exclude_reason``) with a yes/no meltable label or a Tm/Td/Tg value."""
    usable = table[table["exclude_reason"].fillna("").astype(str).str.strip() == ""]
    values = usable[list(LABEL_VALUES)].apply(pd.to_numeric, errors="coerce").notna().any(axis=1)
    return usable[usable["meltable"].isin(["yes", "no"]) | values]


def has_cif(table: pd.DataFrame) -> pd.Series:
    return table["cif_path"].fillna("").astype(str).str.strip() != ""


def skeleton(smiles: str) -> str | None:
    """Heavy-atom graph of a ligand without charges, bond orders or hydrogens (None if RDKit
    cannot read it): ``c1c[n-]cn1``, ``c1c[nH]cn1`` and a quinoid reading of one anion agree."""
    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    rw = Chem.RWMol(Chem.RemoveHs(mol))
    for atom in rw.GetAtoms():
        atom.SetFormalCharge(0)
        atom.SetIsAromatic(False)
        atom.SetNoImplicit(True)
        atom.SetNumExplicitHs(0)
    for bond in rw.GetBonds():
        bond.SetBondType(Chem.BondType.SINGLE)
        bond.SetIsAromatic(False)
    return Chem.MolToSmiles(rw)


def _split(text: object) -> list[str]:
    return [t.strip() for t in str(text or "").replace(";", ".").split(".") if t.strip()]


def composition(metals: object, ligand_smiles: object) -> tuple[frozenset, frozenset] | None:
    """(metal symbols, ligand skeletons) of a row or a featurized CIF; None when a ligand is
    missing or unreadable (such a row cannot be matched by composition)."""
    ligands = [skeleton(s) for s in _split(ligand_smiles)]
    metal_set = frozenset(_split(metals))
    if not ligands or None in ligands or not metal_set:
        return None
    # water and single-atom anions (O2-, OH-) bound in a CoRE file are often stripped or kept
    # inconsistently (ASR removes solvent): they do not identify a framework
    return metal_set, frozenset(s for s in ligands if s.count("C") or s.count("c"))


def heavy_elements(metals: object, ligand_smiles: object) -> frozenset | None:
    """Heavy elements of a row: its metals plus every ligand atom but H."""
    out = set(_split(metals))
    for smi in _split(ligand_smiles):
        mol = Chem.MolFromSmiles(smi)
        if mol is None:
            return None
        out |= {a.GetSymbol() for a in mol.GetAtoms() if a.GetAtomicNum() > 1}
    return frozenset(out)


def cif_elements(cif_text: str) -> frozenset:
    """Heavy elements in a CIF's atom-site loop (type symbols, else labels), no cell built."""
    block = gemmi.cif.read_string(cif_text).sole_block()
    raw = list(block.find_values("_atom_site_type_symbol")) or list(
        block.find_values("_atom_site_label"))
    out = set()
    for value in raw:
        letters = "".join(ch for ch in gemmi.cif.as_string(value) if ch.isalpha())[:2]
        el = gemmi.Element(letters) if letters else None
        if el is not None and el.atomic_number == 0 and len(letters) == 2:
            el = gemmi.Element(letters[0])
        if el is not None and el.atomic_number > 1:
            out.add(el.name)
    return frozenset(out)


def _stream(sets: Iterable[str], names: Iterable[str] | None) -> Iterator[tuple[str, str, str]]:
    wanted = list(names) if names is not None else None
    for dataset in sets:
        for name, text in core_mof.iter_cifs(dataset, wanted):
            yield dataset, name, text


def refcode_candidates(rows: pd.DataFrame, sets: Iterable[str]) -> pd.DataFrame:
    """Entries whose refcode (``refcode``) or refcode base (``refcode family``) a row names."""
    out = []
    for dataset in sets:
        for name in core_mof.list_names(dataset):
            head = name.split("_")[0].upper()
            for mid, codes in rows["csd_refcode"].fillna("").items():
                for code in _split(str(codes).replace(",", ";")):
                    code = code.upper()
                    if head == code:
                        out.append((mid, dataset, name, "refcode"))
                    elif core_mof.refcode_base(name) == code[:6]:
                        out.append((mid, dataset, name, "refcode family"))
    return pd.DataFrame(out, columns=list(COLUMNS[:4]))


def list_candidates(rows: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """Entries the screening benchmark list ties to a row through its ``measured_id``."""
    hit = known[known["measured_id"].isin(rows.index)]
    return pd.DataFrame({"id": hit["measured_id"], "core_set": "2019-ASR",
                         "core_name": hit["core_id"], "how": "list"})


def _labels(text: str, name: str, dataset: str) -> dict[str, str]:
    """The featurizer's metals / linkers of a CoRE file. The 2014 set ships no pore table, so
    its files are read as plain CIFs with the fast grid pore estimate (pores are not used)."""
    if dataset != "2014":
        return featurize_cif(text, name, f"{core_mof.SOURCE_PREFIX}{dataset}", None).labels
    with using(overridden(featurize={"pore_backend": "grid"})):
        return featurize_cif(text, name, name, None).labels


def composition_candidates(rows: pd.DataFrame, sets: Iterable[str],
                           names: Iterable[str] | None = None) -> pd.DataFrame:
    """Entries whose featurized metals and metal-bound linkers equal a row's composition
    (``names``: only these entries of each set are read)."""
    wanted: dict[frozenset, list[str]] = {}
    keys = {}
    for mid, row in rows.iterrows():
        comp = composition(row["metals"], row["ligand_smiles"])
        els = heavy_elements(row["metals"], row["ligand_smiles"])
        if comp is None or els is None:
            continue
        keys[mid] = comp
        wanted.setdefault(els, []).append(mid)
    out = []
    for dataset, name, text in _stream(sets, names):
        try:
            els = cif_elements(text)
        except (RuntimeError, ValueError):
            continue
        ids = wanted.get(els, [])
        if not ids:
            continue
        feats = _labels(text, name, dataset)
        comp = composition(feats.get("metals", ""), feats.get("linkers", ""))
        for mid in ids:
            if comp is not None and comp == keys[mid]:
                out.append((mid, dataset, name, "composition", feats.get("metals", ""),
                            feats.get("linkers", "")))
    return pd.DataFrame(out, columns=list(COLUMNS))


def metal_net(cif_text: str) -> tuple[int, list[tuple[int, int, tuple[int, int, int]]]]:
    """(number of metals, edges m1 -> m2 with image offset): metals joined by a shared ligand."""
    cell = parse_cell(cif_text)
    try:
        graph = crystal_graph(cell)
    except GraphError as exc:  # overlapping alternatives of a disordered group: keep one, as
        cell, _ = resolve_overlaps(  # the featurizer does
            cell, get_settings().featurize.min_distance_A, exc.overlaps)
        graph = crystal_graph(cell)
    z = atomic_numbers(cell)
    metal = elements.tables()["metal"][z]
    organic = ~metal[graph.i] & ~metal[graph.j]
    sub = PeriodicGraph(graph.n, graph.i[organic], graph.j[organic], graph.offset[organic],
                        graph.dist[organic])
    _, frag = components(sub, ~metal)
    img = image_vectors(sub, frag)
    index = {int(m): k for k, m in enumerate(np.flatnonzero(metal))}
    # metal m (image 0) binds fragment f in image t: f's atom a sits at img[a] + t = offset
    bound: dict[int, list[tuple[int, tuple]]] = {}
    bonds = metal[graph.i] & ~metal[graph.j]
    for m, a, off in zip(graph.i[bonds], graph.j[bonds], graph.offset[bonds], strict=True):
        t = tuple(int(x) for x in off - img[a])
        bound.setdefault(int(frag[a]), []).append((index[int(m)], t))
    edges = set()
    for members in bound.values():
        for m1, t1 in members:
            for m2, t2 in members:
                shift = tuple(a - b for a, b in zip(t1, t2, strict=True))
                if (m1, m2, shift) != (m1, m1, (0, 0, 0)):
                    edges.add((m1, m2, shift))
    return len(index), sorted(edges)


def coordination_sequence(cif_text: str, depth: int = 6) -> tuple[int, ...]:
    """The most common coordination sequence over the metals of the metal net (shells 1..depth),
    a fingerprint of the net: two phases of one composition differ in it. Metals outside the net
    (a discrete [MnBr4]2- counter-ion) are not counted; () when no metal is linked."""
    _, edges = metal_net(cif_text)
    adj: dict[int, list[tuple[int, tuple]]] = {}
    for m1, m2, shift in edges:
        adj.setdefault(m1, []).append((m2, shift))
    seqs: Counter = Counter()
    for start in adj:
        seen = {(start, (0, 0, 0))}
        shell = [(start, (0, 0, 0))]
        counts = []
        for _ in range(depth):
            nxt = []
            for m, pos in shell:
                for m2, shift in adj.get(m, []):
                    node = (m2, tuple(p + s for p, s in zip(pos, shift, strict=True)))
                    if node not in seen:
                        seen.add(node)
                        nxt.append(node)
            counts.append(len(nxt))
            shell = nxt
        seqs[tuple(counts)] += 1
    return seqs.most_common(1)[0][0] if seqs else ()


def report(table: pd.DataFrame, candidates: pd.DataFrame,
           before: pd.DataFrame | None = None) -> dict[str, int]:
    """The counts issue #21 asks for. ``candidates`` were searched for the labelled rows that had
    no CIF in ``before`` (default: ``table`` itself); a row is an accepted match when it had no
    CIF then, has one now, and that structure is among its candidates."""
    lab = labelled(table)
    old = labelled(before) if before is not None else lab
    searched = old[~has_cif(old)].index
    cand = candidates[candidates["id"].isin(searched)]
    now = lab["cif_path"].fillna("").astype(str).str.rsplit("/", n=1).str[-1]
    offered = set(zip(cand["id"], cand["core_name"], strict=True))
    accepted = [m for m in searched if m in lab.index and has_cif(lab).get(m, False)
                and (m, now[m]) in offered]
    return {
        "labelled rows": len(lab),
        "labelled rows with a CIF before": int(has_cif(old).sum()),
        "rows searched (labelled, no CIF before)": len(searched),
        "rows with candidate structures": cand["id"].nunique(),
        "candidate structures": len(cand.drop_duplicates(["id", "core_set", "core_name"])),
        "accepted matches": len(accepted),
        "labelled rows with a CIF after": int(has_cif(lab).sum()),
    }
