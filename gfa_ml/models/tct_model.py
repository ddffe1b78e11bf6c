"""Topological-constraint-theory Tg (Gupta-Mauro) as a model beside the ML ones.

Physics, not regression: ``fit`` only picks each metal group's reference glass and refits the
family's soft-constraint onsets on the training glasses it is given (so cross-validation folds
never see the held-out material); ``predict`` solves the self-consistent Tg equation. Materials
outside the families with a constraint table, or without a reference glass of their metal group,
get NaN and a reason (see :mod:`gfa_ml.tct`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from gfa_ml.models.base import GFAModel
from gfa_ml.models.registry import register
from gfa_ml.tct.predict import fit_families, glasses_from_frame, predict_with, training_rows


@register("tct")
class TCTModel(GFAModel):
    """Tg (K) from temperature-dependent constraint counting; serves target Tg_K only."""

    tasks = ("regression",)
    targets = ("Tg_K",)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> TCTModel:
        frame = X.assign(Tg_K=np.asarray(y, float))
        rows = training_rows(frame)
        self.calibrations_ = fit_families(glasses_from_frame(rows), rows["Tg_K"].to_numpy(float))
        return self

    def predict_table(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per row (index = id): ``Tg_tct_K``, ``n_at_Tg``, ``reference`` and the ``reason``
        where there is no value; what ``gfa predict`` shows beside the ML Tg."""
        check_is_fitted(self, "calibrations_")
        return predict_with(self.calibrations_, glasses_from_frame(X.assign(id=X.index)))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_table(X)["Tg_tct_K"].to_numpy(float)

    def nan_reasons(self, X: pd.DataFrame) -> pd.Series:
        return pd.Series(self.predict_table(X)["reason"].to_numpy(), index=X.index)
