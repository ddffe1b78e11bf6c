"""Which measured glass anchors the Gupta-Mauro ratio Tg(x) / Tg(x_R) for a given glass.

The ratio equation holds between any two glasses of one network family, but it is only as good
as the reference's Tg: glasses from different studies carry different DSC protocols (scan rate,
Tg onset vs midpoint), and these offsets are as large as the effect of a few percent of
substituted linker. Yang et al., J. Phys. Chem. Lett. 9, 6985 (2018) took the reference inside
the same compositional series (agZIF-62 type Zn(Im)2-x(bIm)x). Rules, all restricted to the same
family and metal set and falling back to ``parent`` when they find nothing:

* ``parent``: the glass closest to the parent composition M(Im)2 (ties: lower id);
* ``series``: the same substituted linker(s), nearest in substituted fraction x;
* ``study``: the same source study (the measured table's ``series`` column), nearest in
  composition.

Separately, every metal group has one *scale* glass (its ``parent`` reference): onsets are
written as T_a / Tg(scale glass), so they mean the same temperature whichever reference a glass
uses.
"""

from __future__ import annotations

from collections.abc import Sequence

from gfa_ml.tct.records import (
    Glass,
    composition_distance,
    non_parent_fraction,
    substituted_linkers,
)
from gfa_ml.tct.tables import FamilyTable

REFERENCE_RULES = ("parent", "series", "study")


def parent_key(glass: Glass, table: FamilyTable) -> tuple[float, str]:
    return (non_parent_fraction(glass, table), glass.id)


def scale_glasses(pool: Sequence[Glass], table: FamilyTable) -> dict[str, int]:
    """Metal set -> index in ``pool`` of its glass nearest the parent composition."""
    best: dict[str, int] = {}
    for i, g in enumerate(pool):
        if g.metals not in best or parent_key(g, table) < parent_key(pool[best[g.metals]], table):
            best[g.metals] = i
    return best


def pick_reference(
    glass: Glass, pool: Sequence[Glass], rule: str, table: FamilyTable, exclude_self: bool
) -> int | None:
    """Index in ``pool`` of the reference for ``glass`` under ``rule``; None without candidates.

    ``exclude_self`` (used while fitting) keeps a training glass from anchoring itself.
    """
    if rule not in REFERENCE_RULES:
        raise ValueError(f"reference rule must be one of {REFERENCE_RULES}, got {rule!r}")
    group = [i for i, g in enumerate(pool) if g.family == glass.family and g.metals == glass.metals
             and not (exclude_self and g.id == glass.id)]
    if not group:
        return None
    if rule == "series":
        subs = substituted_linkers(glass, table)
        same = [i for i in group if subs and substituted_linkers(pool[i], table) == subs]
        x = non_parent_fraction(glass, table)
        if same:
            return min(same, key=lambda i: (abs(non_parent_fraction(pool[i], table) - x),
                                            parent_key(pool[i], table)))
    if rule == "study":
        same = [i for i in group if glass.study and pool[i].study == glass.study]
        if same:
            return min(same, key=lambda i: (composition_distance(pool[i], glass),
                                            parent_key(pool[i], table)))
    return min(group, key=lambda i: parent_key(pool[i], table))
