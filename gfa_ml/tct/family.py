"""Which TCT family a material belongs to, and its linker fractions, from what the featurizer saw.

The constraint model counts a family's linker graphs (``constraints/<family>.yaml``). A crystal is
mapped onto them through the featurizer's own bond graph and ligand perception (its metals, its
metal-bound linkers as SMILES with their instances per cell, its mean metal coordination), so a
CIF of ZIF-4 and the record Zn(Im)2 count the same, and any CIF the featurizer reads (disorder
resolved, overlapping copies skipped) is one TCT can count. The family is inferred, never assumed:
a family fits when its table has a node for every metal and a linker graph for every linker
(Zn/Co + imidazolates -> ZIF); otherwise the reason names what did not fit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from gfa_ml.data.columns import split_multi
from gfa_ml.tct.tables import FamilyTable, available_families, element_of, load_family


@cache
def skeleton(smiles: str) -> str | None:
    """Canonical heavy-atom graph of a SMILES (elements and connectivity only: no bond orders,
    charges or hydrogens), None if RDKit cannot read it. Imidazole and imidazolate share one."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    heavy = [a for a in mol.GetAtoms() if a.GetAtomicNum() > 1]
    index = {a.GetIdx(): k for k, a in enumerate(heavy)}
    bonds = [(index[b.GetBeginAtomIdx()], index[b.GetEndAtomIdx()]) for b in mol.GetBonds()
             if b.GetBeginAtomIdx() in index and b.GetEndAtomIdx() in index]
    return _graph_smiles([a.GetSymbol() for a in heavy], bonds)


def _graph_smiles(symbols: Sequence[str], bonds: Sequence[tuple[int, int]]) -> str:
    from rdkit import Chem

    rw = Chem.RWMol()
    for sym in symbols:
        atom = Chem.Atom(sym)
        atom.SetNoImplicit(True)
        rw.AddAtom(atom)
    for a, b in bonds:
        rw.AddBond(a, b, Chem.BondType.SINGLE)
    return Chem.MolToSmiles(rw.GetMol(), canonical=True)


@cache
def _linker_names(family: str) -> dict[str, str]:
    """Heavy-atom skeleton -> linker name of the family's table (none: no table)."""
    if family not in available_families():
        return {}
    table = load_family(family)
    out = {}
    for name, graph in table.linkers.items():
        atoms = list(graph.atoms)
        pos = {a: k for k, a in enumerate(atoms)}
        bonds = [(pos[a], pos[b]) for a, b in graph.bonds]
        out[_graph_smiles([element_of(a) for a in atoms], bonds)] = name
    return out


def linker_name(smiles: str, family: str) -> str | None:
    """The family table's name for a linker SMILES (``c1c[n-]cn1`` -> ``Im``), None if absent."""
    key = skeleton(smiles)
    return None if key is None else _linker_names(family).get(key)


def infer_family(metals: Sequence[str], linkers: Sequence[str]) -> tuple[str, str]:
    """(family, '') for the first family whose table covers every metal and linker, else
    ('', why none fits)."""
    if not metals:
        return "", "no metals"
    if not linkers:
        return "", "no metal-bound organic linker perceived"
    misses = []
    for family in sorted(available_families()):
        table = load_family(family)
        odd_metals = [m for m in metals if m not in table.metal_coordination]
        odd_linkers = [s for s in linkers if linker_name(s, family) is None]
        if not odd_metals and not odd_linkers:
            return family, ""
        which = "its linker(s)" if odd_linkers == list(linkers) else ", ".join(odd_linkers[:2])
        parts = ([f"node for {', '.join(odd_metals)}"] if odd_metals else []) + (
            [f"graph for {which}"] if odd_linkers else [])
        misses.append(f"{family} has no {' and no '.join(parts)}")
    return "", f"no TCT family fits {'/'.join(metals)} + {'; '.join(linkers)}: {'; '.join(misses)}"


def linker_fractions(
    counts: dict[str, float], coordination: float, family: str
) -> dict[str, float]:
    """Linkers per metal by table name: each bridging azolate binds two metals, so a metal of
    coordination number cn carries cn/2 linkers, shared in the ratio the crystal holds them."""
    total = sum(counts.values())
    per_metal = coordination / 2.0
    out: dict[str, float] = {}
    for smiles, n in counts.items():
        name = linker_name(smiles, family)
        if name is None:
            raise KeyError(smiles)
        out[name] = out.get(name, 0.0) + per_metal * n / total
    return out


def structure_record(row: dict, family: str | None = None) -> dict:
    """Measured-format fields (family, metals, linker_fractions, coordination_number) of a
    featurized crystal row (``metals``, ``linkers``, ``linker_counts``, ``node_cn``), or a dict
    with ``reason`` saying why it cannot be counted. ``family``: given, else inferred."""
    metals = split_multi(row.get("metals"))
    linkers = split_multi(row.get("linkers"))
    counts = [float(c) for c in split_multi(row.get("linker_counts"))]
    if not family:
        family, why = infer_family(metals, linkers)
        if not family:
            partial = row.get("status") == "partial"
            hint = " (ligands not perceived: status partial)" if partial else ""
            return {"reason": why + hint}
    table: FamilyTable = load_family(family)
    cn = row.get("node_cn")
    try:
        cn = float(cn)
    except (TypeError, ValueError):
        cn = float("nan")
    if math.isnan(cn):  # the table's default node
        known = [table.metal_coordination[m] for m in metals if m in table.metal_coordination]
        if not known:
            return {"reason": f"no coordination number for metal(s) {';'.join(metals)}"}
        cn = sum(known) / len(known)
    try:
        fractions = linker_fractions(dict(zip(linkers, counts, strict=True)), cn, family)
    except KeyError as err:
        return {"reason": f"no constraint graph for linker {err.args[0]} in family {family}"}
    except ValueError:
        return {"reason": "linker counts missing (featurized before cache v4?)"}
    return {
        "family": family, "metals": ";".join(metals), "coordination_number": f"{cn:g}",
        "linker_fractions": ";".join(f"{k}={v:.6g}" for k, v in sorted(fractions.items())),
    }
