"""Atomic writes: a crash or Ctrl-C mid-write never leaves a half-written dataset behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_csv_atomic(df: pd.DataFrame, target: str | os.PathLike[str]) -> None:
    with atomic_path(target) as tmp:
        df.to_csv(tmp, index=False)


def write_parquet_atomic(df: pd.DataFrame, target: str | os.PathLike[str]) -> None:
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False)


def write_text_atomic(text: str, target: str | os.PathLike[str]) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text)
