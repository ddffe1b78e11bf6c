"""What a written formula says that ligand SMILES cannot: halide and water counts per metal atom.

A record's SMILES list names each species once; ``(C6H5CH2NH3)2BiCl5`` says there are five
chlorides per bismuth and ``Zn6(OH)3(BTC)3(H2O)3·7H2O`` that half a water per zinc is coordinated
and 7/6 sit in the lattice. Only what can be read without guessing is read:

* element symbols with counts (a Roman-numeral state, ``Fe(III)``, is skipped), nested ``()``,
  ``[]``, ``{}`` groups with multipliers, a trailing ``n`` of a polymer (``[...]n``) ignored;
* a group that holds anything else (``Im``, ``bIm``, ``4,4'-bpy``, ``PPh3``) is an organic ligand
  written by name: it counts for nothing, but does not spoil the rest;
* halogens count where a group holds nothing but metals and halogens itself (``BiCl5``,
  ``[CoCl4]``; not ``BF4``, ``(SO2F)``, ``(C6H4Cl)``); ``(H2O)n`` groups are coordinated water,
  ``·nH2O`` after the formula lattice water (``·xH2O``: a hydrate of unknown count, NaN);
* a formula whose top level cannot be read (``Zn(Im)2-x(bIm)x``, prose) gives None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gfa_ml.featurize import elements

HALOGENS = ("F", "Cl", "Br", "I")
_SOLVATE_SPLIT = re.compile(r"\s*[·⋅•∙]\s*")
_WATER = re.compile(r"(?P<n>\d+(?:\.\d+)?)?\s*H2O")
_ROMAN_STATE = re.compile(r"\((?:VIII|VII|VI|IV|V|III|II|I)\)")  # Fe(III): a state, not iodide
_TOKEN = re.compile(r"[A-Z][a-z]?|\d+(?:\.\d+)?|[()\[\]{}]|.", re.S)
_OPEN, _CLOSE = "([{", ")]}"


@dataclass
class FormulaCounts:
    """Per metal atom: halide ions, coordinated water, lattice water (NaN: count not given)."""

    metal_atoms: float
    halides: dict[str, float] = field(default_factory=dict)
    aqua: float = 0.0
    lattice_water: float = 0.0


@dataclass
class _Group:
    counts: dict[str, float] = field(default_factory=dict)  # element -> atoms (nested, scaled)
    halides: dict[str, float] = field(default_factory=dict)  # in carbon-free groups only
    water: float = 0.0  # (H2O) groups
    own: dict[str, float] = field(default_factory=dict)  # this group's own atoms
    opaque: bool = False  # holds a ligand abbreviation: counts for nothing

    def add(self, other: _Group, times: float) -> None:
        if other.opaque:
            return
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0.0) + v * times
        for k, v in other.halides.items():
            self.halides[k] = self.halides.get(k, 0.0) + v * times
        self.water += other.water * times


def _close(group: _Group) -> _Group:
    """Finish a group: its own halogens are halide ions if it holds nothing but metals and
    halogens itself (``BiCl5``, ``[CoCl4]``; not ``BF4``, ``SO2F``, ``ClO4``, ``C6H4Cl``)."""
    if group.own == {"H": 2.0, "O": 1.0}:
        group.water += 1.0
    if all(k in HALOGENS or elements.is_metal(k) for k in group.own):
        for h in HALOGENS:
            if group.own.get(h):
                group.halides[h] = group.halides.get(h, 0.0) + group.own[h]
    return group


def _parse(text: str) -> _Group | None:
    """Recursive-descent read of the main formula; None when the top level is not a formula."""
    tokens = _TOKEN.findall(_ROMAN_STATE.sub("", text.replace(" ", "")))
    stack = [_Group()]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        top = stack[-1]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        number = float(nxt) if re.fullmatch(r"\d+(?:\.\d+)?", nxt) else None
        if tok in _OPEN:
            stack.append(_Group())
        elif tok in _CLOSE:
            if len(stack) == 1:
                return None
            inner = _close(stack.pop())
            stack[-1].add(inner, number if number is not None else 1.0)
            if nxt == "n" and len(stack) == 1:  # [...]n: a polymer's repeat unit
                i += 1
        elif elements.z_of().get(tok):
            times = number if number is not None else 1.0
            top.own[tok] = top.own.get(tok, 0.0) + times
            top.counts[tok] = top.counts.get(tok, 0.0) + times
        else:
            top.opaque = True
            if len(stack) == 1:
                return None
        if number is not None and tok not in _OPEN:
            i += 1
        i += 1
    if len(stack) != 1:
        return None
    return _close(stack[0])


def read_formula(text: object) -> FormulaCounts | None:
    """Counts per metal atom from a written formula (module docstring); None if unreadable."""
    if text is None or not str(text).strip():
        return None
    main, *solvates = _SOLVATE_SPLIT.split(str(text).strip())
    group = _parse(main)
    if group is None:
        return None
    metals = sum(v for k, v in group.counts.items() if elements.is_metal(k))
    if metals <= 0:
        return None
    lattice = 0.0
    for part in solvates:
        water = _WATER.fullmatch(part.strip())
        if water:
            lattice += float(water["n"] or 1.0)
        elif part.strip().endswith("H2O"):
            lattice = float("nan")  # x H2O: a hydrate, count not given
    return FormulaCounts(
        metal_atoms=metals,
        halides={h: v / metals for h, v in group.halides.items()},
        aqua=group.water / metals,
        lattice_water=lattice / metals,
    )
