"""Chunked Parquet checkpoints: every finished chunk is on disk before the next one is awaited.

A screen interrupted by Ctrl-C, a crash or a killed job loses at most the chunks in flight;
``--resume`` reads which structures are done and streams only the rest. A manifest holds the
fingerprint of the run (inputs, filters, model), so a resume never mixes two different screens.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from gfa_ml.io.atomic import write_parquet_atomic, write_text_atomic

CHECKPOINT_DIR = ".checkpoints"


class CheckpointMismatch(RuntimeError):
    """``--resume`` on an output directory written by a different screen (one-line message)."""


class Checkpoints:
    """The chunk files of one screen under ``OUT/.checkpoints``."""

    def __init__(self, out_dir: Path, fingerprint: dict[str, object]):
        self.dir = Path(out_dir) / CHECKPOINT_DIR
        self.fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True, default=str))
        self._next = 0

    @property
    def manifest(self) -> Path:
        return self.dir / "manifest.json"

    def start(self, resume: bool) -> None:
        """Begin a fresh screen, or (``resume``) continue one with the same fingerprint."""
        if resume and self.manifest.exists():
            stored = json.loads(self.manifest.read_text())
            if stored != self.fingerprint:
                changed = sorted(
                    k for k in set(stored) | set(self.fingerprint)
                    if stored.get(k) != self.fingerprint.get(k)
                )
                raise CheckpointMismatch(
                    f"cannot resume: checkpoints in {self.dir} were made with different "
                    f"{', '.join(changed)}; rerun without --resume to start over"
                )
            self._next = len(self.chunk_files())
            return
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        write_text_atomic(json.dumps(self.fingerprint, indent=1, sort_keys=True), self.manifest)

    def chunk_files(self) -> list[Path]:
        return sorted(self.dir.glob("chunk-*.parquet"))

    def done_ids(self) -> set[str]:
        """Ids of every structure with a stored result."""
        done: set[str] = set()
        for path in self.chunk_files():
            done.update(pd.read_parquet(path, columns=["id"])["id"].tolist())
        return done

    def write(self, frame: pd.DataFrame) -> None:
        """Store one finished chunk (atomically: a half-written chunk never exists)."""
        write_parquet_atomic(frame, self.dir / f"chunk-{self._next:06d}.parquet")
        self._next += 1

    def load(self) -> pd.DataFrame:
        """All stored results, one row per structure."""
        frames = [pd.read_parquet(p) for p in self.chunk_files()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=["id", "source", "status", "error"])
        out = pd.concat(frames, ignore_index=True)
        return out.drop_duplicates("id", keep="last").reset_index(drop=True)
