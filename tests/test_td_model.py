"""The Td target's configuration (issue 24): RAC descriptors and the large-set xgboost preset
reach the Td model only; the measured targets keep theirs."""

from __future__ import annotations

from gfa_ml.config import get_settings
from gfa_ml.evaluation.cv import ModelSpec, build_model
from gfa_ml.featurize import groups
from gfa_ml.models.features import declared_features
from gfa_ml.models.targets import TARGETS


def test_td_learns_from_racs_and_the_measured_targets_do_not():
    rac = set(groups()["rac"])
    assert rac <= set(declared_features(TARGETS["Td_K"].feature_set))
    for name in ("meltable", "Tm_K", "Tg_K", "Tg_over_Tm"):
        assert not rac & set(declared_features(TARGETS[name].feature_set)), name


def test_td_xgb_uses_the_large_set_preset_and_tuning_overrides_it():
    s = get_settings().models
    td = build_model(ModelSpec("xgb"), TARGETS["Td_K"])._estimator().get_params()
    tm = build_model(ModelSpec("xgb"), TARGETS["Tm_K"])._estimator().get_params()
    for key in ("n_estimators", "max_depth", "learning_rate", "colsample_bytree"):
        assert td[key] == getattr(s.xgb_large, key), key
        assert tm[key] == getattr(s.xgb, key), key
    assert td["max_depth"] > tm["max_depth"]
    tuned = build_model(ModelSpec("xgb"), TARGETS["Td_K"], {"max_depth": 3})
    assert tuned._estimator().get_params()["max_depth"] == 3
