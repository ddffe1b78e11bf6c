"""Read the per-family constraint tables (``gfa_ml/tct/constraints/<family>.yaml``).

One readable YAML file per glass family holds what the constraint model needs that is chemistry
rather than code: the constraint types and their prior onsets, the metal nodes, and the linkers
as heavy-atom bond graphs. Keeping them as data lets a chemist extend a family without Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONSTRAINT_DIR = Path(__file__).with_name("constraints")
_ELEMENT = re.compile(r"^(Cl|Br|[A-Z])")


def element_of(label: str) -> str:
    """Element symbol of an atom label in a linker graph (``C3a`` -> C, ``Cl`` -> Cl)."""
    m = _ELEMENT.match(label)
    if not m:
        raise ValueError(f"atom label {label!r} does not start with an element symbol")
    return m.group(1)


@dataclass(frozen=True)
class LinkerGraph:
    """Heavy-atom bond graph of one bridging linker; ``donors`` each bind one metal.

    ``link_type`` is the constraint type of its M-N-C angles: a substituent that pulls electron
    density from (or pushes it into) the ring weakens (or strengthens) the M-N bond, so those
    angles may soften at their own onset.
    """

    name: str
    bonds: tuple[tuple[str, str], ...]
    donors: tuple[str, ...]
    link_type: str = "link_bend"

    @property
    def atoms(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a, b in self.bonds:
            seen.setdefault(a)
            seen.setdefault(b)
        return tuple(seen)


@dataclass(frozen=True)
class FamilyTable:
    """Constraint table of one family, as written in its YAML file."""

    family: str
    dimension: int
    onset_model: str
    log10_nu_tobs: float
    prior_width: float
    #: constraint type -> the type whose fitted onset its own is pulled towards (not the prior)
    shrink_to: dict[str, str]
    #: width of that pull; 0 ties the two onsets (no linker classes)
    shrink_width: float
    #: constraint types whose onsets the fit starts from every combination of ``start_values``
    start_types: tuple[str, ...]
    start_values: tuple[float, ...]
    #: constraint type -> prior reduced onset (None = rigid at all temperatures)
    onsets: dict[str, float | None]
    substituent_types: dict[str, str]
    parent_linker: str
    metal_coordination: dict[str, int]
    linkers: dict[str, LinkerGraph] = field(default_factory=dict)
    #: which training glass anchors the Tg ratio (gfa_ml.tct.references.REFERENCE_RULES)
    reference_rule: str = "parent"
    #: onsets in units of the group's scale glass Tg ("scale") or the reference's ("reference")
    onset_unit: str = "scale"

    @property
    def soft_types(self) -> tuple[str, ...]:
        """Constraint types with a finite onset, in file order (the fitted parameters)."""
        return tuple(t for t, v in self.onsets.items() if v is not None)


def _parse(data: dict) -> FamilyTable:
    linkers = {}
    for name, spec in data["linkers"].items():
        bonds = tuple(tuple(b.split("-")) for b in spec["bonds"])
        if any(len(b) != 2 for b in bonds):
            raise ValueError(f"linker {name}: bonds must be written A-B")
        graph = LinkerGraph(name, bonds, tuple(spec["donors"]),
                            spec.get("link_type", "link_bend"))
        for label in graph.atoms:
            element_of(label)
        missing = set(graph.donors) - set(graph.atoms)
        if missing:
            raise ValueError(f"linker {name}: donors {sorted(missing)} not in its bonds")
        linkers[name] = graph
    onsets = {t: spec.get("onset_reduced") for t, spec in data["constraint_types"].items()}
    shrink_to = {t: spec["shrink_to"] for t, spec in data["constraint_types"].items()
                 if "shrink_to" in spec}
    soft = {t for t, v in onsets.items() if v is not None}
    if not set(shrink_to) | set(shrink_to.values()) <= soft:
        raise ValueError("shrink_to must link soft constraint types")
    bad_links = {g.link_type for g in linkers.values()} - set(onsets)
    if bad_links:
        raise ValueError(f"linker link_type {sorted(bad_links)} are not constraint types")
    grid = data["onset"].get("start_grid", {})
    if set(grid.get("types", ())) - soft:
        raise ValueError("start_grid types must be soft constraint types")
    unknown = set(data["substituent_types"].values()) - set(onsets)
    if unknown:
        raise ValueError(f"substituent types {sorted(unknown)} are not constraint types")
    return FamilyTable(
        family=data["family"],
        dimension=int(data["dimension"]),
        onset_model=data["onset"]["model"],
        log10_nu_tobs=float(data["onset"]["log10_nu_tobs"]),
        prior_width=float(data["onset"]["prior_width"]),
        shrink_to=shrink_to,
        shrink_width=float(data["onset"].get("shrink_width", data["onset"]["prior_width"])),
        start_types=tuple(grid.get("types", ())),
        start_values=tuple(float(v) for v in grid.get("values", ())),
        onsets=onsets,
        substituent_types=dict(data["substituent_types"]),
        parent_linker=data["parent_linker"],
        metal_coordination={m: int(v["coordination"]) for m, v in data["metals"].items()},
        linkers=linkers,
        reference_rule=str(data.get("reference", "parent")),
        onset_unit=str(data.get("onset_unit", "scale")),
    )


@cache
def available_families() -> dict[str, Path]:
    """Family name (as in the measured table's ``family`` column) -> its YAML file."""
    out = {}
    for path in sorted(CONSTRAINT_DIR.glob("*.yaml")):
        with path.open() as fh:
            out[yaml.safe_load(fh)["family"]] = path
    return out


@cache
def load_family(family: str) -> FamilyTable:
    """The constraint table of ``family``; KeyError when the family has none."""
    paths = available_families()
    if family not in paths:
        raise KeyError(family)
    with paths[family].open() as fh:
        return _parse(yaml.safe_load(fh))
