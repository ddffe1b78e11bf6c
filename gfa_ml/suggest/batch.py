"""One suggestion round: predict the candidates, leave out what a lab should not measure, pick a
diverse batch by the chosen strategy and say why each was picked.

Left out (each with its reason, counted for the user):

- rows that could not be read or featurized (``status=error``), and rows described only in part
  (``partial`` from featurization: no linker or ligand bond orders perceived, disorder resolved,
  a record without ligand SMILES) — their p is the model's answer for "some ligand", and the
  row would not train on what it is;
- materials already measured: the composition (metal + organic linkers as coordinated) or CSD
  refcode of a row of the measured table. The models give polymorphs of one composition nearly
  one p, so re-measuring a known composition mostly re-confirms its label
  (``include_known=True`` keeps them).

A candidate holding chemistry the meltability model never saw is kept, and its reason says so:
its p is an extrapolation, and measuring it opens that chemistry to the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.data.columns import split_refcodes
from gfa_ml.models.completeness import unseen_chemistry
from gfa_ml.models.identity import composition_key
from gfa_ml.models.store import ModelBundle
from gfa_ml.models.targets import by_role, classifier
from gfa_ml.structures.core_mof import refcode_base
from gfa_ml.suggest.acquisition import check_strategy, feature_space, information_bits, pick
from gfa_ml.suggest.candidates import Candidates
from gfa_ml.suggest.reasons import Known, reason


def _window_columns() -> list[str]:
    """The Tm and Td columns (value and 90 % interval) shown beside each suggestion."""
    out = []
    for role in ("melting", "decomposition"):
        t = by_role(role)
        if t is not None:
            out += [t.output, f"{t.output}_lo", f"{t.output}_hi"]
    return out


#: columns of a suggestion round, in order (``gfa suggest -o``, ``POST /suggest``)
SUGGEST_COLUMNS = (
    "rank", "id", "p_meltable", "meltable_call", "information_bits", "score", "strategy",
    "composition", "family", "nearest_known", "in_domain", "domain_distance_ratio", "p_window",
    "agreement", *_window_columns(), "reason", "source",
)


class SuggestError(ValueError):
    """A round that cannot be run (no meltability model, nothing left to suggest): one line."""


@dataclass
class Round:
    """The suggestions of one round and what shaped them."""

    suggestions: pd.DataFrame
    strategy: str
    budget: int
    n_candidates: int
    #: id -> why it was not considered
    left_out: pd.Series
    #: target -> "xgb v3": the model versions that served the round
    models: dict[str, str]
    prior: float = 0.5
    run_id: str = ""

    def left_out_counts(self) -> pd.Series:
        """How many candidates were left out, per kind of reason (most common first)."""
        kind = self.left_out.astype(str).str.split(":").str[0].str.split("(").str[0]
        return kind.str.strip().value_counts()

    def summary(self) -> dict[str, float]:
        """Numbers logged with the round: expected melters, bits, distinct compositions."""
        s = self.suggestions
        return {"n_candidates": float(self.n_candidates), "n_left_out": float(len(self.left_out)),
                "n_suggested": float(len(s)), "expected_melters": float(s["p_meltable"].sum()),
                "information_bits": float(s["information_bits"].sum()),
                "distinct_compositions": float(distinct_compositions(s["composition"]))}


def distinct_compositions(keys: pd.Series) -> int:
    """Distinct compositions among ``keys`` (an unknown composition, '', counts as its own)."""
    return int(keys[keys != ""].nunique() + (keys == "").sum())


def measured_keys(table: pd.DataFrame) -> pd.DataFrame:
    """Composition key and refcode bases of every measured material (index = its id)."""
    refs = table.get("csd_refcode", pd.Series("", index=table.index)).fillna("").astype(str)
    return pd.DataFrame({
        "composition": [composition_key(r) for _, r in table.iterrows()],
        "refcodes": [{refcode_base(c).upper() for c in split_refcodes(r)} for r in refs],
    }, index=table.index.astype(str))


def _already_measured(X: pd.DataFrame, comp: pd.Series, known: pd.DataFrame) -> pd.Series:
    """Per candidate: '' or "already measured: <id>" (same composition or refcode)."""
    by_comp = {k: i for i, k in zip(known.index, known["composition"], strict=True) if k}
    by_ref = {r: i for i, refs in zip(known.index, known["refcodes"], strict=True) for r in refs}
    out = []
    for cid, key in comp.items():
        hit = by_comp.get(key) if key else None
        hit = hit or by_ref.get(refcode_base(str(cid)).upper())
        out.append(f"already measured: same {'composition' if key in by_comp else 'refcode'} "
                   f"as {hit}" if hit else "")
    return pd.Series(out, index=X.index, dtype=object)


def _left_out(cands: Candidates, pred: pd.DataFrame, measured: pd.Series,
              include_known: bool) -> pd.Series:
    """id -> reason for every candidate not considered (see module docstring)."""
    X = cands.features
    reasons = pd.Series("", index=X.index, dtype=object)
    err = X["status"].eq("error")
    reasons[err] = "not read: " + X.loc[err, "error"].astype(str)
    part = X["status"].eq("partial") & (reasons == "")
    reasons[part] = "described only in part (" + X.loc[part, "error"].astype(str) + ")"
    nop = ~np.isfinite(pred["p_meltable"].to_numpy(float)) & (reasons == "").to_numpy()
    reasons[nop] = "no P(melts) served"
    if not include_known:
        known = (measured != "") & (reasons == "")
        reasons[known] = measured[known]
    return pd.concat([reasons[reasons != ""], cands.unreadable.astype(object)])


def _known_materials(table: pd.DataFrame) -> dict[str, Known]:
    return {str(i): Known(str(i), str(r.get("name", "") or i), str(r.get("family", "") or ""))
            for i, r in table.iterrows()}


def suggest(
    cands: Candidates, models: dict[str, ModelBundle], table: pd.DataFrame,
    strategy: str | None = None, budget: int | None = None, prior: float = 0.5,
    include_known: bool = False, seed: int | None = None,
) -> Round:
    """Pick ``budget`` candidates to measure next with ``strategy`` (defaults from settings
    ``suggest``); ``table``: the measured table (what is already known)."""
    from gfa_ml.models.predict import predict_frame

    s = get_settings()
    strategy = check_strategy(strategy or s.suggest.default_strategy)
    budget = s.suggest.budget if budget is None else budget
    if budget < 1:
        raise SuggestError(f"budget {budget}: suggest at least one material")
    cls = classifier()
    if cls is None or cls.name not in models:
        raise SuggestError("no trained meltability model: run `gfa train` first")
    bundle = models[cls.name]
    X = cands.features
    pred = predict_frame(X, models, explain=False, tct=False, prior=prior).set_index("id")
    pred = pred.reindex(X.index)
    comp = pd.Series([composition_key(r) for _, r in X.iterrows()], index=X.index, dtype=object)
    measured = _already_measured(X, comp, measured_keys(table))
    left = _left_out(cands, pred, measured, include_known)
    ok = ~X.index.isin(left.index)
    Xok, pok = X[ok], pred[ok]
    if Xok.empty:
        why = left.value_counts().index[0] if len(left) else "no candidates"
        raise SuggestError(f"nothing left to suggest from {len(X) + len(cands.unreadable)} "
                           f"candidate(s) (most common reason: {why})")
    dom = bundle.domain
    space = feature_space(dom, Xok) if dom is not None else None
    spread = float(dom.threshold_) if dom is not None else 1.0
    p = pok["p_meltable"].to_numpy(float)
    score, batch = pick(strategy, p, comp[ok].to_numpy(), space, spread, budget,
                        np.random.default_rng(s.seed if seed is None else seed))
    picked = Xok.index[batch.picked]
    assess = dom.assess(Xok.loc[picked], n_names=s.suggest.nearest_shown) if dom is not None \
        else pd.DataFrame({"domain_distance": np.nan, "in_domain": True, "nearest_known": ""},
                          index=picked)
    unseen = unseen_chemistry(Xok.loc[picked], bundle.meta.seen, cls.label)
    known = _known_materials(table)
    rows = []
    for k, cid in enumerate(picked):
        r, a = pok.loc[cid], assess.loc[cid]
        near = [known.get(n, Known(n, n, "")) for n in str(a["nearest_known"]).split(";") if n]
        bits = float(information_bits(np.array([r["p_meltable"]]))[0])
        ratio = float(a["domain_distance"]) / spread if np.isfinite(spread) else np.nan
        rows.append({
            "rank": k + 1, "id": cid, "p_meltable": r["p_meltable"],
            "meltable_call": r["meltable_call"], "information_bits": bits,
            "score": score[batch.picked[k]], "strategy": strategy, "composition": comp[cid],
            "family": near[0].family if near else "",
            "nearest_known": ";".join(n.id for n in near), "in_domain": bool(a["in_domain"]),
            "domain_distance_ratio": ratio, "p_window": r["p_window"],
            "agreement": r["agreement"],
            **{c: r.get(c, np.nan) for c in _window_columns()},
            "reason": reason(strategy, float(r["p_meltable"]), str(r["meltable_call"]), bits,
                             str(r["agreement"]), float(r["p_window"]), bool(a["in_domain"]),
                             ratio, near, str(unseen[cid]), batch.passed_over[k], prior),
            "source": cands.source.get(cid, ""),
        })
    out = pd.DataFrame(rows, columns=list(SUGGEST_COLUMNS))
    return Round(out, strategy, budget, len(X) + len(cands.unreadable), left,
                 {t: f"{b.meta.model} {b.meta.version}".strip() for t, b in models.items()},
                 prior)


def log_round(rnd: Round, candidates: str, tracking_uri: str | None = None) -> str:
    """One MLflow run per round: inputs, strategy, model versions, the suggestions (CSV)."""
    import tempfile
    from pathlib import Path

    from gfa_ml.io.atomic import write_csv_atomic
    from gfa_ml.models import tracking

    params = {"candidates": candidates, "strategy": rnd.strategy, "budget": rnd.budget,
              "prior": rnd.prior, **{f"model_{t}": v for t, v in rnd.models.items()}}
    with tracking.mlflow_run("suggest", tracking_uri, params=params,
                             tags={"kind": "suggest"}) as run:
        tracking.log_metrics(rnd.summary())
        with tempfile.TemporaryDirectory(prefix="gfa_suggest_") as tmp:
            path = Path(tmp) / "suggestions.csv"
            write_csv_atomic(rnd.suggestions, path)
            tracking.log_artifacts(path)
        rnd.run_id = run.info.run_id
    return rnd.run_id
