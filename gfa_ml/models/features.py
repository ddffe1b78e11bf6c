"""Which columns of a material frame are model features.

Material frames carry record columns (``family``, ``Tm_K``, ...) beside the numeric features of
``gfa_ml.featurize``; only columns the featurizer declares ever reach a model, so a measured
temperature can never leak in as a feature. Three feature sets:

- ``shared``: the groups computed identically from a CIF and from a metal + ligand-SMILES record
  (metal, node CN/donors, net dimensionality, ligand), so one model scores both kinds of input;
- ``measured``: ``shared`` plus the crystal's own descriptors (density and packing, node
  geometry and connectivity, porosity: LCD, PLD, void fraction) — the targets learned from the
  measured table, where only some materials have a CIF: a record without one has NaN there, which
  the trees route on their own, so density and porosity separate polymorphs of one composition
  (the seeds' dense-melts / porous-decomposes rule) without costing the records their prediction.
  The 132 elemental-statistics columns stay out: a record's ligand columns already say it;
- ``all``: every group (composition statistics included).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

FEATURE_SETS = ("shared", "measured", "all")
#: structure groups the ``measured`` set adds to ``shared``
MEASURED_STRUCTURE_GROUPS = ("struct", "node_geom", "pore")


@lru_cache(maxsize=2)
def _featurizer_columns(feature_set: str) -> tuple[str, ...]:
    from gfa_ml.featurize import SHARED_GROUPS, feature_labels, groups

    if feature_set == "all":
        return tuple(feature_labels())
    if feature_set in ("shared", "measured"):
        extra = MEASURED_STRUCTURE_GROUPS if feature_set == "measured" else ()
        return tuple(c for g in (*SHARED_GROUPS, *extra) for c in groups()[g])
    raise ValueError(f"unknown feature set {feature_set!r}; choose from {', '.join(FEATURE_SETS)}")


def declared_features(feature_set: str = "all") -> tuple[str, ...]:
    """The featurizer's columns of ``feature_set``, then those of registered featurizers."""
    from gfa_ml.featurize.registry import registered_columns

    return _featurizer_columns(feature_set) + registered_columns(feature_set)


def feature_columns(X: pd.DataFrame, feature_set: str = "all") -> list[str]:
    """Declared feature columns of ``feature_set`` present (and numeric) in ``X``, fixed order."""
    return [
        c for c in declared_features(feature_set)
        if c in X.columns and pd.api.types.is_numeric_dtype(X[c])
    ]


def feature_matrix(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``X`` restricted to ``columns`` (absent ones NaN) as float64, in that order."""
    return X.reindex(columns=columns).to_numpy(dtype=np.float64, na_value=np.nan)
