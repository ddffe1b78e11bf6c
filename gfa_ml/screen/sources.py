"""Turn screen INPUTs (``core-mof:SET``, CIF files, directories, globs) into a screening plan.

The plan lists every structure to screen *before* any CIF is read, so the progress bar knows the
total, a ``--refcodes`` subset is applied by name, and CoRE metadata (metals, LCD) can exclude
structures without featurizing them. CIF text is streamed afterwards, once, in plan order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gfa_ml.structures import core_mof
from gfa_ml.structures.inputs import (
    CifItem,
    InputError,
    cif_stem,
    iter_inputs,
    read_cif_text,
    resolve_refs,
    split_blocks,
)

#: ``source`` value of an ``errors.csv`` line for a requested refcode that matched nothing
REFCODES_SOURCE = "--refcodes"


@dataclass(frozen=True)
class PlanError:
    """A structure (or requested refcode) that fails before featurization."""

    id: str
    source: str
    error: str


@dataclass
class SourcePlan:
    """Everything one screen will read, in order, plus what was excluded up front and why."""

    core: list[tuple[str, list[str]]] = field(default_factory=list)  # (set, names)
    files: list[Path] = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)  # reason -> count
    errors: list[PlanError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(names) for _, names in self.core) + len(self.files)

    def entries(self) -> list[tuple[str, str]]:
        """``(id, source)`` of every planned file or CoRE structure, in plan order (a file's
        blocks come back as ``id#block``: :func:`covered` matches them to their entry)."""
        out = [(n, core_mof.SOURCE_PREFIX + s) for s, names in self.core for n in names]
        return out + [(cif_stem(p), str(p)) for p in self.files]

    def iter_items(self, skip: Iterable[str] = ()) -> Iterator[CifItem]:
        """Stream the planned CIFs (ids in ``skip`` are not read: they are already done)."""
        skip = set(skip)
        for dataset, names in self.core:
            todo = [n for n in names if n not in skip]
            if not todo:
                continue
            source = core_mof.SOURCE_PREFIX + dataset
            for name, text in core_mof.iter_cifs(dataset, names=todo):
                yield CifItem(id=name, cif_text=text, source=source)
        for path in self.files:
            stem = cif_stem(path)
            if stem in skip:
                continue
            # a CSD export may hold many structures: one item per data block (stem#block)
            for item in split_blocks(read_cif_text(path), stem, str(path)):
                if item.id not in skip:
                    yield item


def covered(ids: Iterable[str]) -> set[str]:
    """The plan entries ``ids`` account for: each id and the file stem of a block id."""
    ids = set(ids)
    return ids | {i.split("#", 1)[0] for i in ids if "#" in i}


def read_refcodes(path: Path) -> list[str]:
    """Refcodes / structure names from a text or CSV file: first field of each line, ``#`` comments
    and a ``refcode``/``id``/``name`` header ignored."""
    out: list[str] = []
    for raw in Path(path).read_text().splitlines():
        token = raw.split("#", 1)[0].replace(";", ",").split(",")[0].strip()
        if token and token.lower() not in ("refcode", "id", "name", "filename"):
            out.append(token)
    if not out:
        raise InputError(f"{path}: no refcodes found")
    return out


def _name_keys(name: str) -> tuple[str, ...]:
    """Ways a refcode can name a structure: the full name, its head, its 6-letter CSD base."""
    head = name.split("_")[0]
    return (name.upper(), head.upper(), core_mof.refcode_base(name).upper())


def _refcode_matcher(refcodes: list[str] | None) -> tuple[Callable[[str], bool], set[str]]:
    """A predicate on names, and the set the caller marks as matched (to report the rest)."""
    wanted = {r.upper() for r in refcodes or ()}
    matched: set[str] = set()

    def accept(name: str) -> bool:
        if not wanted:
            return True
        hits = wanted.intersection(_name_keys(name))
        matched.update(hits)
        return bool(hits)

    return accept, matched


def plan_sources(
    specs: Iterable[str],
    refcodes: list[str] | None = None,
    core_prefilter: Callable[[pd.DataFrame], pd.Series] | None = None,
) -> SourcePlan:
    """Resolve INPUT specs into a :class:`SourcePlan`.

    ``core_prefilter`` maps CoRE metadata (indexed by name) to an exclusion reason per structure
    ('' = keep); it lets ``--metals``/``--min-lcd`` skip structures without reading their CIF.
    Unknown paths and sets raise :class:`InputError` before anything is read.
    """
    plan = SourcePlan()
    accept, matched = _refcode_matcher(refcodes)
    seen: dict[str, str] = {}

    def claim(name: str, source: str) -> bool:
        if name in seen:
            plan.errors.append(PlanError(name, source, f"duplicate id (also in {seen[name]})"))
            return False
        seen[name] = source
        return True

    for spec in specs:
        try:
            ((dataset, files),) = iter_inputs([spec]).parts
        except core_mof.UnknownCoreSet as exc:
            raise InputError(str(exc)) from None
        if dataset:
            props = core_mof.properties(dataset)
            names = [n for n in props.index if accept(n)]
            if core_prefilter is not None and names:
                reasons = core_prefilter(props.loc[names])
                plan.excluded.update(r for r in reasons if r)
                names = [n for n, r in zip(names, reasons, strict=True) if not r]
            source = core_mof.SOURCE_PREFIX + dataset
            plan.core.append((dataset, [n for n in names if claim(n, source)]))
        else:
            plan.files.extend(p for p in files
                              if accept(cif_stem(p)) and claim(cif_stem(p), str(p)))
    for code in refcodes or ():
        if code.upper() not in matched:
            plan.errors.append(PlanError(code, REFCODES_SOURCE, "refcode not found in the inputs"))
    return plan


def refcodes_digest(refcodes: list[str] | None) -> str:
    """Short content hash of a refcode subset (part of the checkpoint fingerprint)."""
    if not refcodes:
        return ""
    return hashlib.sha1("\n".join(sorted(refcodes)).encode()).hexdigest()[:12]


def read_cifs(keys: Iterable[tuple[str, str]]) -> dict[str, str]:
    """CIF text of ``(id, source)`` pairs from a ranked table (the top candidates' CIFs)."""
    refs = ((id_, f"{source}/{id_}" if source.startswith(core_mof.SOURCE_PREFIX) else source)
            for id_, source in keys)
    # file sources are the paths given on the command line: relative to the working directory
    return {it.id: it.cif_text for it in resolve_refs(refs, home=Path(), strict=False)}
