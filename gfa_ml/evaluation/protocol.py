"""The evaluation protocol behind ``gfa evaluate`` and ``gfa compare``.

Every (target, split scheme) gets its stored folds once; every model is cross-validated on them;
results go to MLflow (parent run, one child per model) and to a ranked markdown report.
The meltability classifier is run twice on the *same measured folds*: measured rows only, and
with the Td-proxy MOFs as low-weight unlabelled rows, so the effect of that choice is visible.
In that second run no fold trains on a proxy that is a test material in disguise (same
composition) or, leaving a family out, on a proxy sharing the held-out family's
chemistry (:mod:`gfa_ml.evaluation.leakage`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gfa_ml.evaluation.cv import CVResult, ModelSpec, cross_validate, summarize
from gfa_ml.evaluation.leakage import describe, proxy_exclusions
from gfa_ml.models.registry import available_models, get_model_class
from gfa_ml.models.targets import Target
from gfa_ml.models.training_data import FeatureSource, TrainingSet, build_training_set


def default_models(target: Target) -> list[str]:
    """The target's declared models that are installed (the slow GNN only on request:
    ``gfa compare --models ...,gnn``)."""
    have = set(available_models())
    return [m for m in target.models if m.partition(":")[0] in have]


@dataclass
class Study:
    results: list[CVResult] = field(default_factory=list)
    sets: dict[tuple[str, str], TrainingSet] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: (target, scheme) -> proxies kept out of each fold's training part (leakage.describe)
    exclusions: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)

    def table(self, target: str, scheme: str, variant: str | None = None,
              common_only: bool = False) -> pd.DataFrame:
        rs = [r for r in self.results if r.target == target and r.scheme == scheme
              and (variant is None or r.variant == variant)]
        return summarize(rs, common_only=common_only) if rs else pd.DataFrame()

    def get(self, target: str, scheme: str, model: str, variant: str = "") -> CVResult | None:
        for r in self.results:
            if (r.target, r.scheme, r.model, r.variant) == (target, scheme, model, variant):
                return r
        return None


def run_study(
    targets: list[Target], table: pd.DataFrame, proxy: pd.DataFrame | None,
    features: FeatureSource, models: dict[str, list[str]] | None = None,
    schemes: tuple[str, ...] = ("grouped", "lofo"), trials: int | None = None,
    proxy_variants: tuple[str, ...] = ("", "proxy"),
    on_result: Callable[[CVResult, TrainingSet], None] | None = None,
    log: Callable[[str], None] = print,
) -> Study:
    """Cross-validate every requested model on every target and scheme (identical folds)."""
    study = Study()
    for target in targets:
        names = (models or {}).get(target.name) or default_models(target)
        specs = [ModelSpec.parse(n) for n in names]
        served = [sp for sp in specs if get_model_class(sp.name).serves(target)]
        study.skipped += [f"{sp.label} does not serve {target.name}" for sp in specs
                          if sp not in served]
        specs = served
        base = build_training_set(target, table, proxy, features, variant="")
        study.sets[(target.name, "")] = base
        variants = (proxy_variants if target.proxy == "negatives" and proxy is not None
                    else ("",))
        for variant in variants:
            ts = base if variant == "" else build_training_set(
                target, table, proxy, features, variant=variant)
            study.sets[(target.name, variant)] = ts
            for scheme in target.schemes_for(list(schemes)):
                folds = base.folds(scheme).reindex(ts.X.index).fillna(-1).astype(int)
                # presumed negatives (variant "proxy") and Td's lower bounds leave a fold's
                # training with the test material they are in disguise
                exclude = proxy_exclusions(ts, folds, scheme)
                if exclude and variant:
                    study.exclusions[(target.name, scheme)] = describe(ts, exclude, folds)
                for sp in specs:
                    if variant and not get_model_class(sp.name).proxy_variant:
                        continue
                    if scheme == "random" and sp.name != "xgb":
                        continue
                    log(f"{target.name} {scheme}{' ' + variant if variant else ''}: {sp.label}")
                    try:
                        res = cross_validate(sp, ts, folds, scheme=scheme, trials=trials,
                                             exclude=exclude)
                    except Exception as exc:  # noqa: BLE001 - one model failing ends no study
                        msg = " ".join(str(exc).split())[:200]
                        study.skipped.append(f"{sp.label} on {target.name} {scheme} {variant}: "
                                             f"failed ({type(exc).__name__}: {msg})")
                        log(f"  failed: {msg}")
                        continue
                    study.results.append(res)
                    if on_result is not None:
                        on_result(res, ts)
    return study
