"""Resolve command-line INPUTs into a stream of CIF items.

An INPUT is a CIF file, a directory (all ``*.cif`` below it), a glob (``cifs/ZIF-*.cif``) or a
CoRE MOF set (``core-mof:2019-ASR``). CoRE sets are streamed from the tarball once, so the whole
set never sits in memory.
"""

from __future__ import annotations

import glob
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


def _cif_files(spec: str) -> list[Path]:
    path = Path(spec)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix.lower() == ".cif" and p.is_file())
    if path.is_file():
        return [path]
    if any(ch in spec for ch in "*?["):
        return sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
    raise InputError(f"{spec}: no such file, directory or core-mof:SET")


def _read_file(path: Path) -> CifItem:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return CifItem(id=path.stem, cif_text=text, source=str(path))


class InputPlan:
    """Resolved INPUTs: validated up front, streamed on iteration, with a size estimate."""

    def __init__(self, specs: Iterable[str], names: Iterable[str] | None = None):
        self.names = list(names) if names is not None else None
        self.parts: list[tuple[str, list[Path]]] = []
        for spec in specs:
            core_set = core_mof.parse_source(spec)
            if core_set is not None:
                self.parts.append((core_set, []))
                continue
            files = _cif_files(spec)
            if not files:
                raise InputError(f"{spec}: no .cif files found")
            self.parts.append(("", files))

    def __len__(self) -> int:
        """Number of items (CoRE sets: the size of their metadata table)."""
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
                    yield _read_file(path)


def iter_inputs(specs: Iterable[str], names: Iterable[str] | None = None) -> InputPlan:
    """A :class:`CifItem` per structure named by ``specs`` (files, dirs, globs, CoRE sets).

    ``names`` restricts CoRE sets to those structure names. Unknown paths raise
    :class:`InputError` right here, before any work; iterating streams the CIFs.
    """
    return InputPlan(specs, names)
