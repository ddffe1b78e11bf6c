"""Feature columns added from outside the featurizer: a new record feature is one function.

``@register_featurizer("name", columns=(...))`` on ``record -> {column: value}`` adds those
columns to every row :func:`gfa_ml.featurize.featurize_records` returns (the measured table,
``gfa predict --records``); :func:`gfa_ml.models.features.declared_features` lists them, so the
models learn from them. ``shared=True`` declares that the value is computed alike for any input
(it joins the ``shared`` feature set the measured targets use). A featurizer that fails on one
record gives NaN there, never a lost table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

RecordFeaturizer = Callable[[Mapping[str, object]], Mapping[str, float]]


@dataclass(frozen=True)
class RegisteredFeaturizer:
    name: str
    columns: tuple[str, ...]
    compute: RecordFeaturizer
    shared: bool = True


_FEATURIZERS: dict[str, RegisteredFeaturizer] = {}


def register_featurizer(
    name: str, columns: tuple[str, ...], shared: bool = True
) -> Callable[[RecordFeaturizer], RecordFeaturizer]:
    """Declare a record featurizer and the columns it fills (see module docstring)."""

    def deco(fn: RecordFeaturizer) -> RecordFeaturizer:
        _FEATURIZERS[name] = RegisteredFeaturizer(name, tuple(columns), fn, shared)
        return fn

    return deco


def unregister_featurizer(name: str) -> None:
    _FEATURIZERS.pop(name, None)


def registered_columns(feature_set: str = "all") -> tuple[str, ...]:
    """Columns of the registered featurizers in ``feature_set`` (``all``, ``measured`` or
    ``shared``; a record featurizer is shared or structure-only, and ``measured`` takes both)."""
    return tuple(c for f in _FEATURIZERS.values() if f.shared or feature_set != "shared"
                 for c in f.columns)


def record_features(record: Mapping[str, object]) -> dict[str, float]:
    """Every registered column for one record (NaN where its featurizer fails or omits it)."""
    out: dict[str, float] = {}
    for f in _FEATURIZERS.values():
        try:
            values = f.compute(record)
        except Exception:  # noqa: BLE001 - one featurizer failing on a record loses no row
            values = {}
        out.update({c: float(values.get(c, float("nan"))) for c in f.columns})
    return out
