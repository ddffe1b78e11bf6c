"""Resolve command-line INPUTs into a stream of CIF items.

An INPUT is a CIF file, a directory (all ``*.cif`` / ``*.cif.gz`` below it), a glob
(``cifs/ZIF-*.cif``) or a CoRE MOF set (``core-mof:2019-ASR``). CoRE sets are streamed from the
tarball once, so the whole set never sits in memory.

Ids are the file stem. Two files with one stem in different folders get the shortest distinct
tail of their paths (``a/ZIF-8``, ``b/ZIF-8``); a file with several crystal data blocks (a CSD
export of many structures) gives one item per block, ``stem#block``.
"""

from __future__ import annotations

import glob
import gzip
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from gfa_ml.structures import core_mof


class CifItem(NamedTuple):
    """One structure to featurize: a stable id, the CIF text and where it came from."""

    id: str
    cif_text: str
    source: str  # "core-mof:SET" or the file path


class InputError(ValueError):
    """An INPUT that names nothing readable (one-line message)."""


_SUFFIXES = (".cif", ".cif.gz")
_DATA_BLOCK = re.compile(r"^data_", re.MULTILINE | re.IGNORECASE)


def is_cif_name(path: Path) -> bool:
    return path.name.lower().endswith(_SUFFIXES)


def cif_stem(path: Path) -> str:
    """``ZIF-8.cif`` / ``ZIF-8.cif.gz`` -> ``ZIF-8``."""
    name = path.name
    for suffix in (".gz", ".cif"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def read_cif_text(path: Path) -> str:
    """File text, gunzipped for ``.gz``; undecodable bytes are replaced and a broken gzip reads
    as empty text, so the structure fails alone ("not a crystal CIF"), not the batch."""
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return ""
    return raw.decode("utf-8", errors="replace")


def _cif_files(spec: str) -> list[Path]:
    path = Path(spec)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if is_cif_name(p) and p.is_file())
    if path.is_file():
        return [path]
    if any(ch in spec for ch in "*?["):
        return sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
    raise InputError(f"{spec}: no such file, directory or core-mof:SET")


def unique_ids(paths: Iterable[Path]) -> dict[Path, str]:
    """An id per file: its stem, or the shortest distinct path tail when stems repeat."""
    by_stem: dict[str, list[Path]] = defaultdict(list)
    for p in paths:
        by_stem[cif_stem(p)].append(p)
    out: dict[Path, str] = {}
    for stem, group in by_stem.items():
        parents = [p.resolve().parent.parts for p in group]
        depth = 0
        while len({pp[len(pp) - depth:] if depth else () for pp in parents}) < len(group):
            depth += 1
        for p, pp in zip(group, parents, strict=True):
            out[p] = "/".join([*(pp[len(pp) - depth:] if depth else ()), stem])
    return out


def split_blocks(text: str, id_: str, source: str) -> list[CifItem]:
    """One item per crystal data block (id ``stem#block`` when there are several)."""
    if len(_DATA_BLOCK.findall(text)) < 2:
        return [CifItem(id=id_, cif_text=text, source=source)]
    import gemmi

    try:
        doc = gemmi.cif.read_string(text)
    except (RuntimeError, ValueError):
        return [CifItem(id=id_, cif_text=text, source=source)]  # the parser reports it later
    blocks = [b for b in doc if b.find_value("_cell_length_a") is not None]
    if len(blocks) < 2:
        return [CifItem(id=id_, cif_text=text, source=source)]
    return [CifItem(id=f"{id_}#{b.name}", cif_text=b.as_string(), source=source)
            for b in blocks]


class InputPlan:
    """Resolved INPUTs: validated up front, streamed on iteration, with a size estimate."""

    def __init__(self, specs: Iterable[str], names: Iterable[str] | None = None):
        self.names = list(names) if names is not None else None
        self.parts: list[tuple[str, list[Path]]] = []
        self._seen: set[Path] = set()  # a file named twice (e.g. by a folder and a glob) once
        for spec in specs:
            core_set = core_mof.parse_source(spec)
            if core_set is not None:
                self.parts.append((core_set, []))
                continue
            found = _cif_files(spec)
            if not found:
                raise InputError(f"{spec}: no .cif files found")
            files = [p for p in found if p.resolve() not in self._seen]
            self._seen.update(p.resolve() for p in files)
            self.parts.append(("", files))
        self.ids = unique_ids(p for _, files in self.parts for p in files)

    def __len__(self) -> int:
        """Number of items (CoRE sets: the size of their metadata table; a file with several
        data blocks counts once)."""
        total = 0
        for core_set, files in self.parts:
            if not core_set:
                total += len(files)
            elif self.names is not None:
                total += len(set(self.names) & set(core_mof.list_names(core_set)))
            else:
                total += len(core_mof.list_names(core_set))
        return total

    def __iter__(self) -> Iterator[CifItem]:
        for core_set, files in self.parts:
            if core_set:
                source = core_mof.SOURCE_PREFIX + core_set
                for name, text in core_mof.iter_cifs(core_set, names=self.names):
                    yield CifItem(id=name, cif_text=text, source=source)
            else:
                for path in files:
                    yield from split_blocks(read_cif_text(path), self.ids[path], str(path))


def iter_inputs(specs: Iterable[str], names: Iterable[str] | None = None) -> InputPlan:
    """A :class:`CifItem` per structure named by ``specs`` (files, dirs, globs, CoRE sets).

    ``names`` restricts CoRE sets to those structure names. Unknown paths raise
    :class:`InputError` right here, before any work; iterating streams the CIFs.
    """
    return InputPlan(specs, names)


def structure_items(specs: Iterable[str]) -> list[CifItem]:
    """Every structure a command line names: files, folders, globs and CoRE sets
    (:func:`iter_inputs`), then single CoRE structures ``core-mof:SET/NAME`` (id = NAME).

    Raises :class:`InputError` (or ``ValueError``) for a path or set that does not exist."""
    specs = list(specs)
    named = [s for s in specs if is_structure_ref(s)]
    items = list(iter_inputs([s for s in specs if s not in named]))
    return items + list(resolve_refs((n.rsplit("/", 1)[1], n) for n in named))


def is_structure_ref(ref: str) -> bool:
    """True for ``core-mof:SET/NAME`` (one CoRE structure, not a whole set)."""
    return ref.startswith(core_mof.SOURCE_PREFIX) and "/" in ref


def resolve_refs(
    refs: Iterable[tuple[str, str]], home: Path | None = None, strict: bool = True,
) -> Iterator[CifItem]:
    """The one CIF-reference resolver: a :class:`CifItem` per ``(id, reference)``, id kept.

    A reference names one structure: ``core-mof:SET/NAME`` or a CIF file (relative paths from
    ``home``, default the project home; ``.cif.gz`` read gunzipped). Files come first, in
    order; CoRE structures follow, one tarball pass per set. One reference may serve several
    ids. ``strict``: a missing file or unknown CoRE set raises :class:`InputError`; otherwise
    it is left out (the caller reports "CIF not found"). A CoRE name absent from its set is
    always left out.
    """
    if home is None:
        from gfa_ml.config import get_settings

        home = get_settings().paths.home
    by_set: dict[str, dict[str, list[str]]] = {}
    for id_, ref in refs:
        if is_structure_ref(ref):
            spec, _, name = ref.partition("/")
            try:
                core_set = core_mof.parse_source(spec)
            except core_mof.UnknownCoreSet as exc:
                if strict:
                    raise InputError(str(exc)) from None
                continue
            by_set.setdefault(core_set, {}).setdefault(name, []).append(id_)
            continue
        path = Path(ref) if Path(ref).is_absolute() else home / ref
        if path.is_file():
            yield CifItem(id=id_, cif_text=read_cif_text(path), source=str(path))
        elif strict:
            raise InputError(f"{ref}: no such CIF file")
    for core_set, names in by_set.items():
        source = core_mof.SOURCE_PREFIX + core_set
        for name, text in core_mof.iter_cifs(core_set, names=list(names)):
            for id_ in names[name]:
                yield CifItem(id=id_, cif_text=text, source=source)
