"""Gradient-boosted trees (xgboost): the primary model for every target.

Trees split on missing values natively, so record-only materials (no CIF features) and CIF
materials share one model without imputation. Per-prediction explanations are xgboost's exact
TreeSHAP contributions (``pred_contribs``; Lundberg et al., Nat. Mach. Intell. 2020, 2, 56).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import xgboost as xgb

from gfa_ml.config import XGBDefaults, get_settings
from gfa_ml.models.base import Task
from gfa_ml.models.registry import register
from gfa_ml.models.tabular import TabularModel
from gfa_ml.models.targets import TARGETS


@register("xgb")
class XGBModel(TabularModel):
    """xgboost regressor (squared error) or classifier (logistic), deterministic for a seed."""

    #: the parameters searched; None in the constructor = the configured default
    #: (``models.xgb`` in :mod:`gfa_ml.config`, or the target's ``xgb_preset``)
    PARAMS = ("n_estimators", "max_depth", "learning_rate", "subsample", "colsample_bytree",
              "min_child_weight", "reg_lambda")

    def __init__(
        self,
        task: Task = "regression",
        feature_set: str = "all",
        seed: int = 0,
        target: str = "",
        n_estimators: int | None = None,
        max_depth: int | None = None,
        learning_rate: float | None = None,
        subsample: float | None = None,
        colsample_bytree: float | None = None,
        min_child_weight: float | None = None,
        reg_lambda: float | None = None,
        n_jobs: int = 1,
    ) -> None:
        super().__init__(task=task, feature_set=feature_set, seed=seed)
        self.target = target
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs

    @staticmethod
    def search_space(trial: Any) -> dict[str, Any]:  # type: ignore[override]
        """Optuna search space, kept small: these data sets hold 10^2 to 10^3 rows."""
        return {
            "n_estimators": trial.suggest_int("n_estimators", 200, 1000, step=100),
            "max_depth": trial.suggest_int("max_depth", 2, 8),
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
            "subsample": trial.suggest_float("subsample", 0.6, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
            "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 10.0, log=True),
            "reg_lambda": trial.suggest_float("reg_lambda", 0.1, 20.0, log=True),
        }

    def _defaults(self) -> XGBDefaults:
        """The untuned parameters: the target's preset (``Target.xgb_preset``), else ``xgb``."""
        target = TARGETS.get(self.target)
        return getattr(get_settings().models, target.xgb_preset if target else "xgb")

    def _estimator(self) -> Any:
        cfg = self._defaults()
        common: dict[str, Any] = {
            k: getattr(cfg, k) if getattr(self, k) is None else getattr(self, k)
            for k in self.PARAMS
        }
        common.update(random_state=self.seed, n_jobs=self.n_jobs, tree_method="hist",
                      max_bin=cfg.max_bin)
        if self.task == "classification":
            return xgb.XGBClassifier(objective="binary:logistic", eval_metric="logloss", **common)
        return xgb.XGBRegressor(objective="reg:squarederror", **common)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-row additive contributions (margin units) of each feature, plus ``bias``."""
        booster = self.estimator_.get_booster()
        dm = xgb.DMatrix(self._matrix(X), feature_names=None)
        contrib = booster.predict(dm, pred_contribs=True)
        names = [*self.feature_columns_, *(["measured_scale"] if getattr(self, "fidelity_", False)
                                           else []), "bias"]
        return pd.DataFrame(contrib, index=X.index, columns=names)

