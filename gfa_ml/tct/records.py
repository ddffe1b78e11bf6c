"""Turn a measured-table record into a constraint inventory (or a reason it cannot be counted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from gfa_ml.data.columns import parse_linker_fractions, split_multi
from gfa_ml.tct.counting import Inventory, count_formula_unit
from gfa_ml.tct.tables import FamilyTable, available_families, load_family


@dataclass(frozen=True)
class Glass:
    """One material as the TCT model sees it; ``inventory`` is None when ``reason`` says why."""

    id: str
    family: str
    metals: str  # sorted, ';'-joined: the metal group whose reference glass it needs
    fractions: Mapping[str, float]
    inventory: Inventory | None
    reason: str = ""
    #: the source study / series tag of the record (measured table column ``series``); glasses of
    #: one study share a DSC protocol, so one of them is the natural reference for another
    study: str = ""

    @property
    def group(self) -> tuple[str, str]:
        return (self.family, self.metals)


def _coordination(record: Mapping, metals: list[str], table: FamilyTable) -> float | None:
    values = []
    for cell in split_multi(record.get("coordination_number")):
        try:
            values.append(float(cell))
        except ValueError:
            continue
    if values:
        return float(np.mean(values))
    known = [table.metal_coordination[m] for m in metals if m in table.metal_coordination]
    return float(np.mean(known)) if known else None


def _text(record: Mapping, key: str) -> str:
    """A record cell as stripped text ('' for missing / NaN)."""
    return ";".join(split_multi(record.get(key)))


def _completed(record: Mapping) -> tuple[Mapping, str]:
    """The record with a blank family inferred and blank linker fractions filled, from the
    featurized crystal (``linker_counts``) or from a single ligand SMILES; ('' = nothing to
    say, else why it cannot be counted)."""
    from gfa_ml.tct.family import infer_family, linker_name, structure_record

    family = _text(record, "family")
    if _text(record, "linker_fractions"):
        return record, ""
    smiles = split_multi(record.get("ligand_smiles"))
    if "linker_counts" in record and not smiles:  # a featurized crystal
        found = structure_record(dict(record), family or None)
        return {**record, **found}, found.get("reason", "")
    metals = split_multi(record.get("metals") or record.get("metal"))
    if not family:
        family, why = infer_family(metals, smiles)
        if not family:
            return record, why
        record = {**record, "family": family}
    if len(smiles) == 1 and (name := linker_name(smiles[0], family)):
        return {**record, "linker_fractions": f"{name}=2"}, ""  # M(L)2
    return record, ""


def glass_from_record(record: Mapping, id_: str | None = None) -> Glass:
    """Count the constraints of a record with ``family``, ``metals`` (or ``metal``) and
    ``linker_fractions``; a blank family is inferred from the ligands (or the featurized
    crystal), never assumed."""
    id_ = str(id_ if id_ is not None else record.get("id", ""))
    record, why = _completed(record)
    family = _text(record, "family")
    metals = sorted(split_multi(record.get("metals") or record.get("metal")))
    key = ";".join(metals)
    study = str(record.get("series") or "").strip()

    def fail(reason: str, fractions: Mapping[str, float] | None = None) -> Glass:
        return Glass(id_, family, key, fractions or {}, None, reason, study)

    if why:
        return fail(why)
    if family not in available_families():
        return fail(f"no constraint table or reference glass for family {family or '(blank)'}")
    table = load_family(family)
    if not metals:
        return fail("no metals given")
    try:
        fractions = parse_linker_fractions(record.get("linker_fractions"))
    except ValueError:
        return fail(f"unreadable linker_fractions {record.get('linker_fractions')!r}")
    if not fractions:
        return fail("no linker_fractions (linker stoichiometry) given")
    cn = _coordination(record, metals, table)
    if cn is None:
        return fail(f"no coordination number for metal(s) {key}")
    try:
        inv = count_formula_unit(cn, fractions, table)
    except KeyError as err:
        return fail(f"no constraint graph for linker {err.args[0]} in family {family}", fractions)
    return Glass(id_, family, key, fractions, inv, study=study)


def non_parent_fraction(glass: Glass, table: FamilyTable) -> float:
    """Linker per metal that is not the parent linker (0 for ZIF-4-like Zn(Im)2)."""
    return float(sum(f for name, f in glass.fractions.items() if name != table.parent_linker))


def substituted_linkers(glass: Glass, table: FamilyTable) -> tuple[str, ...]:
    """The non-parent linkers of a glass, sorted: its compositional series (() for M(Im)2)."""
    return tuple(sorted(k for k in glass.fractions if k != table.parent_linker))


def composition_distance(a: Glass, b: Glass) -> float:
    """L1 distance between the linker-per-metal fractions of two glasses."""
    names = set(a.fractions) | set(b.fractions)
    return float(sum(abs(a.fractions.get(k, 0.0) - b.fractions.get(k, 0.0)) for k in names))
