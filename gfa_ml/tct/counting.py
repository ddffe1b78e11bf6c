"""Constraint counting (Phillips-Thorpe / Maxwell) for network glasses and hybrid networks.

An atom with r rigid heavy-atom neighbours in d = 3 carries r/2 bond-stretching constraints (each
bond is shared by two atoms) and 2r - 3 bond-bending constraints (r >= 2). Hydrogens are left
out: they are terminal and add no rigidity. For hybrid (metal-linker) networks every bending
constraint is sorted by what it involves, because the types soften at different temperatures:
angles inside the linker, angles that carry a terminal substituent (methyl C, Cl, F, nitro O),
angles at the donor atom that involve the metal (M-N-C), and the angles of the metal node (N-M-N).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from gfa_ml.tct.tables import FamilyTable, LinkerGraph, element_of


def maxwell_counts(r: int) -> tuple[float, float]:
    """(stretching, bending) constraints on one atom with ``r`` neighbours in 3D."""
    return r / 2.0, float(max(2 * r - 3, 0))


def mean_constraints(coordination_fractions: Mapping[int, float]) -> float:
    """Mean constraints per atom of a network given the atom fraction at each coordination.

    Textbook check: Ge(x)Se(1-x) with Ge 4- and Se 2-coordinated is isostatic (n = 3) at
    mean coordination <r> = 2.4, i.e. x = 0.2.
    """
    total = sum(coordination_fractions.values())
    return sum(f * sum(maxwell_counts(r)) for r, f in coordination_fractions.items()) / total


@dataclass
class Inventory:
    """Atoms and constraints (by type) of one formula unit of a network."""

    atoms: float = 0.0
    counts: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, other: Inventory, weight: float = 1.0) -> None:
        self.atoms += weight * other.atoms
        for k, v in other.counts.items():
            self.counts[k] += weight * v

    def total(self) -> float:
        return float(sum(self.counts.values()))


def _bends(r_in: int, r_metal: int, n_terminal: int) -> tuple[float, float, float]:
    """Split the 2r - 3 bends of a linker atom into (inside, substituent, metal-involving).

    ``r_in`` counts linker neighbours (terminal substituents included), ``r_metal`` metal
    neighbours, ``n_terminal`` the linker neighbours that are terminal substituent atoms.
    """
    all_bends = max(2 * (r_in + r_metal) - 3, 0)
    linker_bends = max(2 * r_in - 3, 0)
    core = max(2 * (r_in - n_terminal) - 3, 0)
    return float(core), float(linker_bends - core), float(all_bends - linker_bends)


def count_atoms(
    neighbours: Mapping[str, Iterable[str]],
    metal_neighbours: Mapping[str, int],
    element: Mapping[str, str],
    substituent_types: Mapping[str, str],
    link_type: str = "link_bend",
) -> Inventory:
    """Constraints of the non-metal heavy atoms of a bond graph.

    ``neighbours`` lists the non-metal heavy neighbours of each atom, ``metal_neighbours`` how
    many metals each atom binds. A terminal atom (one neighbour, no metal) whose element is in
    ``substituent_types`` makes the bends at the atom carrying it substituent-type bends.
    M-N stretching is split half to the donor here and half to the metal (``count_metal``).
    Metal-involving bends are counted as ``link_type`` (a linker's own type, see
    :class:`~gfa_ml.tct.tables.LinkerGraph`; a crystal graph, whose linkers are not named,
    uses the family's ``link_bend``).
    """
    inv = Inventory()
    nbrs = {a: list(v) for a, v in neighbours.items()}

    def is_terminal(a: str) -> bool:
        return (
            len(nbrs[a]) == 1
            and metal_neighbours.get(a, 0) == 0
            and element[a] in substituent_types
        )

    for atom, adj in nbrs.items():
        r_in, r_m = len(adj), metal_neighbours.get(atom, 0)
        terminal = [b for b in adj if is_terminal(b)]
        core, sub, metal = _bends(r_in, r_m, len(terminal))
        inv.atoms += 1
        inv.counts["linker_stretch"] += r_in / 2.0
        inv.counts["node_stretch"] += r_m / 2.0
        inv.counts["linker_bend"] += core
        inv.counts[link_type] += metal
        for b in terminal:
            inv.counts[substituent_types[element[b]]] += sub / len(terminal)
    return inv


def count_metal(coordination: float) -> Inventory:
    """One metal node of coordination r: r/2 M-N stretches and 2r - 3 N-M-N bends."""
    stretch, bend = maxwell_counts(int(round(coordination)))
    inv = Inventory(atoms=1.0)
    inv.counts["node_stretch"] += stretch
    inv.counts["node_bend"] += bend
    return inv


def count_linker(graph: LinkerGraph, table: FamilyTable) -> Inventory:
    """Constraints of one bridging linker whose donors each bind one metal."""
    nbrs: dict[str, list[str]] = {a: [] for a in graph.atoms}
    for a, b in graph.bonds:
        nbrs[a].append(b)
        nbrs[b].append(a)
    return count_atoms(
        nbrs,
        {d: 1 for d in graph.donors},
        {a: element_of(a) for a in graph.atoms},
        table.substituent_types,
        graph.link_type,
    )


def count_formula_unit(
    coordination: float, linker_fractions: Mapping[str, float], table: FamilyTable
) -> Inventory:
    """Constraints of M(L1)a(L2)b...: one metal node plus the linkers per metal.

    Raises KeyError naming a linker the table has no bond graph for.
    """
    inv = count_metal(coordination)
    for name, frac in linker_fractions.items():
        if name not in table.linkers:
            raise KeyError(name)
        inv.add(count_linker(table.linkers[name], table), frac)
    return inv
