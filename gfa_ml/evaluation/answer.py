"""The served answer scored as a whole, through ``gfa predict``'s own code.

Per fold of the meltability split (grouped or leave-one-family-out), the meltability, Tm and Td
models are trained on that fold's training materials only: the Tm and Td sets lose the test
materials, their studies (grouped) or their family (leave-one-family-out), and the Td-proxy MOFs
and Td lower bounds (melters' Tm, :mod:`gfa_ml.models.censoring`) that are the test materials in
disguise or share the held-out family's chemistry (:mod:`gfa_ml.evaluation.leakage`): a test
material's own Tm never bounds the Td it is served. :func:`gfa_ml.models.predict.predict_frame`
then serves the test materials with those bundles — the code ``gfa predict`` runs — so every
column a chemist reads is scored as served: ``p_meltable``, its call, ``p_window``,
``agreement``, Tm and Td.

A combined probability is scored too when asked (``stack``): a logistic regression on the
classifier's logit and the window z = (Td − Tm)/σ_W, fitted on inner out-of-fold scores of the
training part (the same nested procedure, one level down), with both classes weighted equally
as the classifier's own calibration is. It would be served only if it beat the classifier alone
on grouped *and* leave-one-family-out measured + stated labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from gfa_ml.config import get_settings
from gfa_ml.data.columns import FIRM_STRENGTHS
from gfa_ml.evaluation.cv import ModelSpec, fold_bundle, inner_folds
from gfa_ml.evaluation.leakage import proxy_exclusions
from gfa_ml.evaluation.metrics import classification_metrics
from gfa_ml.evaluation.splits import make_folds
from gfa_ml.models.calibration import best_threshold
from gfa_ml.models.censoring import LOWER_BOUND
from gfa_ml.models.fidelity import PROXY
from gfa_ml.models.identity import same_material, shares_chemistry
from gfa_ml.models.predict import predict_frame
from gfa_ml.models.store import ModelBundle
from gfa_ml.models.targets import by_role, classifier
from gfa_ml.models.training_data import TrainingSet


@dataclass
class AnswerEvaluation:
    """Served columns of every labelled material, predicted with models that never saw it."""

    scheme: str
    #: id-indexed: fold, family, strength, y, p_meltable, meltable_call, p_window, agreement,
    #: p_stacked (when stacked), Tm_K / Td_K served and measured (Tm_true / Td_true)
    rows: pd.DataFrame

    def scores(self, firm_only: bool = True) -> pd.DataFrame:
        """ROC-AUC / balanced accuracy / Brier of each probability column."""
        r = self.rows[self.rows["strength"].isin(FIRM_STRENGTHS)] if firm_only else self.rows
        out = []
        for col, thr in (("p_meltable", r["meltable_threshold"]), ("p_window", None),
                         ("p_stacked", r.get("stacked_threshold"))):
            if col not in r or r[col].isna().all():
                continue
            ok = r[col].notna()
            m = classification_metrics(r.loc[ok, "y"].to_numpy(), r.loc[ok, col].to_numpy(),
                                       thr=None if thr is None else thr[ok])
            out.append({"column": col, "n": int(ok.sum()), "auc": m["auc"], "bacc": m["bacc"],
                        "brier": m["brier"]})
        return pd.DataFrame(out)

    def agreement_table(self, firm_only: bool = True) -> pd.DataFrame:
        """Per agreement state: rows, share, and how often the classifier's call is right."""
        r = self.rows[self.rows["strength"].isin(FIRM_STRENGTHS)] if firm_only else self.rows
        state = r["agreement"].str.split(":").str[0].replace("", "missing")
        right = (r["meltable_call"] == "yes") == (r["y"] == 1)
        out = r.assign(state=state, right=right).groupby("state").agg(
            n=("y", "size"), melters=("y", "sum"), classifier_right=("right", "mean"))
        out["share"] = out["n"] / len(r)
        return out.reset_index()


def _held(ts: TrainingSet, test_ids: pd.Index, test_keys: pd.DataFrame, groups: set[str],
          families: set[str], scheme: str) -> np.ndarray:
    """Rows of a regressor's set a fold must not train on (see module docstring)."""
    out = ts.X.index.isin(test_ids) | ts.groups.isin(groups).to_numpy()
    if scheme == "lofo":
        out |= ts.families.isin(families).to_numpy()
    proxy = ts.source.isin([PROXY, LOWER_BOUND]).to_numpy()  # twins of the test material
    if proxy.any() and not ts.keys.empty:
        keys = ts.keys.reindex(ts.X.index)
        twin = same_material(test_keys, keys)
        if scheme == "lofo":
            twin |= shares_chemistry(test_keys, keys)
        out |= proxy & twin
    return out


class _Fitter:
    """Bundles of the classifier and the two regressors, trained without given materials."""

    def __init__(self, sets: dict[str, TrainingSet], scheme: str, model: str, seed: int):
        self.cls, self.melt, self.dec = classifier(), by_role("melting"), by_role("decomposition")
        self.sets, self.scheme, self.spec, self.seed = sets, scheme, ModelSpec.parse(model), seed
        self.coverage = get_settings().models.coverage

    def bundles(self, keep_cls: np.ndarray, test_ids: pd.Index,
                calibrate: bool = True) -> dict[str, ModelBundle]:
        """Train on the classifier rows ``keep_cls`` and every regressor row not tied to
        ``test_ids`` (their studies / family / proxy twins)."""
        ts_c = self.sets[self.cls.name]
        test = ts_c.X.index.isin(test_ids)
        keys = ts_c.keys.reindex(ts_c.X.index)[test]
        groups = set(ts_c.groups[test])
        fams = set(ts_c.families[test])
        out = {self.cls.name: fold_bundle(self.spec, ts_c, keep_cls, {},
                                          inner_folds(ts_c, keep_cls, self.seed),
                                          self.coverage, intervals=calibrate)}
        for t in (self.melt, self.dec):
            ts = self.sets[t.name]
            tr = ~_held(ts, test_ids, keys, groups, fams, self.scheme) & ts.fit_rows
            out[t.name] = fold_bundle(self.spec, ts, tr, {}, inner_folds(ts, tr, self.seed),
                                      self.coverage)
        return out


def _window_z(pred: pd.DataFrame) -> np.ndarray:
    half = np.hypot(pred["Tm_K_hi"] - pred["Tm_K_lo"], pred["Td_K_hi"] - pred["Td_K_lo"]) / 2
    sw = half / norm.ppf(0.5 + get_settings().models.coverage / 2)
    return (pred["melt_window_K"] / sw).to_numpy(float)


def _logit_raw(bundle: ModelBundle, X: pd.DataFrame) -> np.ndarray:
    base = getattr(bundle.model, "model", bundle.model)  # the classifier before calibration
    p = np.clip(np.asarray(base.predict(X), float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _stack_inputs(fitter: _Fitter, ts_c: TrainingSet, tr: np.ndarray,
                  outer: pd.Index) -> pd.DataFrame:
    """Inner out-of-fold (logit p, window z, y) of the labelled rows of a training part; the
    regressors also lose the outer test materials ``outer`` (their Tm, their studies' rows and
    their twins), which they never see in the outer fold either."""
    labelled = tr & ~ts_c.train_only
    idx = ts_c.X.index[labelled]
    inner = make_folds(idx, ts_c.groups[labelled], "grouped",
                       get_settings().models.inner_folds, fitter.seed,
                       y=ts_c.y[labelled]).reindex(ts_c.X.index)
    parts = []
    for j in sorted(set(inner.dropna().astype(int))):
        test_ids = ts_c.X.index[(inner == j).to_numpy()]
        b = fitter.bundles(tr & ~ts_c.X.index.isin(test_ids), test_ids.union(outer),
                           calibrate=False)
        Xt = ts_c.X.loc[test_ids]
        pred = predict_frame(Xt, b, tct=False).set_index("id")
        parts.append(pd.DataFrame({"logit": _logit_raw(b[fitter.cls.name], Xt),
                                   "z": _window_z(pred.loc[test_ids]),
                                   "y": ts_c.y[ts_c.X.index.get_indexer(test_ids)]},
                                  index=test_ids))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["logit", "z", "y"])


def _fit_stacker(inputs: pd.DataFrame):
    """Logistic on (logit, z) with both classes weighted equally, and its balanced-accuracy
    threshold on the same inner scores; (None, 0.5) when it cannot fit."""
    from sklearn.linear_model import LogisticRegression

    ok = inputs.dropna()
    if len(ok) < 10 or ok["y"].nunique() < 2:
        return None, 0.5
    y = ok["y"].astype(int).to_numpy()
    w = np.where(y == 1, 0.5 / (y == 1).sum(), 0.5 / (y == 0).sum()) * len(y)
    X = ok[["logit", "z"]].to_numpy()
    lr = LogisticRegression(C=1.0).fit(X, y, sample_weight=w)
    return lr, best_threshold(y, lr.predict_proba(X)[:, 1])


def served_answer(
    sets: dict[str, TrainingSet], scheme: str, model: str = "xgb", stack: bool = False,
    seed: int | None = None, log: Callable[[str], None] = print,
) -> AnswerEvaluation:
    """Out-of-fold served columns of every labelled meltability material (module docstring).

    ``sets``: the training sets of the classifier (its served variant) and of the melting and
    decomposition regressors; models are untuned (the configured defaults)."""
    seed = get_settings().seed if seed is None else seed
    fitter = _Fitter(sets, scheme, model, seed)
    ts_c = sets[fitter.cls.name]
    folds = ts_c.folds(scheme)
    fold = folds.reindex(ts_c.X.index).to_numpy()
    exclude = proxy_exclusions(ts_c, folds, scheme)
    parts = []
    for k in sorted(set(fold[fold >= 0])):
        log(f"served answer, {scheme} fold {k}")
        test = fold == k
        tr = ~test & ts_c.fit_rows & ~exclude.get(int(k), np.zeros(len(fold), bool))
        if len(np.unique(ts_c.y[tr & ~ts_c.train_only])) < 2:
            continue
        test_ids = ts_c.X.index[test]
        b = fitter.bundles(tr, test_ids)
        Xt = ts_c.X.loc[test_ids]
        pred = predict_frame(Xt, b, tct=False).set_index("id").loc[test_ids]
        rows = pd.DataFrame({
            "fold": k, "family": ts_c.families[test].to_numpy(),
            "strength": ts_c.strength[test].to_numpy(), "y": ts_c.y[test],
            **{c: pred[c].to_numpy() for c in ("p_meltable", "meltable_call",
                                                "meltable_threshold", "p_window", "agreement",
                                                "Tm_K", "Td_K")},
        }, index=test_ids)
        if stack:
            stacker, thr = _fit_stacker(_stack_inputs(fitter, ts_c, tr, test_ids))
            if stacker is not None:
                X2 = np.column_stack([_logit_raw(b[fitter.cls.name], Xt), _window_z(pred)])
                ok = np.isfinite(X2).all(axis=1)
                p2 = np.full(len(Xt), np.nan)
                p2[ok] = stacker.predict_proba(X2[ok])[:, 1]
                rows["p_stacked"] = p2
                rows["stacked_threshold"] = thr
        parts.append(rows)
    out = pd.concat(parts) if parts else pd.DataFrame()
    for t in (fitter.melt, fitter.dec):
        truth = pd.Series(sets[t.name].y, index=sets[t.name].X.index).mask(
            (sets[t.name].source == LOWER_BOUND).to_numpy())  # a melter's Tm bounds its Td
        out[f"{t.output}_true"] = truth.reindex(out.index).to_numpy()
    return AnswerEvaluation(scheme, out)
