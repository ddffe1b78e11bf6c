"""Baselines every model is reported beside: dummy, the 2/3 rule, ridge/logistic, random forest,
and single-feature meltability classifiers.

The Tg ≈ 2/3·Tm rule of thumb for glass formers is quoted for MOF glasses in Bennett et al.,
Nat. Commun. 2015, 6, 8079.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from gfa_ml.config import get_settings
from gfa_ml.glass_rules import RULE_RATIO
from gfa_ml.models.base import GFAModel, Task
from gfa_ml.models.features import feature_columns, feature_matrix
from gfa_ml.models.registry import register
from gfa_ml.models.tabular import TabularModel
from gfa_ml.models.targets import TARGETS


@register("dummy")
class DummyModel(GFAModel):
    """Training mean (regression) or training fraction of positives (classification)."""

    tasks = ("regression", "classification")
    supports_sample_weight = True

    def __init__(self, task: Task = "regression") -> None:
        self.task = task

    def fit(
        self, X: pd.DataFrame, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> DummyModel:
        self.value_ = float(np.average(np.asarray(y, dtype=float), weights=sample_weight))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "value_")
        return np.full(len(X), self.value_)


@register("rule_2_3")
class TwoThirdsRule(GFAModel):
    """Tg = 2/3·Tm from the material's *measured* Tm; Tg/Tm = 2/3. Nothing is fitted.

    A target in kelvin gets the temperature, a unitless one the ratio itself.
    """

    tasks = ("regression",)
    targets = ("Tg_K", "Tg_over_Tm")

    def __init__(self, target: str = "Tg_K") -> None:
        self.target = target

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> TwoThirdsRule:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # a rule: nothing to fit

    def _ratio(self) -> bool:
        return TARGETS[self.target].unit == ""

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self._ratio():
            return np.full(len(X), RULE_RATIO)
        tm = pd.to_numeric(X.get("Tm_K", pd.Series(np.nan, index=X.index)), errors="coerce")
        return RULE_RATIO * tm.to_numpy(dtype=float)

    def nan_reasons(self, X: pd.DataFrame) -> pd.Series:
        if self._ratio():
            return super().nan_reasons(X)
        tm = pd.to_numeric(X.get("Tm_K", pd.Series(np.nan, index=X.index)), errors="coerce")
        return pd.Series(np.where(tm.isna(), "no measured Tm_K", ""), index=X.index)


@register("ridge")
class RidgeModel(TabularModel):
    """Median-impute (+ missing indicators), standardize, then RidgeCV / L2 logistic regression."""

    def _estimator(self) -> Any:
        head = (
            LogisticRegression(C=0.3, max_iter=2000)
            if self.task == "classification"
            else RidgeCV(alphas=np.logspace(-2, 3, 12))
        )
        return make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True), StandardScaler(), head
        )


@register("rf")
class RandomForestModel(TabularModel):
    """Median-imputed random forest (``models.rf`` in :mod:`gfa_ml.config`: 200 trees, half the
    features per split, min leaf 2; None in the constructor = that default)."""

    def __init__(
        self, task: Task = "regression", feature_set: str = "all",
        seed: int = 0, n_estimators: int | None = None, min_samples_leaf: int | None = None,
        n_jobs: int = 1,
    ) -> None:
        super().__init__(task=task, feature_set=feature_set, seed=seed)
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.n_jobs = n_jobs

    def _estimator(self) -> Any:
        cfg = get_settings().models.rf
        cls = RandomForestClassifier if self.task == "classification" else RandomForestRegressor
        forest = cls(
            n_estimators=cfg.n_estimators if self.n_estimators is None else self.n_estimators,
            min_samples_leaf=(cfg.min_samples_leaf if self.min_samples_leaf is None
                              else self.min_samples_leaf),
            max_features=cfg.max_features, random_state=self.seed, n_jobs=self.n_jobs,
        )
        return make_pipeline(SimpleImputer(strategy="median", add_indicator=True), forest)


@register("single_feature")
class SingleFeatureClassifier(GFAModel):
    """Logistic regression on one descriptor: the bar a multivariate model has to clear.

    ``feature="auto"`` picks, inside the training data only, the feature whose values rank the
    training labels best (highest |AUC − 0.5|), so the baseline is strong but never peeks.
    """

    tasks = ("classification",)
    targets = ("meltable",)
    supports_sample_weight = True

    def __init__(
        self, feature: str = "auto", task: Task = "classification",
        feature_set: str = "all",
    ) -> None:
        self.feature = feature
        self.task = task
        self.feature_set = feature_set

    def _choose(self, X: pd.DataFrame, y: np.ndarray) -> str:
        best, best_score = "", -1.0
        for col in feature_columns(X, self.feature_set):
            v = X[col].to_numpy(dtype=float)
            ok = ~np.isnan(v)
            if ok.sum() < 5 or len(np.unique(y[ok])) < 2 or np.nanstd(v) == 0:
                continue
            score = abs(roc_auc_score(y[ok], v[ok]) - 0.5) * ok.mean()
            if score > best_score:
                best, best_score = col, score
        if not best:
            raise ValueError("single_feature: no informative feature in the training data")
        return best

    def fit(
        self, X: pd.DataFrame, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> SingleFeatureClassifier:
        y = np.asarray(y, dtype=int)
        self.feature_ = self._choose(X, y) if self.feature == "auto" else self.feature
        self.pipe_ = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(),
            LogisticRegression(max_iter=1000),
        )
        self.pipe_.fit(feature_matrix(X, [self.feature_]), y, logisticregression__sample_weight=(
            sample_weight))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "pipe_")
        return self.pipe_.predict_proba(feature_matrix(X, [self.feature_]))[:, 1]
