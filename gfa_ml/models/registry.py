"""Name -> model class registry. A new model is one new file with ``@register("name")``.

Model modules are found, not listed: the modules of ``ESTIMATOR_PACKAGES`` are read (not
imported) for ``@register("...")`` decorators, and a module is imported only when one of its
names is asked for, so heavy dependencies (torch for the graph networks) load on demand.
A class registered anywhere else (a test, a notebook) is used by name as soon as it is defined.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from gfa_ml.models.base import GFAModel

#: packages whose modules may define registered models (read lazily, see module docstring)
ESTIMATOR_PACKAGES = ("gfa_ml.models", "gfa_ml.gnn")

_REGISTRY: dict[str, type[GFAModel]] = {}


def register(name: str) -> Callable[[type[GFAModel]], type[GFAModel]]:
    def deco(cls: type[GFAModel]) -> type[GFAModel]:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def _registered_names(path: Path) -> list[str]:
    """Names a module's ``@register("...")`` class decorators declare (read, not imported)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    names = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for deco in node.decorator_list:
            if (isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "register"
                    and deco.args and isinstance(deco.args[0], ast.Constant)):
                names.append(str(deco.args[0].value))
    return names


@lru_cache(maxsize=1)
def model_modules() -> dict[str, str]:
    """Registered model name -> the module that defines it, over ``ESTIMATOR_PACKAGES``."""
    out: dict[str, str] = {}
    for package in ESTIMATOR_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for info in pkgutil.iter_modules(spec.submodule_search_locations, f"{package}."):
            if info.ispkg:
                continue
            origin = Path(info.module_finder.path) / f"{info.name.rsplit('.', 1)[1]}.py"
            for name in _registered_names(origin):
                out.setdefault(name, info.name)
    return out


def get_model_class(name: str) -> type[GFAModel]:
    if name not in _REGISTRY and name in model_modules():
        importlib.import_module(model_modules()[name])
    if name not in _REGISTRY:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(available_models())}")
    return _REGISTRY[name]


def available_models() -> list[str]:
    return sorted(set(_REGISTRY) | set(model_modules()))
