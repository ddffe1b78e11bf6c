"""Parquet feature cache keyed by a hash of the CIF content and the featurizer version.

Each run appends one part file (``part-<time>-<pid>.parquet``), so concurrent runs never write
the same file; parts are merged once there are many. Re-running on the same inputs only computes
the structures whose CIF text, source or featurizer version changed.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.featurize.porosity import pore_backend
from gfa_ml.io.atomic import write_parquet_atomic

KEY = "cache_key"


def cache_key(cif_text: str, id_: str, source: str, max_atoms: int) -> str:
    """Hash of everything a structure's features depend on.

    The id enters only for CoRE inputs, whose pore columns are looked up by name; the pore
    backend (Zeo++ or grid) only for the others, whose pore columns it computes.
    """
    cfg = get_settings().featurize
    core = source.startswith("core-mof:")
    head = f"{cfg.cache_version}|{cfg.fingerprint_bits}|{max_atoms}|"
    head += "" if core else f"{pore_backend()}|"
    head += f"{source}|{id_}|" if core else "|"
    h = hashlib.blake2b(head.encode(), digest_size=16)
    h.update(cif_text.encode("utf-8", errors="replace"))
    return h.hexdigest()


class FeatureCache:
    """Read-all / append-part cache in ``<cache dir>/features/v<version>/``."""

    def __init__(self, root: Path | None = None):
        cfg = get_settings()
        base = root if root is not None else cfg.paths.cache / "features"
        self.dir = Path(base) / f"v{cfg.featurize.cache_version}"

    def parts(self) -> list[Path]:
        return sorted(self.dir.glob("part-*.parquet")) if self.dir.is_dir() else []

    def load(self, keys: set[str] | None = None) -> pd.DataFrame:
        """Cached rows (indexed by key), optionally only those in ``keys``."""
        frames = []
        for part in self.parts():
            try:
                df = pd.read_parquet(part)
            except (OSError, ValueError):  # a corrupt part is just a cache miss
                continue
            if keys is not None:
                df = df[df[KEY].isin(keys)]
            frames.append(df)
        if not frames:
            return pd.DataFrame(columns=[KEY]).set_index(KEY)
        out = pd.concat(frames, ignore_index=True).drop_duplicates(KEY, keep="last")
        return out.set_index(KEY)

    def add(self, rows: pd.DataFrame) -> None:
        """Store new rows (must carry a ``cache_key`` column) as one new part."""
        if rows.empty:
            return
        name = f"part-{time.time_ns()}-{os.getpid()}.parquet"
        write_parquet_atomic(rows.reset_index(drop=True), self.dir / name)
        if len(self.parts()) > get_settings().featurize.cache_max_parts:
            self._compact()

    def _compact(self) -> None:
        parts = self.parts()
        merged = self.load().reset_index()
        write_parquet_atomic(merged, self.dir / f"part-{time.time_ns()}-{os.getpid()}.parquet")
        for part in parts:
            part.unlink(missing_ok=True)
