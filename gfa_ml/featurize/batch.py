"""Featurize many inputs through the feature engine on a bounded process pool, one output row
per input.

Inputs stream through (a CoRE set is never held in memory whole): CIFs are hashed, cache hits are
taken from Parquet, misses go to worker processes in chunks, at most a few chunks in flight.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.featurize.engine import FeatureEngine, compute_rows, output_columns
from gfa_ml.featurize.featurizer import featurize
from gfa_ml.io.processes import pool_context
from gfa_ml.structures.inputs import CifItem, cif_stem, read_cif_text

__all__ = ["as_cif", "featurize_many", "output_columns"]


def as_cif(item: object) -> CifItem | None:
    """The CIF item of CIF-like inputs, None for structures and records."""
    if isinstance(item, tuple) and len(item) in (2, 3) and all(isinstance(x, str) for x in item):
        return CifItem(item[0], item[1], item[2] if len(item) == 3 else "")
    if isinstance(item, Path) or (isinstance(item, str) and "\n" not in item):
        path = Path(item)
        return CifItem(cif_stem(path), read_cif_text(path) if path.is_file() else "", str(path))
    return None


def warm_up() -> None:
    """Load element/Magpie/SMARTS tables before forking so workers inherit them (the batch
    featurizer and the web app's CIF workers both call it)."""
    from gfa_ml.featurize import composition, elements, ligand

    elements.tables()
    composition.composition_labels()
    ligand.describe_smiles("c1ncc[nH]1")


def featurize_many(
    items: Iterable[object],
    n_jobs: int | None = None,
    cache: bool = True,
    max_atoms: int | None = None,
    progress: bool = True,
    total: int | None = None,
    cache_dir: Path | None = None,
) -> pd.DataFrame:
    """One row per input (``id``, features, ``status``, ``error``, ``nan_reasons``), input order.

    ``out.attrs["cache_hits"]`` says how many rows came from the cache.

    ``items``: ``(id, cif_text, source)`` items (see ``gfa_ml.structures.inputs``), CIF paths,
    pymatgen Structures or record dicts. ``cache=False`` recomputes and does not read the cache
    (it still stores the fresh rows). ``n_jobs`` defaults to the CPU count.
    """
    engine = FeatureEngine(read=cache, max_atoms=max_atoms, cache_dir=cache_dir)
    max_atoms = engine.max_atoms
    size = get_settings().featurize.chunk
    n_jobs = max(1, n_jobs or os.cpu_count() or 1)
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    warm_up()

    results: dict[int, dict] = {}
    hits: list[tuple[str, CifItem]] = []
    hit_pos: list[int] = []
    bar = _progress(progress, total)
    pool = (ProcessPoolExecutor(max_workers=n_jobs, mp_context=pool_context(["gfa_ml.featurize"]))
            if n_jobs > 1 else None)
    inflight: dict[Future, list[int]] = {}

    def collect(done: Iterable[Future]) -> None:
        for fut in done:
            slots = inflight.pop(fut)
            rows, fresh = fut.result()
            results.update(zip(slots, rows, strict=True))
            engine.add(fresh)
            bar.advance(len(slots))

    def run(chunk: list[CifItem], keys: list[str], slots: list[int]) -> None:
        if pool is None:
            inflight[_Done(compute_rows(chunk, keys, max_atoms))] = slots
            collect(list(inflight))
            return
        while len(inflight) >= 4 * n_jobs:
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            collect(done)
        inflight[pool.submit(compute_rows, chunk, keys, max_atoms)] = slots

    with bar, pool if pool is not None else nullcontext():
        chunk: list[CifItem] = []
        keys: list[str] = []
        slots: list[int] = []
        for pos, item in enumerate(items):
            cif = as_cif(item)
            if cif is None:
                results[pos] = featurize(item, max_atoms).as_record()
                bar.advance(1)
                continue
            key = engine.key(cif)
            if key in engine:
                hits.append((key, cif))
                hit_pos.append(pos)
                bar.advance(1)
                continue
            chunk.append(cif)
            keys.append(key)
            slots.append(pos)
            if len(chunk) >= size:
                run(chunk, keys, slots)
                chunk, keys, slots = [], [], []
        if chunk:
            run(chunk, keys, slots)
        collect(list(inflight))
    engine.flush()
    cols = output_columns()
    computed = pd.DataFrame(list(results.values()), columns=cols, index=list(results))
    if hits:
        from_cache = engine.lookup(hits)[cols].set_axis(hit_pos)
        computed = pd.concat([computed, from_cache]) if len(computed) else from_cache
    out = computed.sort_index().reset_index(drop=True)
    out.attrs["cache_hits"] = engine.hits
    return out


class _Done(Future):
    """A future that is already finished (serial path shares the collection code)."""

    def __init__(self, value: object):
        super().__init__()
        self.set_result(value)


def _progress(show: bool, total: int | None):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class _Bar:
        def __init__(self) -> None:
            self.progress = Progress(
                TextColumn("featurizing"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(), disable=not show, transient=False,
            )
            self.task = self.progress.add_task("featurize", total=total)

        def __enter__(self) -> _Bar:
            self.progress.__enter__()
            return self

        def __exit__(self, *exc: object) -> None:
            self.progress.__exit__(*exc)

        def advance(self, n: int) -> None:
            self.progress.advance(self.task, n)

    return _Bar()
