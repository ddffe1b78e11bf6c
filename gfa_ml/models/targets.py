"""The prediction targets, declared once: everything the code decides per target is a field here.

A new target is one :class:`Target` passed to :func:`register_target`:
training, cross-validation, the reports and ``gfa predict`` read its fields, never its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from gfa_ml.evaluation.metrics import PRIMARY

#: what a model does for a target (the models declare which tasks they serve)
Task = Literal["regression", "classification"]

#: how the Td-proxy MOFs (CoRE MOFs with a TGA onset, no melting reported) enter a target:
#: ``train`` = labelled rows of the target, scored like measured ones; ``negatives`` = an
#: optional variant (``proxy``) adds them as presumed negatives at a low weight, never scored;
#: ``none`` = left out
ProxyPolicy = Literal["train", "negatives", "none"]


def numeric_label(values: pd.Series) -> pd.Series:
    """A measured number; anything unreadable is NaN (no label)."""
    return pd.to_numeric(values, errors="coerce")


def yes_no_label(values: pd.Series) -> pd.Series:
    """``yes`` -> 1, ``no`` -> 0, anything else (``unknown``, empty) -> NaN (no label)."""
    return values.astype(str).str.strip().str.lower().map({"yes": 1.0, "no": 0.0})


@dataclass(frozen=True)
class Target:
    name: str
    task: Task
    #: unit of a value ("K", "" for a ratio; "P" for a probability)
    unit: str
    #: column in ``gfa predict`` output
    output: str
    #: physically possible values: a prediction or interval bound outside is clipped to them
    #: (a temperature is above 0 K; a glass transition lies below the melting point)
    bounds: tuple[float, float] = (0.0, float("inf"))
    #: column of the measured table (and of a blind file) holding the label; default ``name``
    column: str = ""
    #: how that column is read into a label (1/0 for a classifier, a number for a regressor)
    labeller: Callable[[pd.Series], pd.Series] = numeric_label
    #: short words for people (figure titles) and the names chemists type (``--target tm``)
    label: str = ""
    aliases: tuple[str, ...] = ()
    #: metric that ranks models and whether larger is better (default: by task, see metrics)
    metric: str = ""
    higher_is_better: bool | None = None
    #: decimals of a reported value
    digits: int = 1
    #: models ``gfa evaluate`` scores (a name not installed is left out)
    models: tuple[str, ...] = ("dummy", "ridge", "rf", "xgb")
    #: feature set (``gfa_ml.models.features``) the models learn from
    feature_set: str = "shared"
    proxy: ProxyPolicy = "none"
    #: split schemes cross-validated; a requested scheme outside them is swapped for its
    #: stand-in here (if any), else left out
    schemes: tuple[str, ...] = ("grouped", "lofo")
    stand_in: tuple[tuple[str, str], ...] = ()
    #: this target's applicability domain (measured materials only) sets ``in_domain`` /
    #: ``nearest_known`` in ``gfa predict`` output
    domain_anchor: bool = False
    #: what the value is physically, for the checks across targets (P(Tm < Td) from the
    #: regressors, Tg below Tm, Tg/Tm against Tg_K / Tm_K): "melting", "decomposition",
    #: "glass", "glass_ratio" or "" (:mod:`gfa_ml.models.agreement`)
    role: str = ""
    #: xgboost's untuned parameters: the ``gfa_ml.config`` ``models`` section of that name
    #: (``xgb``; ``xgb_large`` for thousands of rows)
    xgb_preset: str = "xgb"
    #: a column of the measured table that bounds this target from below for the materials
    #: that melt before they decompose (``meltable`` yes): Td > Tm. Such rows without a label
    #: of their own are learned as lower bounds (:mod:`gfa_ml.models.censoring`)
    bounded_below_by: str = ""
    #: structures featurized only in part (disorder resolved, ligand columns NaN) are trained
    #: on, not only scored: the trees split on what was perceived. Measured for Td on the
    #: identical grouped folds, 3 seeds (experiments/td_partial.md): the partial rows
    #: themselves 67.0 -> 56.9 K (paired -10.1, 95 % -14.7 to -5.6), full rows unchanged
    #: (+0.07 °C, -0.24 to +0.37). Classifiers keep them out (presumed negatives with half
    #: their columns missing would teach "no ligand = no melt")
    trains_on_partial: bool = False

    def __post_init__(self) -> None:
        metric, higher = PRIMARY[self.task]
        object.__setattr__(self, "column", self.column or self.name)
        object.__setattr__(self, "label", self.label or self.name)
        object.__setattr__(self, "metric", self.metric or metric)
        if self.higher_is_better is None:
            object.__setattr__(self, "higher_is_better", higher)

    def read_label(self, table: pd.DataFrame) -> pd.Series:
        """The label of every row of ``table`` (NaN = unlabelled, or the column is absent)."""
        if self.column not in table.columns:
            return pd.Series(float("nan"), index=table.index)
        return self.labeller(table[self.column])

    def read_lower_bound(self, table: pd.DataFrame) -> pd.Series:
        """Per row without a label of its own: the lower bound ``bounded_below_by`` gives it
        (a melter's Tm under its Td), else NaN."""
        if not self.bounded_below_by or self.bounded_below_by not in table.columns:
            return pd.Series(float("nan"), index=table.index)
        melts = yes_no_label(table.get("meltable", pd.Series("", index=table.index))) == 1
        bound = numeric_label(table[self.bounded_below_by])
        return bound.where(melts & self.read_label(table).isna())

    def schemes_for(self, requested: list[str]) -> list[str]:
        """The requested split schemes this target runs (stand-ins after the kept ones)."""
        kept = [s for s in requested if s in self.schemes]
        stand_in = dict(self.stand_in)
        swapped = [stand_in[s] for s in requested if s not in self.schemes and s in stand_in]
        return list(dict.fromkeys(kept + swapped))

    @property
    def prediction_columns(self) -> tuple[str, ...]:
        """Its columns in ``gfa predict`` output: the value, and a regressor's interval."""
        if self.task == "classification":
            return (self.output,)
        return (self.output, f"{self.name}_lo", f"{self.name}_hi")


_RULE = ("dummy", "rule_2_3", "ridge", "rf", "xgb")
TARGETS: dict[str, Target] = {}


def register_target(target: Target) -> Target:
    """Declare a target (its name must be new)."""
    if target.name in TARGETS:
        raise ValueError(f"target {target.name!r} is already declared")
    TARGETS[target.name] = target
    return target


for _t in (
    Target("meltable", "classification", "P", "p_meltable", (0.0, 1.0), labeller=yes_no_label,
           label="meltability", aliases=("melt",), digits=3,
           models=("dummy", "single_feature:auto", "ridge", "rf", "xgb"), proxy="negatives",
           domain_anchor=True),
    # meltability and Tm learn from the shared set: with 12 labelled materials holding a CIF,
    # the crystal's density / node geometry / porosity moved neither score on the leak-free
    # protocol (benchmarks/meltable_ablation.py), so a CIF and its record get one answer
    Target("Tm_K", "regression", "K", "Tm_K", label="Tm", aliases=("tm",), role="melting"),
    # Td: every feature group (the proxy MOFs all have CIFs); LOFO needs several measured
    # families and the Td set is one (proxy) family plus a few rows, so Td gets the leaky
    # random split instead (xgboost only, beside MOFSimplify's random-split number); the
    # 2,500 rows carry deeper trees than the measured targets (experiments/td.md)
    Target("Td_K", "regression", "K", "Td_K", label="Td", aliases=("td",), feature_set="all",
           proxy="train", schemes=("grouped", "random"), stand_in=(("lofo", "random"),),
           role="decomposition", xgb_preset="xgb_large", bounded_below_by="Tm_K",
           trains_on_partial=True),
    Target("Tg_K", "regression", "K", "Tg_K", label="Tg", aliases=("tg",),
           models=(*_RULE, "tct"), role="glass"),
    Target("Tg_over_Tm", "regression", "", "Tg_over_Tm", (0.0, 1.0), label="Tg/Tm",
           aliases=("tg/tm",), digits=3, models=_RULE, role="glass_ratio"),
):
    register_target(_t)


def by_role(role: str) -> Target | None:
    """The target that plays ``role`` (e.g. "melting": Tm), None if none is declared."""
    return next((t for t in TARGETS.values() if t.role == role), None)


def classifier() -> Target | None:
    """The target the meltability answer comes from: the (first) classification target."""
    return next((t for t in TARGETS.values() if t.task == "classification"), None)


def resolve_target(name: str) -> Target:
    """``Tm`` / ``tm`` / ``Tm_K`` -> the Tm target; a clear error for anything else."""
    key = name.strip().lower()
    for t in TARGETS.values():
        if key == t.name.lower() or key in t.aliases:
            return t
    raise ValueError(f"unknown target {name!r}; choose from {', '.join(TARGETS)} (or Tm, Td, Tg)")


def resolve_targets(spec: str) -> list[Target]:
    """``all`` or a comma list of target names."""
    if spec.strip().lower() == "all":
        return list(TARGETS.values())
    return [resolve_target(t) for t in spec.split(",") if t.strip()]
