"""The comparison harness: any registered model, the same stored folds, honest out-of-fold scores.

For each outer fold: tune on the training part only (inner grouped folds), size the row-wise 90 %
conformal interval (or calibrate a classifier) on inner out-of-fold predictions, refit on the
whole training part and serve the test fold exactly as ``gfa predict`` would. Rows a model
cannot serve (NaN prediction) are kept with their reason and counted, never dropped silently;
metrics are computed on the rows served.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.evaluation.metrics import metrics_for
from gfa_ml.evaluation.splits import make_folds
from gfa_ml.models.base import GFAModel
from gfa_ml.models.calibration import CalibratedClassifier, Calibration, fit_calibration
from gfa_ml.models.censoring import LOWER_BOUND, study_folds
from gfa_ml.models.completeness import blank_ligands, seen_chemistry
from gfa_ml.models.conformal import IntervalModel
from gfa_ml.models.domain import ApplicabilityDomain
from gfa_ml.models.features import feature_columns
from gfa_ml.models.fidelity import PROXY, has_structure, new_scale_heldout
from gfa_ml.models.registry import get_model_class
from gfa_ml.models.serving import serve_target
from gfa_ml.models.store import ModelBundle, ModelMeta
from gfa_ml.models.targets import TARGETS, Target
from gfa_ml.models.training_data import TrainingSet
from gfa_ml.models.tuning import fit_model, tune


@dataclass(frozen=True)
class ModelSpec:
    """``xgb`` or ``single_feature:lig_mw`` (a model name and its one positional option)."""

    name: str
    option: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}:{self.option}" if self.option else self.name

    @classmethod
    def parse(cls, text: str) -> ModelSpec:
        name, _, option = text.strip().partition(":")
        get_model_class(name)  # fail fast on unknown names
        return cls(name, option)


def build_model(
    spec: ModelSpec, target: Target, params: dict[str, Any] | None = None, seed: int | None = None
) -> GFAModel:
    """Instantiate a registered model with whichever of task/target/seed/... it accepts."""
    cls = get_model_class(spec.name)
    accepted = inspect.signature(cls.__init__).parameters
    s = get_settings()
    offer: dict[str, Any] = {
        "task": target.task, "target": target.name,
        "seed": s.seed if seed is None else seed,
        "feature_set": target.feature_set, "n_jobs": s.models.n_jobs,
    }
    if spec.option:
        offer["feature"] = spec.option
    offer.update(params or {})
    return cls(**{k: v for k, v in offer.items() if k in accepted})


@dataclass
class CVResult:
    model: str
    target: str
    scheme: str
    variant: str
    #: id-indexed: fold, y, pred (served), lo, hi, thr, pred_nolig (ligand columns blank),
    #: distance / distance_nolig (to the fold's training data), in_domain, reason, family,
    #: source, strength
    oof: pd.DataFrame
    params: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    #: the same columns for the partially featurized rows (scored out of fold; trained on only
    #: for a target with ``trains_on_partial``; not in ``oof``, so every headline metric stays
    #: on fully featurized rows)
    partial_oof: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the same columns for the lower-bound rows (a melter's Tm under its Td; ``y`` = the
    #: bound): never scored as values, only by how often an estimate breaks its bound
    bound_oof: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def task(self) -> str:
        return TARGETS[self.target].task

    @property
    def served(self) -> pd.DataFrame:
        return self.oof[self.oof["pred"].notna()]

    def overall(self, rows: pd.Index | None = None) -> dict[str, float]:
        df = self.served if rows is None else self.served.loc[self.served.index.intersection(rows)]
        m = metrics_for(self.task, df["y"].to_numpy(), df["pred"].to_numpy(), df["lo"], df["hi"],
                        thr=df.get("thr"))
        m["n_total"] = float(len(self.oof))
        m["n_out_of_scope"] = float(self.oof["pred"].isna().sum())
        return m

    def partial_metrics(self) -> dict[str, float]:
        """MAE of the partial rows' out-of-fold predictions ({} when there are none)."""
        df = self.partial_oof[self.partial_oof["pred"].notna()] if len(self.partial_oof) else []
        if not len(df) or self.task == "classification":
            return {}
        return {"mae_partial": float((df["y"] - df["pred"]).abs().mean()),
                "n_partial": float(len(df))}

    def bound_metrics(self) -> dict[str, float]:
        """Out of fold on the lower-bound rows: the share of estimates below their bound and
        the mean shortfall in K ({} when there are none)."""
        df = self.bound_oof[self.bound_oof["pred"].notna()] if len(self.bound_oof) else []
        if not len(df):
            return {}
        short = (df["y"] - df["pred"]).clip(lower=0)
        return {"bound_broken": float((short > 0).mean()), "bound_shortfall": float(short.mean()),
                "n_bound": float(len(df))}

    def interval_model(self, coverage: float, d_domain: float) -> IntervalModel:
        """The row-wise interval of the model fitted on all rows (domain distance
        ``d_domain``), from these out-of-fold predictions: ligand-blind ones and the real
        partial rows size the partial quantile."""
        return fit_interval(self.served, coverage, d_domain, self.partial_oof[
            self.partial_oof["pred"].notna()] if len(self.partial_oof) else None)

    def per_fold(self, rows: pd.Index | None = None) -> pd.DataFrame:
        served = self.served if rows is None else self.served.loc[
            self.served.index.intersection(rows)]
        out = []
        for k, df in served.groupby("fold"):
            m = metrics_for(self.task, df["y"].to_numpy(), df["pred"].to_numpy(), df["lo"],
                            df["hi"], thr=df.get("thr"))
            out.append({"fold": k, **m})
        return pd.DataFrame(out)


def fit_domain(model: GFAModel, X: pd.DataFrame) -> ApplicabilityDomain:
    """The applicability domain of ``model`` over the labelled rows ``X`` it was trained on."""
    s = get_settings().models
    cols = getattr(model, "feature_columns_", None) or feature_columns(X, "shared")
    return ApplicabilityDomain(s.domain_k, s.domain_quantile).fit(X, list(cols))


def _inner_heldout(
    spec: ModelSpec, ts: TrainingSet, tr: np.ndarray, params: dict[str, Any], inner: np.ndarray,
    distances: bool,
) -> pd.DataFrame:
    """Inner out-of-fold predictions of the scored rows of a training part (``y``, ``pred``,
    ``weight``, ``source``, ``partial``); with ``distances`` also the ligand-blind prediction
    and the domain distance of both, which size a regressor's row-wise interval."""
    idx = np.flatnonzero(tr)
    X, y = ts.X.iloc[idx], ts.y[idx]
    w = np.ones(len(idx)) if ts.weight is None else ts.weight[idx]
    scored = ~ts.train_only[idx]
    cols = {c: np.full(len(idx), np.nan) for c in ("pred", "pred_nolig", "distance",
                                                    "distance_nolig")}
    for j in np.unique(inner[inner >= 0]):
        te, fit = (inner == j) & scored, inner != j
        model = fit_model(build_model(spec, ts.target, params), X[fit], y[fit],
                          None if ts.weight is None else w[fit])
        cols["pred"][te] = model.predict(X[te])
        if distances:
            blank = blank_ligands(X[te])
            cols["pred_nolig"][te] = model.predict(blank)
            dom = fit_domain(model, X[fit & scored])
            cols["distance"][te] = dom.assess(X[te])["domain_distance"].to_numpy()
            cols["distance_nolig"][te] = dom.assess(blank)["domain_distance"].to_numpy()
    held = pd.DataFrame({"y": y, **cols, "weight": w, "source": ts.source.to_numpy()[idx],
                         "structure": has_structure(X), "partial": ts.partial[idx]},
                        index=X.index)
    return held[scored & (inner >= 0)]


def fit_interval(held: pd.DataFrame, coverage: float, d_domain: float,
                 partial: pd.DataFrame | None = None) -> IntervalModel:
    """The row-wise conformal interval from held-out predictions (``y``, ``pred``,
    ``distance``, ``pred_nolig``, ``distance_nolig``, ``source``) and, when there are any, the
    held-out partial rows (``y``, ``pred``, ``distance``); ``d_domain``: the served model's
    domain distance."""
    res, dist = [held["y"] - held["pred_nolig"]], [held["distance_nolig"]]
    if partial is not None and len(partial):
        res.append(partial["y"] - partial["pred"])
        dist.append(partial["distance"])
    two_fidelity = (held["source"] == PROXY).any()
    return IntervalModel.fit(
        (held["y"] - held["pred"]).to_numpy(float), held["distance"].to_numpy(float), d_domain,
        coverage, pd.concat(res).to_numpy(float), pd.concat(dist).to_numpy(float),
        new_scale_heldout(held) if two_fidelity else None,
    )


def inner_calibration(
    spec: ModelSpec, ts: TrainingSet, tr: np.ndarray, params: dict[str, Any], inner: np.ndarray,
) -> Calibration:
    """Platt scaling + balanced-accuracy threshold from a training part's inner out-of-fold
    scores (:mod:`gfa_ml.models.calibration`); label weights weigh them as in training."""
    held = _inner_heldout(spec, ts, tr, params, inner, distances=False)
    return fit_calibration(held["y"].to_numpy(), held["pred"].to_numpy(),
                           None if ts.weight is None else held["weight"].to_numpy())


def inner_folds(ts: TrainingSet, tr: np.ndarray, seed: int) -> np.ndarray:
    """Grouped inner folds over the scored rows of a training part. Train-only rows get -1
    (in every inner training part), except lower bounds of a study with scored rows here: they
    take that study's inner fold (never scored), as in :meth:`TrainingSet.folds`."""
    s = get_settings().models
    scored = ~ts.train_only[tr]
    idx = ts.X.index[tr][scored]
    y = ts.y[tr][scored] if ts.target.task == "classification" else None
    inner = np.full(int(tr.sum()), -1)
    groups = ts.groups[tr][scored]
    if groups.nunique() < 2:
        return inner
    inner[scored] = make_folds(idx, groups, "grouped", s.inner_folds, seed, y=y).to_numpy()
    bound = (ts.source[tr] == LOWER_BOUND).to_numpy()
    if bound.any():
        inner[bound] = study_folds(inner[scored], groups.to_numpy(), ts.groups[tr][bound]
                                   ).fillna(-1).astype(int).to_numpy()
    return inner


def label_range(ts: TrainingSet, rows: np.ndarray) -> tuple[float, float]:
    """Lowest and highest label of a regressor's rows (NaN for a classifier or no rows)."""
    y = ts.y[rows]
    if ts.target.task != "regression" or not np.isfinite(y).any():
        return (float("nan"), float("nan"))
    return (float(np.nanmin(y)), float(np.nanmax(y)))


def fold_bundle(
    spec: ModelSpec, ts: TrainingSet, tr: np.ndarray, params: dict[str, Any], inner: np.ndarray,
    coverage: float, intervals: bool = True,
) -> ModelBundle:
    """What ``gfa train`` would save if trained on the rows ``tr`` only: the fitted model (a
    classifier calibrated on inner folds), its row-wise interval from inner folds, its domain."""
    w = None if ts.weight is None else ts.weight[tr]
    model = fit_model(build_model(spec, ts.target, params), ts.X[tr], ts.y[tr], w)
    labelled = tr & ~ts.train_only
    meta = ModelMeta(target=ts.target.name, model=spec.label, variant=ts.variant,
                     params=params, coverage=coverage, threshold=float("nan"),
                     label_range=label_range(ts, labelled), seen=seen_chemistry(ts.X[labelled]))
    domain = fit_domain(model, ts.X[labelled])
    if intervals and (inner >= 0).any():
        regression = ts.target.task == "regression"
        held = _inner_heldout(spec, ts, tr, params, inner, distances=regression)
        if regression:
            part = held["partial"].to_numpy(bool)  # sized apart, as in interval_model
            meta.interval = fit_interval(held[~part], coverage, domain.threshold_,
                                         held[part]).to_dict()
        else:
            cal = fit_calibration(held["y"].to_numpy(), held["pred"].to_numpy(),
                                  None if ts.weight is None else held["weight"].to_numpy())
            model = CalibratedClassifier(model, cal)
            meta.threshold = cal.threshold
    return ModelBundle(meta=meta, model=model, domain=domain)


def cross_validate(
    spec: ModelSpec, ts: TrainingSet, folds: pd.Series, scheme: str = "grouped",
    trials: int | None = None, coverage: float | None = None, seed: int | None = None,
    train_mask: np.ndarray | None = None, intervals: bool = True,
    exclude: dict[int, np.ndarray] | None = None,
) -> CVResult:
    """Out-of-fold predictions of ``spec`` on the given folds (see module docstring).

    ``train_mask`` restricts which rows may ever be trained on (all by default): the test folds
    stay identical, which is how a model trained without new lab data is compared with one
    trained with it, and how a learning curve shrinks its training groups. ``exclude`` (fold ->
    row mask) keeps rows out of one fold's training part only: the Td-proxy MOFs that share a
    test material's composition, or a held-out family's chemistry
    (:mod:`gfa_ml.evaluation.leakage`). ``intervals=False`` skips the inner cross-validation per
    fold that sizes a regressor's interval and calibrates a classifier's probabilities and
    yes/no threshold (column ``thr``), when only the point predictions / ranking are wanted. A
    classifier whose training part holds one class leaves that fold unscored, with the reason.
    Every test fold is predicted through :func:`gfa_ml.models.serving.serve_target`, the code
    ``gfa predict`` serves with.
    """
    s = get_settings()
    trials = s.models.tuning_trials if trials is None else trials
    coverage = s.models.coverage if coverage is None else coverage
    seed = s.seed if seed is None else seed
    t0 = time.perf_counter()
    space = get_model_class(spec.name).search_space
    fold = folds.reindex(ts.X.index).to_numpy()
    n = len(ts.y)
    cols = {c: np.full(n, np.nan) for c in ("pred", "lo", "hi", "pred_nolig", "thr", "distance",
                                             "distance_nolig")}
    in_domain = np.zeros(n, bool)
    reason = np.full(n, "", dtype=object)
    all_params = []
    for k in sorted(set(fold[fold >= 0])):
        te, tr = fold == k, (fold != k) & ts.fit_rows
        if train_mask is not None:
            tr &= train_mask
        if exclude is not None and k in exclude:
            tr &= ~exclude[k]
        if ts.target.task == "classification" and len(np.unique(ts.y[tr])) < 2:
            reason[te] = "training part holds one class"
            all_params.append({})
            continue
        inner = inner_folds(ts, tr, seed + int(k))
        params = {}
        if space is not None and trials > 0 and (inner >= 0).any():
            params = tune(
                lambda p: build_model(spec, ts.target, p), space, ts.X[tr], ts.y[tr], inner,
                None if ts.weight is None else ts.weight[tr], ~ts.train_only[tr],
                ts.target.task, trials, seed + int(k),
            )
        all_params.append(params)
        bundle = fold_bundle(spec, ts, tr, params, inner, coverage, intervals)
        Xte = ts.X[te]
        sv = serve_target(bundle, Xte, ts.partial[te])
        blind = serve_target(bundle, blank_ligands(Xte), np.ones(int(te.sum()), bool))
        for col, values in (("pred", sv.value), ("lo", sv.lo), ("hi", sv.hi),
                            ("pred_nolig", blind.value), ("thr", bundle.meta.threshold),
                            ("distance", sv.domain["domain_distance"].to_numpy(float)),
                            ("distance_nolig", blind.domain["domain_distance"].to_numpy(float))):
            cols[col][te] = values
        in_domain[te] = sv.domain["in_domain"].to_numpy(bool)
        why = bundle.model.nan_reasons(Xte).reindex(Xte.index).fillna("").to_numpy()
        reason[te] = np.where(np.isnan(sv.value) & (why == ""), "model returned NaN", why)
    scored = fold >= 0
    bound = (ts.source == LOWER_BOUND).to_numpy()
    oof = pd.DataFrame(
        {
            "fold": fold, "y": ts.y, **cols, "in_domain": in_domain, "reason": reason,
            "family": ts.families.to_numpy(), "source": ts.source.to_numpy(),
            "structure": has_structure(ts.X), "strength": ts.strength.to_numpy(),
        },
        index=ts.X.index,
    )
    return CVResult(
        spec.label, ts.target.name, scheme, ts.variant, oof[scored & ~ts.partial & ~bound],
        all_params, time.perf_counter() - t0, partial_oof=oof[scored & ts.partial],
        bound_oof=oof[scored & bound],
    )


def summarize(results: list[CVResult], common_only: bool = False) -> pd.DataFrame:
    """One row per model: pooled metrics, fold mean ± std of the primary metric, n served.

    With ``common_only`` every model is scored on the rows *all* of them serve (e.g. Tg where
    the 2/3 rule needs a measured Tm), so the ranking compares like with like; models serving
    under half of the rows (a physics model for one family) are left out of that table.
    """
    rows = None
    if common_only and results:
        results = [r for r in results if len(r.served) >= 0.5 * len(r.oof)]
        rows = results[0].served.index if results else pd.Index([])
        for r in results[1:]:
            rows = rows.intersection(r.served.index)
    out = []
    for r in results:
        m = r.overall(rows)
        pf = r.per_fold(rows)
        key = TARGETS[r.target].metric
        vals = pf[key].dropna() if key in pf else pd.Series(dtype=float)
        out.append({
            "model": r.model, "target": r.target, "scheme": r.scheme, "variant": r.variant,
            **m, f"{key}_fold_mean": vals.mean(), f"{key}_fold_std": vals.std(ddof=1),
            "n_folds": float(len(vals)), "seconds": r.seconds,
        })
    return pd.DataFrame(out)
