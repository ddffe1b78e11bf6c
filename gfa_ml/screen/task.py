"""The per-chunk job both executors run: featurize -> filter -> predict, one row per structure.

A :class:`Chunk` carries the CIFs still to featurize plus the feature rows the driver already
found in the feature cache; a :class:`ChunkTask` (small, picklable: filters, predictor, limits)
turns it into result rows. The driver owns the cache (one reader, one writer, no shared disk
needed by dask workers), so re-screening with a new model only predicts. Every structure leaves
with ``status`` ok / filtered / error and a one-line ``error`` (the reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from gfa_ml.featurize.schema import DONOR_OF
from gfa_ml.screen.filters import Filters
from gfa_ml.screen.rank import (
    DESCRIPTOR_COLUMNS,
    PREDICTION_COLUMNS,
    SERVED,
    TEXT_PREDICTIONS,
)
from gfa_ml.structures.inputs import CifItem


class Predictor(Protocol):
    """Features -> ``gfa predict`` columns (``PREDICTION_COLUMNS`` + status/error) per row.

    A predictor with a true ``needs_structures`` attribute (a graph model) also gets each
    structure's CIF as a ``cif_text`` column; others get feature rows only.
    """

    def __call__(self, features: pd.DataFrame) -> pd.DataFrame: ...

    def describe(self) -> dict[str, str]: ...


@dataclass
class Chunk:
    """Work unit: CIFs to featurize (with their cache keys) and rows taken from the cache.

    ``texts`` (id -> CIF text of every structure, cached ones included) stays with the driver,
    which keeps the best candidates' CIFs without a second pass over the inputs; it is not
    pickled, so cache hits never ship CIF text to a worker.
    """

    items: list[CifItem] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    cached: pd.DataFrame | None = None  # feature rows incl. id, source, status, error
    texts: dict[str, str] = field(default_factory=dict)
    #: CIF text of cache hits, shipped only when a graph model must read the structures
    hit_texts: dict[str, str] = field(default_factory=dict)

    @property
    def needs_worker(self) -> bool:
        """False for cache hits only: predictions alone, cheaper where the chunk already is."""
        return bool(self.items or self.hit_texts)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "texts": {}}

    def __len__(self) -> int:
        return len(self.items) + (0 if self.cached is None else len(self.cached))

    def ids(self) -> list[tuple[str, str]]:
        out = [(it.id, it.source) for it in self.items]
        if self.cached is not None:
            out += list(zip(self.cached["id"], self.cached["source"], strict=True))
        return out


@dataclass
class ChunkResult:
    """Result rows for the checkpoint, and freshly computed feature rows for the cache."""

    rows: pd.DataFrame
    fresh: pd.DataFrame


def _donor_string(frame: pd.DataFrame) -> pd.Series:
    """``node_donor_*`` flags -> 'N', 'N,O', ... (for people, not for models)."""
    names = {col: col.removeprefix("node_donor_") for col in dict.fromkeys(DONOR_OF.values())}
    cols = [c for c in names if c in frame]
    flags = frame[cols].fillna(0).to_numpy() > 0
    labels = np.array([names[c] for c in cols], dtype=object)
    return pd.Series([",".join(labels[row]) for row in flags], index=frame.index, dtype=object)


def _too_big(item: CifItem, limit: int) -> bool:
    """Cheap atom count before featurizing (``--max-atoms``); unreadable CIFs go on to the
    featurizer, which reports why."""
    from gfa_ml.structures.cif import CIFError, parse_cell

    try:
        return parse_cell(item.cif_text).n_atoms > limit
    except CIFError:
        return False


@dataclass(frozen=True)
class ChunkTask:
    """Screen one :class:`Chunk`. Picklable; runs the same in a process pool or dask worker."""

    predictor: Predictor
    filters: Filters = Filters()
    max_atoms: int | None = None

    def featurize(self, items: list[CifItem], keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(feature rows of all items, the subset to store in the cache with its keys)."""
        from gfa_ml.featurize.engine import compute_rows, output_columns

        limit = self.filters.max_atoms
        skip = None if limit is None else lambda it: "max_atoms" if _too_big(it, limit) else ""
        rows, fresh = compute_rows(items, keys, self.max_atoms, skip)
        feats = pd.DataFrame(rows).reindex(columns=output_columns())
        feats["source"] = [it.source for it in items]
        return feats, pd.DataFrame(fresh)

    def __call__(self, chunk: Chunk) -> ChunkResult:
        feats, fresh = self.featurize(chunk.items, chunk.keys)
        if chunk.cached is not None and len(chunk.cached):
            feats = pd.concat([feats, chunk.cached], ignore_index=True) if len(feats) else (
                chunk.cached.reset_index(drop=True))
        if self.needs_structures:
            # CIF text here: the driver's map for inline chunks, else what was shipped
            texts = {**chunk.texts, **{it.id: it.cif_text for it in chunk.items},
                     **chunk.hit_texts}
            feats["cif_text"] = feats["id"].map(texts).fillna("")
        return ChunkResult(self.screen_features(feats), fresh)

    @property
    def needs_structures(self) -> bool:
        return bool(getattr(self.predictor, "needs_structures", False))

    def screen_features(self, feats: pd.DataFrame) -> pd.DataFrame:
        """Feature rows -> result rows: filters, then the predictor on what is left."""
        feats = feats.reset_index(drop=True)
        for col in ("metals", "linkers", "linker_counts"):
            if col not in feats:
                feats[col] = ""
        feats["status"] = feats["status"].where(feats["status"].isin([*SERVED, "filtered"]),
                                                "error")
        feats["error"] = feats["error"].fillna("").astype(str)
        ok = feats["status"].isin(SERVED)
        reasons = self.filters.apply(feats.loc[ok])
        rejected = reasons.index[reasons != ""]
        feats.loc[rejected, "status"] = "filtered"
        feats.loc[rejected, "error"] = reasons.loc[rejected]
        feats["donors"] = _donor_string(feats)

        out = feats.loc[:, ["id", "source", "status", "error"]].copy()
        for col in DESCRIPTOR_COLUMNS:
            out[col] = feats.get(col, np.nan)
        for col in PREDICTION_COLUMNS:
            kind = object if col in TEXT_PREDICTIONS else float
            out[col] = pd.Series(np.nan, index=out.index, dtype=kind)
        keep = feats.index[feats["status"].isin(SERVED)]
        if len(keep):
            preds = self._predict(feats.loc[keep])
            for col in PREDICTION_COLUMNS:
                if col in preds:
                    out.loc[keep, col] = preds[col].to_numpy()
            # the prediction's status and reasons win: "partial" rows (no linker perceived,
            # chemistry a model never saw) are predictions that say what is missing
            out.loc[keep, "status"] = preds["status"].to_numpy()
            out.loc[keep, "error"] = preds["error"].fillna("").astype(str).to_numpy()
        return out

    def _predict(self, feats: pd.DataFrame) -> pd.DataFrame:
        """Predict the chunk; if the model chokes, isolate the structure(s) responsible."""
        try:
            return _checked(self.predictor(feats), len(feats))
        except Exception:  # noqa: BLE001 - retried row by row to isolate the culprit
            rows = []
            for i in range(len(feats)):
                try:
                    rows.append(_checked(self.predictor(feats.iloc[[i]]), 1))
                except Exception as exc:  # noqa: BLE001 - one structure, one error line
                    msg = " ".join(f"prediction failed: {type(exc).__name__}: {exc}".split())
                    rows.append(pd.DataFrame({"status": ["error"], "error": [msg[:300]]}))
            return pd.concat(rows, ignore_index=True)


def _checked(preds: pd.DataFrame, n: int) -> pd.DataFrame:
    if len(preds) != n:
        raise ValueError(f"predictor returned {len(preds)} rows for {n} structures")
    preds = preds.reset_index(drop=True)
    if "status" not in preds:
        preds["status"] = "ok"
    if "error" not in preds:
        preds["error"] = ""
    preds["error"] = preds["error"].fillna("").astype(str)
    return preds
