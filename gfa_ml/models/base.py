"""The model contract every GFA model follows, so the comparison harness treats them alike.

``X`` is a *material frame*: one row per material (index = material id) holding the record
columns (``family``, ``metals``, ``linker_fractions``, ``Tm_K`` ... from the measured table, or
``cif_key`` for structures) **and** the numeric feature columns from ``gfa_ml.featurize``.
Each model picks the columns it needs: xgboost the numeric features, the 2/3 rule ``Tm_K``,
the TCT model the linker fractions, the GNN the structure keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if

from gfa_ml.models.targets import Target, Task


def _is_classifier(model: GFAModel) -> bool:
    return getattr(model, "task", None) == "classification"


class GFAModel(BaseEstimator):
    """Base class: ``fit(X, y)`` / ``predict(X)``.

    Classifiers return P(class 1) from ``predict`` (a 1-D array: the harness, the conformal
    code and ``gfa predict`` treat every model's output as one number per row) and the
    scikit-learn ``predict_proba`` (n x 2: P(class 0), P(class 1)) besides.

    What a model can do is declared on its class, read by the harness and the serving code:
    ``tasks`` / ``targets`` / :meth:`serves`, ``supports_sample_weight``, ``needs_structures``,
    ``search_space`` and ``proxy_variant``.

    Intervals are the harness's (row-wise conformal on held-out folds,
    :mod:`gfa_ml.models.conformal`), the same for every model. ``nan_reasons`` says per row why
    a model cannot serve a material.
    """

    name: ClassVar[str] = "base"
    tasks: ClassVar[tuple[Task, ...]] = ("regression",)
    #: targets the model can serve at all (None = any)
    targets: ClassVar[tuple[str, ...] | None] = None
    #: ``fit`` takes ``sample_weight`` (label support, presumed-negative weights)
    supports_sample_weight: ClassVar[bool] = False
    #: feature rows alone are not enough: callers add ``cif_text`` (or ``cif_path``) columns
    needs_structures: ClassVar[bool] = False
    #: optuna search space ``trial -> params`` tuned inside training folds (None: not tuned)
    search_space: ClassVar[Callable[[Any], dict[str, Any]] | None] = None
    #: cross-validated again in a target's presumed-negative variant (``Target.proxy`` =
    #: ``negatives``): the weighted feature learners, whose decision surface those rows shape
    proxy_variant: ClassVar[bool] = False

    @classmethod
    def serves(cls, target: Target) -> bool:
        """Whether the model can predict ``target`` at all (its task, its declared targets)."""
        return target.task in cls.tasks and (cls.targets is None or target.name in cls.targets)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> GFAModel:  # pragma: no cover - interface
        raise NotImplementedError

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    @available_if(_is_classifier)
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """scikit-learn convention: columns P(class 0), P(class 1) (NaN where not served)."""
        p = np.asarray(self.predict(X), dtype=float)
        return np.column_stack([1.0 - p, p])

    def nan_reasons(self, X: pd.DataFrame) -> pd.Series:
        """Why a prediction is NaN for a row (empty string where the model serves it)."""
        return pd.Series("", index=X.index)
