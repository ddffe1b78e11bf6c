"""Cross-validation splits, defined once per data version and stored beside the data.

Every model (xgboost, baselines, later the GNN and TCT) is scored on the *same* stored folds, so
a comparison can never be won by a lucky split. Two schemes:

- ``grouped``: K-fold over leakage groups (Td proxy: shared refcode base or identical Td; measured:
  one primary study, :mod:`gfa_ml.data.provenance`), stratified by class for meltability;
- ``lofo``: leave-one-family-out (ZIF, phosphate-azole, thiocyanate, ...), the extrapolation test;
- ``random``: plain shuffled K-fold, leaky by design: only to put a number beside published
  random-split baselines (MOFSimplify's Td test split was a random refcode split).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from gfa_ml.config import get_settings
from gfa_ml.io.atomic import write_csv_atomic

SCHEMES = ("grouped", "lofo", "random")
#: fold label of rows that only ever train (e.g. Td-proxy negatives in the meltability set)
TRAIN_ONLY = -1


def data_version(*frames: pd.DataFrame) -> str:
    """Content hash (12 hex) of the tables a data set was built from."""
    h = hashlib.sha256()
    for df in frames:
        h.update(pd.util.hash_pandas_object(df.astype(str), index=True).to_numpy().tobytes())
        h.update("|".join(map(str, df.columns)).encode())
    return h.hexdigest()[:12]


def make_folds(
    ids: pd.Index,
    groups: pd.Series,
    scheme: str,
    n_folds: int = 5,
    seed: int = 0,
    y: np.ndarray | None = None,
    families: pd.Series | None = None,
) -> pd.Series:
    """Fold number per id (0..K-1); one group or family never spans two folds."""
    if scheme == "lofo":
        if families is None:
            raise ValueError("leave-one-family-out needs a family per row")
        codes = {f: i for i, f in enumerate(sorted(families.astype(str).unique()))}
        return pd.Series([codes[f] for f in families.astype(str)], index=ids, name="fold")
    if scheme == "random":
        k = min(n_folds, len(ids))
        order = np.random.default_rng(seed).permutation(len(ids))
        fold = np.empty(len(ids), int)
        fold[order] = np.arange(len(ids)) % k
        return pd.Series(fold, index=ids, name="fold")
    if scheme != "grouped":
        raise ValueError(f"unknown split scheme {scheme!r}; choose from {', '.join(SCHEMES)}")
    g = groups.astype(str).to_numpy()
    k = min(n_folds, len(np.unique(g)))
    if k < 2:
        raise ValueError(f"need at least 2 groups for grouped CV, got {k}")
    if y is not None and len(np.unique(y)) == 2 and np.bincount(y.astype(int)).min() >= k:
        splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
        y = None
    fold = np.full(len(ids), -1)
    for i, (_, test) in enumerate(splitter.split(np.zeros(len(ids)), y, g)):
        fold[test] = i
    return pd.Series(fold, index=ids, name="fold")


def splits_path(target: str, scheme: str, version: str, variant: str = "") -> Path:
    tag = f"{target}{'-' + variant if variant else ''}__{scheme}__{version}"
    return get_settings().paths.datasets / "splits" / f"{tag}.csv"


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two labelings split the rows into the same groups (labels may differ): stored
    folds stay valid only while the leakage groups they were drawn over are unchanged."""
    pairs = pd.DataFrame({"a": a, "b": b})
    return bool(pairs.groupby("a")["b"].nunique().max() <= 1
                and pairs.groupby("b")["a"].nunique().max() <= 1)


def stored_folds(
    target: str, scheme: str, version: str, ids: pd.Index, groups: pd.Series,
    y: np.ndarray | None = None, families: pd.Series | None = None, variant: str = "",
    n_folds: int | None = None, seed: int | None = None, write: bool = True,
) -> pd.Series:
    """Load the folds for this data version, or make and store them on first use (again when
    the grouping rule changed the groups since they were stored)."""
    path = splits_path(target, scheme, version, variant)
    if path.exists():
        df = pd.read_csv(path, dtype={"id": str, "group": str}, keep_default_na=False)
        fold = pd.Series(df["fold"].to_numpy(), index=df["id"], name="fold")
        stored = pd.Series(df["group"].to_numpy(), index=df["id"])
        if set(fold.index) == set(map(str, ids)) and (scheme != "grouped" or same_partition(
                stored.reindex(ids.astype(str)).to_numpy(), groups.astype(str).to_numpy())):
            return fold.reindex(ids.astype(str)).set_axis(ids)
    s = get_settings()
    fold = make_folds(
        ids, groups, scheme, n_folds or s.models.n_folds,
        s.seed if seed is None else seed, y=y, families=families,
    )
    if write:
        write_csv_atomic(
            pd.DataFrame({
                "id": ids, "target": target, "scheme": scheme, "fold": fold.to_numpy(),
                "group": groups.astype(str).to_numpy(),
                "family": families.astype(str).to_numpy() if families is not None else "",
            }),
            path,
        )
    return fold
