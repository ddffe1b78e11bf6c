"""The comparison harness: any registered model, the same stored folds, honest out-of-fold scores.

For each outer fold: tune on the training part only (inner grouped folds), take the 90 % conformal
half-width from inner out-of-fold residuals, refit on the whole training part and predict the
test fold. Rows a model cannot serve (NaN prediction) are kept with their reason and counted,
never dropped silently; metrics are computed on the rows served.
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
from gfa_ml.models.calibration import Calibration, fit_calibration
from gfa_ml.models.conformal import conformal_halfwidth, interval
from gfa_ml.models.registry import get_model_class
from gfa_ml.models.targets import TARGETS, Target
from gfa_ml.models.training_data import TrainingSet
from gfa_ml.models.tuning import fit_model, inner_loss, tune


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
    oof: pd.DataFrame  # id-indexed: fold, y, pred, lo, hi, reason, family, source, strength,
    #: pred_nolig
    params: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    #: the same columns for the partially featurized rows (never trained on; not in ``oof``,
    #: so every headline metric stays on fully featurized rows)
    partial_oof: pd.DataFrame = field(default_factory=pd.DataFrame)

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

    def partial_residuals(self) -> np.ndarray:
        """Out-of-fold residuals of rows predicted without their ligand information: the real
        partial rows, and every fully featurized row again with its ligand columns blanked."""
        parts = [self.oof["y"] - self.oof["pred_nolig"]]
        if len(self.partial_oof):
            parts.append(self.partial_oof["y"] - self.partial_oof["pred"])
        res = pd.concat(parts).to_numpy(dtype=float)
        return res[np.isfinite(res)]

    def per_fold(self, rows: pd.Index | None = None) -> pd.DataFrame:
        served = self.served if rows is None else self.served.loc[
            self.served.index.intersection(rows)]
        out = []
        for k, df in served.groupby("fold"):
            m = metrics_for(self.task, df["y"].to_numpy(), df["pred"].to_numpy(), df["lo"],
                            df["hi"], thr=df.get("thr"))
            out.append({"fold": k, **m})
        return pd.DataFrame(out)


def _inner_oof(
    spec: ModelSpec, ts: TrainingSet, tr: np.ndarray, params: dict[str, Any], inner: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Inner out-of-fold predictions of a training part, and which of its rows are scored."""
    scored = ~ts.train_only[tr]
    _, oof = inner_loss(
        lambda p: build_model(spec, ts.target, p), params, ts.X[tr], ts.y[tr], inner,
        None if ts.weight is None else ts.weight[tr], scored, ts.target.task,
    )
    return oof, scored


def inner_calibration(
    spec: ModelSpec, ts: TrainingSet, tr: np.ndarray, params: dict[str, Any], inner: np.ndarray,
) -> Calibration:
    """Platt scaling + balanced-accuracy threshold from a training part's inner out-of-fold
    scores (:mod:`gfa_ml.models.calibration`); label weights weigh them as in training."""
    oof, scored = _inner_oof(spec, ts, tr, params, inner)
    w = None if ts.weight is None else ts.weight[tr][scored]
    return fit_calibration(ts.y[tr][scored], oof[scored], w)


def inner_folds(ts: TrainingSet, tr: np.ndarray, seed: int) -> np.ndarray:
    """Grouped inner folds over the scored rows of a training part (train-only rows: -1)."""
    s = get_settings().models
    scored = ~ts.train_only[tr]
    idx = ts.X.index[tr][scored]
    y = ts.y[tr][scored] if ts.target.task == "classification" else None
    inner = np.full(int(tr.sum()), -1)
    groups = ts.groups[tr][scored]
    if groups.nunique() < 2:
        return inner
    inner[scored] = make_folds(idx, groups, "grouped", s.inner_folds, seed, y=y).to_numpy()
    return inner


def cross_validate(
    spec: ModelSpec, ts: TrainingSet, folds: pd.Series, scheme: str = "grouped",
    trials: int | None = None, coverage: float | None = None, seed: int | None = None,
    train_mask: np.ndarray | None = None, intervals: bool = True,
) -> CVResult:
    """Out-of-fold predictions of ``spec`` on the given folds (see module docstring).

    ``train_mask`` restricts which rows may ever be trained on (all by default): the test folds
    stay identical, which is how a model trained without new lab data is compared with one
    trained with it, and how a learning curve shrinks its training groups. ``intervals=False``
    skips the inner cross-validation per fold that sizes a regressor's conformal half-width and
    calibrates a classifier's probabilities and yes/no threshold (column ``thr``), when only
    the point predictions / ranking are wanted. A classifier whose training part holds one
    class leaves that fold unscored, with the reason.
    """
    s = get_settings()
    trials = s.models.tuning_trials if trials is None else trials
    coverage = s.models.coverage if coverage is None else coverage
    seed = s.seed if seed is None else seed
    t0 = time.perf_counter()
    space = get_model_class(spec.name).search_space
    fold = folds.reindex(ts.X.index).to_numpy()
    n = len(ts.y)
    pred, lo, hi = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    nolig, thr = np.full(n, np.nan), np.full(n, np.nan)
    reason = np.full(n, "", dtype=object)
    all_params = []
    for k in sorted(set(fold[fold >= 0])):
        te, tr = fold == k, (fold != k) & ~ts.partial
        if train_mask is not None:
            tr &= train_mask
        if ts.target.task == "classification" and len(np.unique(ts.y[tr])) < 2:
            reason[te] = "training part holds one class"
            all_params.append({})
            continue
        w = None if ts.weight is None else ts.weight[tr]
        inner = inner_folds(ts, tr, seed + int(k))
        params = {}
        if space is not None and trials > 0 and (inner >= 0).any():
            params = tune(
                lambda p: build_model(spec, ts.target, p), space, ts.X[tr], ts.y[tr], inner,
                w, ~ts.train_only[tr], ts.target.task, trials, seed + int(k),
            )
        all_params.append(params)
        model = fit_model(build_model(spec, ts.target, params), ts.X[tr], ts.y[tr], w)
        Xte = ts.X[te]
        p = np.asarray(model.predict(Xte), dtype=float)
        pred[te] = p
        nolig[te] = _predict_without_ligands(model, Xte, p)
        why = model.nan_reasons(Xte).reindex(Xte.index).fillna("").to_numpy()
        reason[te] = np.where(np.isnan(p) & (why == ""), "model returned NaN", why)
        if ts.target.task == "regression" and intervals:
            own = model.predict_interval(Xte, coverage)
            if own is not None:
                lo[te], hi[te] = own
            elif (inner >= 0).any():
                oof_in, scored_in = _inner_oof(spec, ts, tr, params, inner)
                q = conformal_halfwidth(ts.y[tr][scored_in] - oof_in[scored_in], coverage)
                lo[te], hi[te] = interval(p, q)
        elif intervals and (inner >= 0).any():
            cal = inner_calibration(spec, ts, tr, params, inner)
            pred[te] = cal(p)
            thr[te] = cal.threshold
    scored = fold >= 0
    oof = pd.DataFrame(
        {
            "fold": fold, "y": ts.y, "pred": pred, "lo": lo, "hi": hi, "reason": reason,
            "family": ts.families.to_numpy(), "source": ts.source.to_numpy(),
            "strength": ts.strength.to_numpy(),
            "pred_nolig": nolig, "thr": thr,
        },
        index=ts.X.index,
    )
    return CVResult(
        spec.label, ts.target.name, scheme, ts.variant, oof[scored & ~ts.partial], all_params,
        time.perf_counter() - t0, partial_oof=oof[scored & ts.partial],
    )


def _predict_without_ligands(model: GFAModel, X: pd.DataFrame, pred: np.ndarray) -> np.ndarray:
    """``model``'s predictions with the ligand columns blanked, as for a partial row (the same
    ``pred`` when the model reads no ligand column)."""
    from gfa_ml.featurize import groups

    lig = [c for c in groups()["lig"] if c in X.columns]
    used = getattr(model, "feature_columns_", None)
    if not lig or (used is not None and not set(lig) & set(used)):
        return pred
    return np.asarray(model.predict(X.assign(**dict.fromkeys(lig, np.nan))), dtype=float)


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
