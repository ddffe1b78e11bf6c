"""Which columns of a material frame are model features.

Material frames carry record columns (``family``, ``Tm_K``, ...) beside the numeric features of
``gfa_ml.featurize``; only columns the featurizer declares ever reach a model, so a measured
temperature can never leak in as a feature. Feature sets (``FEATURE_SETS``: name -> groups):

- ``shared``: the groups computed identically from a CIF and from a metal + ligand-SMILES record
  (metal, node CN/donors, net dimensionality, ligand, ions), so one model scores both kinds of
  input. The ``ion`` group (halide / pseudohalide / oxo / hydroxo / water counts per metal,
  anion and cation charge; issue #22) is in every default set: without it a CuCl, a CuBr and a
  CuI polymer of one linker are one feature vector. On identical folds it moved no overall score
  beyond the fold noise (``benchmarks/features_halides.py``: meltable grouped AUC 0.844 → 0.849
  measured-only, 0.871 → 0.863 served; Tm grouped 68.2 → 66.2 K) and only bis(acetamide)'s
  grouped Brier score by more than its fold noise (+0.022 / +0.039; see
  ``experiments/features_halides.md``);
- ``measured``: ``shared`` plus the crystal's own descriptors (density and packing, node
  geometry and connectivity, porosity: LCD, PLD, void fraction), NaN for a record. No target
  uses it by default: 12 labelled materials hold a CIF, and on the leak-free protocol it moved
  neither meltability nor Tm (``benchmarks/meltable_ablation.py``); the seeds' dense-melts rule
  needs labelled structures before descriptors can learn it;
- ``measured_bond``: ``measured`` plus the bond-strength group (ion hardness, metal–donor
  ionicity, ligand conjugate-acid pKa, counter-cations; :mod:`gfa_ml.featurize.bonding`). It is
  computed for every input but is not a default: on identical grouped folds it made every
  measured target worse (``benchmarks/meltable_ablation.py``; ``gfa train`` meltable AUC 0.853 →
  0.796, Tm 67.7 → 77.1 K, Tg 67.0 → 69.6 K) — with 10² labels, seven more columns that are NaN
  for a third of the table mostly identify families. A target opts in by naming the set;
- ``all``: every group (composition statistics, bond strength and the revised autocorrelations
  of the crystal graph, :mod:`gfa_ml.featurize.racs`, included; the Td model). Untuned on the
  Td grouped folds the RACs take the MAE from 48.1 to 46.7 K with the measured-target xgboost
  defaults and from 46.5 to 45.4 K with the Td preset (experiments/td.md); the measured
  targets do not see them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

_BASE = ("metal", "node", "net", "lig", "ion")
_CRYSTAL = ("struct", "node_geom", "pore")
#: feature set -> featurizer groups (None: every group)
FEATURE_SETS: dict[str, tuple[str, ...] | None] = {
    "shared": _BASE,
    "measured": (*_BASE, *_CRYSTAL),
    "measured_bond": (*_BASE, "bond", *_CRYSTAL),
    "all": None,
}


@lru_cache(maxsize=8)
def _featurizer_columns(feature_set: str) -> tuple[str, ...]:
    from gfa_ml.featurize import feature_labels, groups

    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; choose from "
                         f"{', '.join(FEATURE_SETS)}")
    chosen = FEATURE_SETS[feature_set]
    if chosen is None:
        return tuple(feature_labels())
    return tuple(c for g in chosen for c in groups()[g])


def declared_features(feature_set: str = "all") -> tuple[str, ...]:
    """The featurizer's columns of ``feature_set``, then those of registered featurizers."""
    from gfa_ml.featurize.registry import registered_columns

    return _featurizer_columns(feature_set) + registered_columns(feature_set)


@lru_cache(maxsize=1)
def crystal_only_columns() -> frozenset[str]:
    """Columns only a crystal structure can give (a record has NaN there by declaration)."""
    from gfa_ml.featurize import STRUCTURE_GROUPS, groups

    return frozenset(c for g in STRUCTURE_GROUPS for c in groups()[g])


def feature_columns(X: pd.DataFrame, feature_set: str = "all") -> list[str]:
    """Declared feature columns of ``feature_set`` present (and numeric) in ``X``, fixed order."""
    return [
        c for c in declared_features(feature_set)
        if c in X.columns and pd.api.types.is_numeric_dtype(X[c])
    ]


def feature_matrix(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``X`` restricted to ``columns`` (absent ones NaN) as float64, in that order."""
    return X.reindex(columns=columns).to_numpy(dtype=np.float64, na_value=np.nan)
