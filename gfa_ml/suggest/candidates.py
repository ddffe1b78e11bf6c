"""What ``gfa suggest`` chooses from: a ``gfa screen`` folder, CIFs, or a records file.

A screen folder is re-read, not trusted: its ``ranked.csv`` names each structure and where it came
from (``source``), the CIFs are read again from there and their features come back from the
feature cache (keyed by CIF content, so nothing is recomputed), and the models in force predict
them again. Suggest → measure → ``gfa data add`` → ``gfa train`` → suggest on the same folder
therefore always ranks with the retrained models, never with the numbers of the old screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gfa_ml.structures import core_mof
from gfa_ml.structures.inputs import (
    CifItem,
    InputError,
    read_cif_text,
    resolve_refs,
    split_blocks,
    structure_items,
)

RANKED = "ranked.csv"
#: CIF items -> their feature frame (index = id, with ``status`` / ``error``)
Featurize = Callable[[list[CifItem]], pd.DataFrame]


class CandidateError(ValueError):
    """Candidates that cannot be read as a whole (one-line message)."""


@dataclass
class Candidates:
    """Feature rows of the candidates (index = id, with ``status`` / ``error``) and where each
    came from; ``unreadable``: id -> why its structure could not be read again."""

    features: pd.DataFrame
    source: pd.Series
    label: str
    unreadable: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))


def is_screen_folder(path: str | Path) -> bool:
    return Path(path).is_dir() and (Path(path) / RANKED).is_file()


def _file_for(source: str, folder: Path, within: Path | None) -> Path | None:
    """A screened CIF file as its ``source`` names it: from here, the screen's parent folder or
    the project home (a screen stores the path as typed); ``within``: only files below it."""
    from gfa_ml.config import get_settings

    path = Path(source)
    for base in (Path.cwd(), folder.parent, get_settings().paths.home):
        found = (path if path.is_absolute() else base / path).resolve()
        if found.is_file() and (within is None or found.is_relative_to(within.resolve())):
            return found
    return None


def _screen_items(ranked: pd.DataFrame, folder: Path,
                  within: Path | None) -> tuple[list[CifItem], dict[str, str]]:
    """The CIF item of every ranked structure, and id -> reason for those not found again."""
    items: list[CifItem] = []
    missing: dict[str, str] = {}
    core = ranked[ranked["source"].str.startswith(core_mof.SOURCE_PREFIX)]
    refs = [(i, f"{s}/{i}") for i, s in zip(core["id"], core["source"], strict=True)]
    try:
        items += list(resolve_refs(refs, strict=False))
    except InputError as exc:
        raise CandidateError(f"{folder / RANKED}: {exc}") from None
    found = {it.id for it in items}
    missing |= {i: "no such CoRE MOF structure" for i in core["id"] if i not in found}
    files = ranked[~ranked.index.isin(core.index)]
    for source, rows in files.groupby("source", sort=False):
        path = _file_for(str(source), folder, within)
        if path is None:
            missing |= dict.fromkeys(rows["id"], f"CIF file {source} not found")
            continue
        wanted = set(rows["id"])
        stems = {i.split("#", 1)[0] for i in wanted}
        blocks = [it for stem in stems for it in split_blocks(read_cif_text(path), stem,
                                                               str(source))]
        items += [it for it in blocks if it.id in wanted]
        got = {it.id for it in blocks}
        missing |= {i: f"no data block {i!r} in {source}" for i in wanted - got}
    return items, missing


def from_screen(folder: Path, featurize: Featurize | None = None,
                within: Path | None = None) -> Candidates:
    """Every structure ranked by a ``gfa screen`` run (``folder/ranked.csv``).

    ``featurize(items)``: the feature frame of CIF items (default: in this process; the web
    server reads them in a worker); ``within``: CIF files are read only below this folder."""
    from gfa_ml.models.predict import featurize_inputs

    try:
        ranked = pd.read_csv(folder / RANKED, dtype={"id": str, "source": str},
                             keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CandidateError(f"{folder / RANKED}: not a readable CSV "
                             f"({' '.join(str(exc).split())[:120]})") from None
    if not {"id", "source"} <= set(ranked.columns):
        raise CandidateError(f"{folder / RANKED}: needs the columns id and source (is this a "
                             "`gfa screen` output folder?)")
    if ranked.empty:
        raise CandidateError(f"{folder / RANKED}: the screen ranked no structure")
    items, missing = _screen_items(ranked, folder, within)
    if not items:
        first = next(iter(missing.items()))
        raise CandidateError(f"{folder}: none of its {len(ranked)} structures could be read "
                             f"again (e.g. {first[0]}: {first[1]})")
    feats = (featurize or featurize_inputs)(items)
    return Candidates(feats, pd.Series({it.id: it.source for it in items}).reindex(feats.index),
                      str(folder), pd.Series(missing, dtype=object))


def from_inputs(inputs: list[str], records: Path | None = None) -> Candidates:
    """CIF files, folders, globs, CoRE sets or structures, and/or a records file (``id, metal,
    ligand_smiles``), read exactly as ``gfa predict`` reads them."""
    from gfa_ml.featurize.records import RecordsError, read_records
    from gfa_ml.models.predict import featurize_inputs

    frames, sources = [], []
    if records is not None:
        if not records.is_file():
            raise CandidateError(f"{records}: no such file")
        try:
            recs = read_records(records)
        except RecordsError as exc:
            raise CandidateError(str(exc)) from None
        frames.append(featurize_inputs(recs))
        sources.append(pd.Series(str(records), index=recs["id"].to_numpy()))
    if inputs:
        try:
            items = structure_items(inputs)
        except (InputError, ValueError) as exc:
            raise CandidateError(str(exc)) from None
        if items:
            frames.append(featurize_inputs(items))
            sources.append(pd.Series({it.id: it.source for it in items}))
    if not frames:
        raise CandidateError("give a screen folder, CIF inputs and/or --records FILE.csv")
    feats = pd.concat(frames)
    if feats.index.duplicated().any():
        raise CandidateError(f"id {feats.index[feats.index.duplicated()][0]!r} names two "
                             "candidates: give each material its own id")
    label = ", ".join([*inputs, *([str(records)] if records is not None else [])])
    return Candidates(feats, pd.concat(sources).reindex(feats.index), label)


def load_candidates(inputs: list[str], records: Path | None = None) -> Candidates:
    """A single screen folder, or anything ``gfa predict`` reads."""
    if len(inputs) == 1 and records is None and is_screen_folder(inputs[0]):
        return from_screen(Path(inputs[0]))
    screens = [i for i in inputs if is_screen_folder(i)]
    if screens:
        raise CandidateError(f"{screens[0]} is a screen folder: give it alone (its ranked.csv "
                             "lists the candidates)")
    return from_inputs(inputs, records)
