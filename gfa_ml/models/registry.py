"""Name -> model class registry. A new model is one new file with ``@register``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from gfa_ml.models.base import GFAModel

_REGISTRY: dict[str, type[GFAModel]] = {}

# modules that define registered models; imported lazily so heavy deps (torch) load on demand
MODEL_MODULES: dict[str, str] = {}
MODEL_MODULES.update(
    {
        "xgb": "gfa_ml.models.xgb_model",
        "tct": "gfa_ml.models.tct_model",
        **dict.fromkeys(("gnn", "gnn_frozen", "gnn_scratch"), "gfa_ml.gnn.model_adapter"),
        **dict.fromkeys(
            ("dummy", "rule_2_3", "ridge", "rf", "single_feature"), "gfa_ml.models.baselines"
        ),
    }
)


def register(name: str, module: str | None = None) -> Callable[[type[GFAModel]], type[GFAModel]]:
    def deco(cls: type[GFAModel]) -> type[GFAModel]:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def get_model_class(name: str) -> type[GFAModel]:
    if name not in _REGISTRY and name in MODEL_MODULES:
        importlib.import_module(MODEL_MODULES[name])
    if name not in _REGISTRY:
        known = sorted(set(_REGISTRY) | set(MODEL_MODULES))
        raise KeyError(f"unknown model {name!r}; known: {', '.join(known)}")
    return _REGISTRY[name]


def available_models() -> list[str]:
    return sorted(set(_REGISTRY) | set(MODEL_MODULES))
