"""Fit the model a chemist will use for one target, with its interval, domain and provenance.

Order of work: cross-validate on the stored grouped folds (honest metrics, and out-of-fold
residuals that set the 90 % conformal half-width of the final model), tune on inner grouped folds
of all the data, refit on everything, fit the applicability domain, save under
``models/<target>/<model>/v<N>/`` and, when a previous version exists, say how the new one
compares with it on the same folds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.evaluation.cv import (
    CVResult,
    ModelSpec,
    build_model,
    cross_validate,
    fit_domain,
    inner_calibration,
    inner_folds,
    label_range,
)
from gfa_ml.evaluation.leakage import proxy_exclusions
from gfa_ml.evaluation.metrics import metrics_for
from gfa_ml.models.calibration import CalibratedClassifier
from gfa_ml.models.censoring import LOWER_BOUND
from gfa_ml.models.completeness import seen_chemistry
from gfa_ml.models.conformal import IntervalModel
from gfa_ml.models.fidelity import new_scale_heldout
from gfa_ml.models.registry import get_model_class
from gfa_ml.models.store import ModelBundle, ModelMeta, latest_dir, load_bundle, save_bundle
from gfa_ml.models.targets import TARGETS, Target
from gfa_ml.models.tracking import git_commit
from gfa_ml.models.training_data import TrainingSet
from gfa_ml.models.tuning import fit_model, tune


def default_variant(target: Target) -> str:
    """A target with presumed proxy negatives (meltability) trains with them unless the config
    says ``none``."""
    use = target.proxy == "negatives" and get_settings().models.proxy_negatives != "none"
    return "proxy" if use else ""


@dataclass
class TrainOutcome:
    bundle: ModelBundle
    path: Path
    cv: CVResult
    vs_previous: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        meta = self.bundle.meta
        target = TARGETS[meta.target]
        key = target.metric
        unit = f" {target.unit}" if target.task == "regression" and target.unit else ""
        m = self.cv.overall()
        line = (f"{meta.target} {meta.model} {meta.version}: grouped-CV {key.upper()} "
                f"{m[key]:.3g}{unit} (n={int(m['n'])}), saved to {self.path}")
        if target.task == "regression" and meta.interval:
            im = IntervalModel.from_dict(meta.interval)
            served = self.cv.served
            half = im.halfwidth(served["distance"].to_numpy(float), new=new_scale_heldout(served))
            full, far = np.nanmedian(half), np.nanpercentile(half, 90)
            line += (f"\n  90 % interval, wider far from the training data: ±{full:.3g}{unit} "
                     f"for the median held-out row, ±{far:.3g}{unit} at the 90th percentile")
            if p := self.cv.partial_metrics():
                part = full * im.q_partial / im.q
                line += (f"\n  partial rows (disorder / ligand caveat, out of fold): MAE "
                         f"{p['mae_partial']:.3g}{unit} (n={int(p['n_partial'])}); at the "
                         f"median distance ±{part:.3g}{unit}")
        if b := self.cv.bound_metrics():
            line += (f"\n  melters' Tm as lower bounds (never scored as values): out of fold "
                     f"{b['bound_broken']:.0%} of {int(b['n_bound'])} estimates fall below "
                     f"their bound, by {b['bound_shortfall']:.3g}{unit} on average")
        if self.vs_previous:
            line += "\n  " + self.vs_previous["text"]
        return line


def fit_final(
    spec: ModelSpec, ts: TrainingSet, trials: int, seed: int
) -> tuple[Any, dict[str, Any]]:
    """Tune on inner grouped folds of every row it may fit (``TrainingSet.fit_rows``), then
    fit on all of them; a classifier is wrapped in the Platt calibration and threshold of those
    inner folds."""
    use = ts.fit_rows
    inner = inner_folds(ts, use, seed)
    X, y = ts.X[use], ts.y[use]
    w = None if ts.weight is None else ts.weight[use]
    space = get_model_class(spec.name).search_space
    params: dict[str, Any] = {}
    if space is not None and trials > 0 and (inner >= 0).any():
        params = tune(
            lambda p: build_model(spec, ts.target, p), space, X, y, inner, w,
            ~ts.train_only[use], ts.target.task, trials, seed,
        )
    model = fit_model(build_model(spec, ts.target, params), X, y, w)
    if ts.target.task == "classification" and (inner >= 0).any():
        model = CalibratedClassifier(model, inner_calibration(spec, ts, use, params, inner))
    return model, params


def compare_with_previous(
    prev: ModelBundle, spec: ModelSpec, ts: TrainingSet, folds: pd.Series, cv_new: CVResult,
    trials: int,
) -> dict[str, Any]:
    """How the retrained model compares with ``prev`` (a chemist's "did my data change it?").

    1. prospective: ``prev`` (which never saw them) scored on the newly added labelled rows;
    2. same folds: this configuration trained *without* the new rows vs with them, scored on the
       identical test folds.
    """
    task = ts.target.task
    key, higher = ts.target.metric, ts.target.higher_is_better
    old_ids = set(prev.meta.train_ids)
    scored = ts.X.index[~ts.train_only]
    new_ids = [i for i in scored if i not in old_ids]
    bound = (ts.source == LOWER_BOUND).to_numpy()  # melters' Tm under their Td
    new_bounds = bound & ~ts.X.index.isin(prev.meta.bound_ids)
    out: dict[str, Any] = {"previous_version": prev.meta.version, "n_new": len(new_ids),
                           "n_new_bounds": int(new_bounds.sum())}
    parts = [f"vs previous {prev.meta.version}: {len(new_ids)} new labelled material(s)"
             + (f", {int(new_bounds.sum())} new lower bound(s)" if new_bounds.any() else "")]
    if new_ids:
        Xn = ts.X.loc[new_ids]
        yn = ts.y[ts.X.index.get_indexer(new_ids)]
        pn = np.asarray(prev.model.predict(Xn), dtype=float)
        ok = ~np.isnan(pn)
        if ok.any():
            m = metrics_for(task, yn[ok], pn[ok])
            out["prospective"] = m
            val = m["mae"] if task == "regression" else m["brier"]
            parts.append(f"previous model on them: {'MAE' if task == 'regression' else 'Brier'} "
                         f"{val:.3g} (n={int(ok.sum())})")
    if new_ids or new_bounds.any():
        keep = ts.X.index.isin(list(old_ids)) | (ts.train_only & ~new_bounds)
        if keep.sum() > 5:
            cv_old = cross_validate(spec, ts, folds, trials=trials, train_mask=keep,
                                    exclude=proxy_exclusions(ts, folds, "grouped"))
            rows = cv_new.served.index.intersection(cv_old.served.index)
            a, b = cv_old.overall(rows)[key], cv_new.overall(rows)[key]
            out["same_folds"] = {"without_new": a, "with_new": b, "metric": key}
            better = (b > a) if higher else (b < a)
            parts.append(f"same folds, {key.upper()} without → with new data: {a:.3g} → {b:.3g} "
                         f"({'better' if better else 'not better'})")
    out["text"] = "; ".join(parts)
    return out


def train_target(
    ts: TrainingSet, model: str = "xgb", trials: int | None = None,
    root: Path | None = None, seed: int | None = None,
) -> TrainOutcome:
    """CV, final fit, conformal half-width, domain, save (see module docstring)."""
    s = get_settings()
    trials = s.models.tuning_trials if trials is None else trials
    seed = s.seed if seed is None else seed
    spec = ModelSpec.parse(model)
    folds = ts.folds("grouped")
    cv = cross_validate(spec, ts, folds, trials=trials, seed=seed,
                        exclude=proxy_exclusions(ts, folds, "grouped"))
    final, params = fit_final(spec, ts, trials, seed)
    use = ~ts.train_only & ts.fit_rows
    # anchored on the labelled rows it was fitted on, as every CV fold's bundle is
    # (cv.fold_bundle): presumed proxy negatives are no "known" material
    domain = fit_domain(final, ts.X[use])
    meta_extra: dict[str, Any] = {
        "interval": (cv.interval_model(s.models.coverage, domain.threshold_).to_dict()
                     if ts.target.task == "regression" else {}),
        "label_range": label_range(ts, use),
        # chemistry of the labelled materials (proxy negatives are no evidence about melting)
        "seen": seen_chemistry(ts.X[use]),
    }
    meta = ModelMeta(
        target=ts.target.name, model=spec.label, variant=ts.variant, data_version=ts.version,
        feature_version=str(s.featurize.cache_version),
        git_commit=git_commit(), created=datetime.now(UTC).isoformat(timespec="seconds"),
        params=params, feature_columns=list(getattr(final, "feature_columns_", None)
                                            or domain.columns_), **meta_extra,
        threshold=(final.calibration.threshold if isinstance(final, CalibratedClassifier)
                   else 0.5),
        coverage=s.models.coverage,
        cv_metrics={k: v for k, v in {**cv.overall(), **cv.partial_metrics(),
                                      **cv.bound_metrics()}.items()
                    if np.isfinite(v)},
        train_ids=[str(i) for i in ts.X.index[use]],
        bound_ids=[str(i) for i in ts.X.index[(ts.source == LOWER_BOUND).to_numpy()]],
    )
    bundle = ModelBundle(meta=meta, model=final, domain=domain)
    prev_dir = latest_dir(ts.target.name, spec.label, root)
    vs_prev: dict[str, Any] = {}
    if prev_dir is not None:
        try:
            prev = load_bundle(prev_dir)
        except Exception as exc:  # noqa: BLE001 - an unreadable old model must not block training
            vs_prev = {"text": f"previous {prev_dir.name} unreadable ({exc})"}
        else:
            if (set(prev.meta.train_ids), set(prev.meta.bound_ids)) != (
                    set(meta.train_ids), set(meta.bound_ids)):
                vs_prev = compare_with_previous(prev, spec, ts, folds, cv, trials)
            else:
                pm = prev.meta.cv_metrics
                key = ts.target.metric
                same = ("same data" if prev.meta.data_version == meta.data_version else
                        f"data {prev.meta.data_version} → {meta.data_version}")
                vs_prev = {"text": f"vs previous {prev.meta.version}: same training materials "
                                   f"({same}); {key.upper()} {pm.get(key, float('nan')):.3g} → "
                                   f"{meta.cv_metrics.get(key, float('nan')):.3g}"}
    path = save_bundle(bundle, root)
    return TrainOutcome(bundle=bundle, path=path, cv=cv, vs_previous=vs_prev)
