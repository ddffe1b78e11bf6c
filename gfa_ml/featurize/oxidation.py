"""Metal oxidation states: as a chemist writes them, from a record's charge balance, from a crystal.

* **Written**: the metal column takes ``Cu``, ``Cu+``, ``Cu2+``, ``Cu+2``, ``Cu(2+)``, ``Cu(I)``
  or ``Cu(II)`` (:func:`parse_metal`); a written state always wins over any inference.
* **Plausible states** of an element (:func:`allowed_states`): its positive oxidation states
  that make up at least ``featurize.ox_min_share`` of the ICSD occurrences pymatgen ships for
  bond-valence analysis (O'Keeffe & Brese, J. Am. Chem. Soc. 1991, 113, 3226; Cu: +1 and +2,
  not +3; Zn: +2 only), pymatgen's element table where it has no ICSD data (Au).
* **Charge balance of a record** (:func:`balance`): the metals' charge equals the anions' charge
  minus the counter-cations'. A state not written is the one the ligands balance as written
  (CuCl(L): +1, CuCl2(L): +2) when that is plausible, else the element's most common state. Counts
  the record does not give (a species written once, no formula) are then set by the balance:
  ZIF-8 written as ``Zn`` + 2-methylimidazolate once reads as Zn(mIm)2. A balance no count can
  satisfy (no anion at all, or counts written that contradict a written state) is reported.
* **From a crystal** (``featurize.cif_oxidation``): the fragments' charge balance
  (``structure.py``), per-metal bond-valence sums (:func:`bond_valence_sums`, pymatgen's
  O'Keeffe-Brese parameters) or pymatgen's composition guess. On 29 CoRE CIFs of known state
  (``benchmarks/cif_oxidation_states.py``) the balance was right 29 times, bond valence 25 (it
  reads Cu(II) with long axial bonds as Cu(I)), the guesser 18: the balance is the default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from types import SimpleNamespace

from gfa_ml.config import get_settings
from gfa_ml.featurize.metal import common_oxidation_state

CITATION = ("O'Keeffe, M.; Brese, N. E. J. Am. Chem. Soc. 1991, 113, 3226 (bond valence "
            "parameters and ICSD oxidation-state occurrences, via pymatgen)")

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8}
_SPELLING = re.compile(
    r"(?P<el>[A-Z][a-z]?)\s*(?:\(\s*(?P<roman>[IVX]+)\s*\)|\(?\s*(?P<pre>\d*)\+(?P<post>\d*)\s*\)?)?"
)


class MetalSpellingError(ValueError):
    """A metal column entry that is neither a symbol nor a symbol with a readable state."""


def parse_metal(token: str) -> tuple[str, float | None]:
    """``Cu(I)``, ``Cu+``, ``Cu2+``, ``Cu+2``, ``Cu(II)`` or ``Cu`` -> (symbol, state or None)."""
    m = _SPELLING.fullmatch(token.strip())
    if m is None or (m["pre"] and m["post"]):
        raise MetalSpellingError(f"cannot read metal {token!r}: write a symbol, optionally with "
                                 "its oxidation state (Cu, Cu+, Cu2+, Cu(I), Cu(II))")
    if m["roman"] is not None:
        if m["roman"] not in _ROMAN:
            raise MetalSpellingError(f"cannot read the Roman numeral in {token!r}")
        return m["el"], float(_ROMAN[m["roman"]])
    if m["pre"] is None:
        return m["el"], None
    return m["el"], float(m["pre"] or m["post"] or 1)


@lru_cache(maxsize=256)
def allowed_states(symbol: str) -> tuple[int, ...]:
    """Plausible positive oxidation states, most frequent first (see module docstring)."""
    from pymatgen.analysis.bond_valence import PRIOR_PROB
    from pymatgen.core import Element

    share = {int(sp.oxi_state): p for sp, p in PRIOR_PROB.items()
             if sp.symbol == symbol and sp.oxi_state > 0}
    total = sum(share.values())
    if total > 0:
        cut = get_settings().featurize.ox_min_share
        return tuple(sorted((s for s, p in share.items() if p / total >= cut),
                            key=lambda s: -share[s]))
    return tuple(s for s in Element(symbol).oxidation_states if s > 0)


@dataclass(frozen=True)
class Species:
    """A ligand or ion of a record: canonical SMILES, formal charge, count per formula unit (one
    atom of each metal the record names), and whether that count is known (written out, or
    from the formula) or free for the balance."""

    smiles: str
    charge: int
    count: float
    fixed: bool = False


@dataclass(frozen=True)
class Balance:
    """Outcome of :func:`balance`: one state per metal, the species with balanced counts, a
    note saying what was inferred, and ``problem`` when no count satisfies the balance."""

    states: list[float]
    species: list[Species]
    note: str = ""
    problem: str = ""


def _name(symbol: str, ox: float) -> str:
    return f"{symbol}({int(ox)}+)" if ox == ox else symbol


def balance(metals: Sequence[tuple[str, float | None]], species: Sequence[Species]) -> Balance:
    """States of ``metals`` (symbol, written state or None; one atom each) and counts of
    ``species`` such that the formula unit is neutral (module docstring)."""
    species = list(species)
    states, note = _infer(metals, [ox for _, ox in metals], species)
    notes = [note] if note else []
    charge = sum(states)  # of the formula unit's metals
    if charge != charge:
        return Balance(states, species, "; ".join(notes), "no known oxidation state")
    counts, problem = _counts(charge, species)
    if counts is not None and counts != species:
        free = sorted({s.smiles for s, c in zip(species, counts, strict=True)
                       if c.count != s.count})
        notes.append(f"counts of {', '.join(free)} not written: set by the charge balance")
    metal_text = ", ".join(_name(m, s) for (m, _), s in zip(metals, states, strict=True))
    why = f"charge balance impossible for {metal_text}: {problem}" if problem else ""
    if why and any(ox is None for _, ox in metals):
        why += " (state not written: the most common one used)"
    return Balance(states, counts or species, "; ".join(notes), why)


def _infer(metals: Sequence[tuple[str, float | None]], states: list[float | None],
           species: list[Species]) -> tuple[list[float], str]:
    """Fill the states not written: the one the ligands balance as written if plausible, else
    the most common state (or another plausible one) the ligands can balance with free counts,
    else the most common state."""
    open_ = [k for k, ox in enumerate(states) if ox is None]
    kinds = sorted({metals[k][0] for k in open_})

    def fill(ox: float) -> list[float]:
        return [ox if s is None else s for s in states]

    if len(kinds) == 1:  # one metal left to infer: the balance decides
        symbol = kinds[0]
        known = sum(s for s in states if s is not None)
        literal = -(sum(s.charge * s.count for s in species) + known) / len(open_)
        plausible = allowed_states(symbol)
        if abs(literal - round(literal)) < 1e-6 and round(literal) in plausible:
            ox = float(round(literal))
            return fill(ox), (f"{_name(symbol, ox)} from the charge balance of the ligands as "
                              "written")
        common = common_oxidation_state(symbol)
        for ox in dict.fromkeys([common, *plausible]):
            if ox == ox and _counts(known + ox * len(open_), species)[0] is not None:
                how = "its most common state" if ox == common else "the plausible state"
                return fill(float(ox)), (f"{_name(symbol, ox)}: {how} that the ligands balance "
                                         "(their counts are not written)")
    filled = [common_oxidation_state(m) if s is None else s
              for (m, _), s in zip(metals, states, strict=True)]
    note = f"state of {', '.join(kinds)} not written: used the most common one" if kinds else ""
    return filled, note


def _counts(charge: float, species: list[Species]) -> tuple[list[Species] | None, str]:
    """Scale the free anions (else the free cations) so the charges sum to zero."""
    def total(kind: int, fixed: bool | None = None) -> float:
        return sum(abs(s.charge) * s.count for s in species
                   if s.charge * kind > 0 and (fixed is None or s.fixed == fixed))

    anions, cations = total(-1), total(+1)
    if abs(charge + cations - anions) < 1e-9:
        return species, ""
    for kind, need in ((-1, charge + cations - total(-1, True)),
                       (+1, anions - charge - total(+1, True))):
        free = total(kind, False)
        if free > 0 and need > 0:
            scale = need / free
            return [replace(s, count=s.count * scale)
                    if s.charge * kind > 0 and not s.fixed else s for s in species], ""
    if not anions:
        return None, "no anion written to balance the metal's charge"
    return None, (f"the ligands as written carry {cations - anions:+.2f} against the "
                  f"metals' {charge:+.2f}")


def bond_valence_sums(centres: Sequence[str], bonds: Sequence[Sequence[tuple[str, float]]]
                      ) -> list[float]:
    """Bond-valence sum of each metal atom from its (donor element, distance in A) bonds, with
    pymatgen's O'Keeffe-Brese parameters (:data:`CITATION`); NaN where an element has none."""
    from pymatgen.analysis.bond_valence import BV_PARAMS, calculate_bv_sum
    from pymatgen.core import Element

    out = []
    for symbol, nbrs in zip(centres, bonds, strict=True):
        if Element(symbol) not in BV_PARAMS or any(Element(d) not in BV_PARAMS for d, _ in nbrs):
            out.append(float("nan"))
            continue
        site = SimpleNamespace(specie=SimpleNamespace(symbol=symbol))
        nn = [SimpleNamespace(specie=SimpleNamespace(symbol=d), nn_distance=r) for d, r in nbrs]
        out.append(float(calculate_bv_sum(site, nn)))
    return out


def nearest_state(symbol: str, value: float) -> float:
    """The plausible state nearest a bond-valence sum (NaN in, NaN out)."""
    states = allowed_states(symbol)
    if value != value or not states:
        return float("nan")
    return float(min(states, key=lambda s: (abs(s - value), s)))
