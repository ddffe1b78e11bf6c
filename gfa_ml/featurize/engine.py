"""The one feature engine: key -> cache look-up -> compute -> store.

Every caller that turns CIFs into feature rows goes through here: ``featurize_many`` (train,
predict, ``gfa featurize``: a process pool over a stream) and the screen (chunks on a local pool
or dask workers, the driver owning the cache). The driver side is a :class:`FeatureEngine`
(one cache read up front, batched appends); the worker side is :func:`compute_rows`, which
needs nothing but the items and their keys, so it runs the same in any process.
Records (metal + ligand SMILES, no structure) have nothing to cache: ``featurize_records``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.featurize.cache import KEY, FeatureCache, cache_key
from gfa_ml.featurize.featurizer import featurize_cif
from gfa_ml.featurize.schema import LABEL_COLUMNS, feature_labels
from gfa_ml.structures.inputs import CifItem

_META = ("status", "error", "nan_reasons")


def output_columns() -> list[str]:
    """Columns of a feature row: id, the features, the text labels, status/error/reasons."""
    return ["id", *feature_labels(), *LABEL_COLUMNS, *_META]


def compute_rows(
    items: Iterable[CifItem], keys: Iterable[str], max_atoms: int | None,
    skip: Callable[[CifItem], str] | None = None,
) -> tuple[list[dict], list[dict]]:
    """(a row per item, the rows to store in the cache with their key).

    ``skip(item)`` may name a reason not to featurize an item (e.g. the screen's
    ``--max-atoms`` filter): it then gets a ``filtered`` row, which is never cached.
    """
    rows, fresh = [], []
    for item, key in zip(items, keys, strict=True):
        reason = skip(item) if skip is not None else ""
        if reason:
            rows.append({"id": item.id, "status": "filtered", "error": reason})
            continue
        row = featurize_cif(item.cif_text, item.id, item.source, max_atoms).as_record()
        rows.append(row)
        fresh.append({**row, KEY: key})
    return rows, fresh


class FeatureEngine:
    """The driver's side of the feature cache: keys, one read up front, look-ups, batched
    appends (a part file each ``flush_rows`` rows if given; ``flush()`` writes the rest)."""

    def __init__(
        self, read: bool = True, max_atoms: int | None = None, cache_dir: Path | None = None,
        flush_rows: int | None = None,
    ):
        self.max_atoms = get_settings().featurize.max_atoms if max_atoms is None else max_atoms
        self.cache = FeatureCache(cache_dir)
        self.rows = self.cache.load() if read else pd.DataFrame(index=pd.Index([], name=KEY))
        self.flush_rows = flush_rows
        self.pending: list[pd.DataFrame] = []
        self.hits = 0

    def key(self, item: CifItem) -> str:
        return cache_key(item.cif_text, item.id, item.source, self.max_atoms)

    def __contains__(self, key: str) -> bool:
        return key in self.rows.index

    def lookup(self, hits: list[tuple[str, CifItem]]) -> pd.DataFrame:
        """Cached rows of ``(key, item)`` pairs, in that order, with the items' id and source."""
        rows = self.rows.loc[[k for k, _ in hits]].reset_index(drop=True)
        rows["id"] = [it.id for _, it in hits]
        rows["source"] = [it.source for _, it in hits]
        self.hits += len(hits)
        return rows

    def add(self, fresh: pd.DataFrame | list[dict]) -> None:
        """Queue freshly computed rows (with their ``cache_key``); written in batches."""
        if len(fresh):
            self.pending.append(pd.DataFrame(fresh) if isinstance(fresh, list) else fresh)
        if self.flush_rows is not None and sum(map(len, self.pending)) >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.cache.add(pd.concat(self.pending, ignore_index=True))
            self.pending = []
