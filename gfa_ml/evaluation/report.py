"""``experiments/results.md``: every number with its uncertainty, its n and its command."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.data.columns import FIRM_STRENGTHS
from gfa_ml.evaluation.metrics import classification_metrics, mae_interval
from gfa_ml.evaluation.protocol import Study
from gfa_ml.models.registry import get_model_class
from gfa_ml.models.targets import TARGETS, Target
from gfa_ml.models.training_data import PROXY_FAMILY

MOFSIMPLIFY_TD_MAE_C = 45.8  # ANN on its own test split (Nandy et al. 2021), see notes


def _f(x: float, digits: int = 1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def regression_table(df: pd.DataFrame, target: str) -> str:
    t = TARGETS[target]
    d = t.digits
    u = f" ({t.unit})" if t.unit else ""
    lines = [
        f"| rank | model | n served / n | MAE{u} | MAE fold mean ± std{u} | RMSE{u} | R² "
        "| 90 % interval coverage | mean width |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    df = df.sort_values("mae", na_position="last").reset_index(drop=True)
    for i, r in df.iterrows():
        lines.append(
            f"| {i + 1} | {r['model']} | {int(r['n'])} / {int(r['n_total'])} | {_f(r['mae'], d)} "
            f"| {_f(r['mae_fold_mean'], d)} ± {_f(r['mae_fold_std'], d)} (k={int(r['n_folds'])}) "
            f"| {_f(r['rmse'], d)} | {_f(r['r2'], 2)} | {_f(r['coverage'], 2)} "
            f"| {_f(r['width'], d)} |"
        )
    return "\n".join(lines)


def classification_table(df: pd.DataFrame) -> str:
    lines = [
        "| rank | model | variant | n served / n | ROC-AUC (pooled) | AUC fold mean ± std "
        "| balanced acc. | Brier |",
        "|---|---|---|---|---|---|---|---|",
    ]
    df = df.sort_values("auc", ascending=False, na_position="last").reset_index(drop=True)
    for i, r in df.iterrows():
        variant = "measured + Td-proxy negatives" if r["variant"] == "proxy" else "measured only"
        lines.append(
            f"| {i + 1} | {r['model']} | {variant} | {int(r['n'])} / {int(r['n_total'])} "
            f"| {_f(r['auc'], 3)} | {_f(r['auc_fold_mean'], 3)} ± {_f(r['auc_fold_std'], 3)} "
            f"(k={int(r['n_folds'])}) | {_f(r['bacc'], 3)} | {_f(r['brier'], 3)} |"
        )
    return "\n".join(lines)


SCHEME_TEXT = {
    "grouped": "grouped K-fold (groups: one per primary study, i.e. series tags joined through "
               "the references they cite; Td proxy: shared refcode base or identical Td)",
    "lofo": "leave-one-family-out (each family held out in turn; pooled out-of-fold scores)",
    "random": "random 5-fold (leaky: related refcodes can straddle folds; shown only because "
              "MOFSimplify's published split was random)",
}


def _td_proxy_lines(study: Study, command: str, target: str) -> list[str]:
    """Td scored apart on the proxy MOFs and the measured materials, against MOFSimplify."""
    out = []
    for r in study.results:
        if r.target != target:
            continue
        partial = r.partial_oof
        if len(partial):
            partial = partial[partial["pred"].notna()]
        for src, sub in (("td_proxy", r.served[r.served["source"] == "td_proxy"]),
                         ("measured", r.served[r.served["source"] == "measured"]),
                         ("partial", partial)):
            if len(sub) == 0:
                continue
            err = (sub["y"] - sub["pred"]).abs()
            fold_mae = sub.assign(e=err).groupby("fold")["e"].mean()
            label = {"td_proxy": "Td-proxy MOFs", "measured": "measured CP/MOF glasses",
                     "partial": "partial rows (disorder resolved / ligands not perceived; "
                                "out of fold)"}[src]
            out.append(
                f"| {r.model} | {r.scheme} | {label} | {len(sub)} | {err.mean():.1f} | "
                f"{fold_mae.mean():.1f} ± {fold_mae.std(ddof=1):.1f} | "
                f"{np.sqrt(((sub['y'] - sub['pred']) ** 2).mean()):.1f} |"
            )
    if not out:
        return []
    bounds = []
    for r in study.results:
        if r.target == target and (b := r.bound_metrics()):
            bounds.append(f"- {r.model}, {r.scheme} split: {b['bound_broken']:.0%} of "
                          f"{int(b['n_bound'])} melters get a Td below their own Tm out of "
                          f"fold (mean shortfall {b['bound_shortfall']:.1f} K). Their Tm "
                          "enters training as a lower bound on Td (`gfa_ml.models.censoring`),"
                          " never as a Td value.")
    verdict = []
    for scheme in ("grouped", "random"):
        r = study.get(target, scheme, "xgb")
        if r is None:
            continue
        sub = r.served[r.served["source"] == "td_proxy"]
        err = (sub["y"] - sub["pred"]).abs().to_numpy()
        mae = float(err.mean())
        lo, hi = mae_interval(err)
        met = ("clearly below" if hi < MOFSIMPLIFY_TD_MAE_C else
               "NOT below" if mae >= MOFSIMPLIFY_TD_MAE_C else "below, but not clearly")
        verdict.append(f"- xgb, {scheme} split, Td-proxy rows: MAE {mae:.1f} °C (95 % bootstrap "
                       f"interval over materials {lo:.1f}-{hi:.1f} °C), {met} "
                       f"MOFSimplify's {MOFSIMPLIFY_TD_MAE_C} °C.")
    return [
        "### Td against the MOFSimplify baseline (°C)",
        "",
        "MAE and RMSE are temperature *differences*, identical in K and °C. MOFSimplify ANN: "
        f"MAE {MOFSIMPLIFY_TD_MAE_C} °C on its own random test split (n = 626, not available "
        "here). Ours: grouped 5-fold CV over the 2,506 published train/val MOFs; the held-back "
        "partition is scored separately with `gfa evaluate --blind FILE.csv`.",
        "",
        "| model | split | rows | n | MAE (°C) | fold MAE mean ± std (°C) | RMSE (°C) |",
        "|---|---|---|---|---|---|---|",
        *out,
        "",
        *verdict,
        *bounds,
        "",
        f"Command: `{command}`",
        "",
    ]


def answer_lines(answers: list) -> list[str]:
    """The served answer scored as served (``gfa_ml/evaluation/answer.py``)."""
    if not answers:
        return []
    lines = ["## The served answer: p_meltable, p_window and their agreement", "",
             "Per meltability fold, the meltability, Tm and Td models were trained on the fold's "
             "training materials only (the Tm/Td sets lose the test materials' studies, or "
             "family, and the proxies that are them in disguise or share the held-out family's "
             "chemistry) and `predict_frame` — the code `gfa predict` runs — served the test "
             "materials; untuned models. Scores on measured + stated labels.", "",
             "| split | column | n | ROC-AUC | balanced acc. | Brier |",
             "|---|---|---|---|---|---|"]
    for ev in answers:
        for _, r in ev.scores().iterrows():
            lines.append(f"| {ev.scheme} | {r['column']} | {int(r['n'])} | {_f(r['auc'], 3)} "
                         f"| {_f(r['bacc'], 3)} | {_f(r['brier'], 3)} |")
    lines += ["", "`p_window` is the Tm and Td models' own P(Tm < Td); `p_stacked` (when run) "
              "a logistic regression on the classifier's logit and the window z fitted on "
              "inner out-of-fold scores — served only if it beats `p_meltable` on both "
              "splits.", "", "How often the classifier's call is right, by agreement state:",
              "", "| split | agreement | n | share | melters | classifier right |",
              "|---|---|---|---|---|---|"]
    for ev in answers:
        for _, r in ev.agreement_table().iterrows():
            lines.append(f"| {ev.scheme} | {r['state']} | {int(r['n'])} | {r['share']:.2f} "
                         f"| {int(r['melters'])} | {r['classifier_right']:.2f} |")
    return [*lines, ""]


def render(study: Study, command: str, data_version: str, commit: str,
           figures: dict[str, list[Path]], feature_note: str, root: Path,
           answers: list | None = None) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# GFA model evaluation",
        "",
        f"Generated {now} by `{command}` (git {commit}, data version {data_version}).",
        "Every number below is out-of-fold: the model never saw the material it is scored on, "
        "hyper-parameters were tuned inside training folds only, and every model of a table "
        "was scored on the identical stored folds (`datasets/splits/`). Temperatures in K "
        "unless stated; ± is the standard deviation across folds (k folds), n the number of "
        "materials scored. Rows a model cannot serve are counted (n served / n), not hidden.",
        f"Features: {feature_note}",
        "",
    ]
    for (target, variant), ts in study.sets.items():
        if variant:
            continue
        t = TARGETS[target]
        n_fam = ts.families[~ts.train_only].value_counts()
        fams = ", ".join(f"{k} {v}" for k, v in n_fam.items())
        parts += [f"## {target}", "", f"Materials: {int((~ts.train_only).sum())} ({fams}).", ""]
        if len(ts.excluded):
            kinds = ts.excluded.str.replace(r"\S*\d\S*", "#", regex=True).str[:48]
            why = kinds.value_counts().head(3)
            parts += [f"Left out, could not be featurized: {len(ts.excluded)} ("
                      + "; ".join(f"{k}: {v}" for k, v in why.items()) + ").", ""]
        for scheme in ("grouped", "lofo", "random"):
            tab = study.table(target, scheme)
            if tab.empty:
                continue
            parts += [f"### {SCHEME_TEXT[scheme]}", ""]
            if t.task == "classification":
                parts.append(classification_table(tab))
            else:
                parts.append(regression_table(tab, target))
                common = study.table(target, scheme, common_only=True)
                if len(common) and common["n"].iloc[0] > 0 and (
                        len(common) < len(tab) or (common["n"] < tab["n"].max()).any()):
                    left = sorted(set(tab["model"]) - set(common["model"]))
                    note = (f" ({', '.join(left)} serve under half the rows: see above)"
                            if left else "")
                    parts += ["", f"Same rows for every model (those all of them serve, "
                                  f"n = {int(common['n'].iloc[0])}){note}:", "",
                              regression_table(common, target)]
            parts += ["", f"Command: `{command}`", ""]
        if t.proxy == "train":
            parts += _td_proxy_lines(study, command, target)
        if t.proxy == "negatives":
            parts += _proxy_negatives_note(study, target)
        if t.task == "classification":
            parts += family_lines(study, target)
            parts += threshold_lines(study, target)
            parts += strength_lines(study, target)
        else:
            parts += coverage_lines(study, target)
        if _served_by("tct", t):
            parts += tct_series_lines(root)
        for fig in figures.get(target, []):
            parts.append(f"![{fig.stem}]({Path(os.path.relpath(fig, root)).as_posix()})")
        parts.append("")
    parts += answer_lines(answers or [])
    if study.skipped:
        parts += ["## Not run", "", *[f"- {s}" for s in study.skipped], ""]
    return "\n".join(parts)


TCT_HEADLINE = "TCT Tg, mixed-linker ZIF series, LOO MAE:"


def _served_by(model: str, target: Target) -> bool:
    try:
        return get_model_class(model).serves(target)
    except (KeyError, ImportError):
        return False


def tct_series_lines(experiments: Path) -> list[str]:
    """The TCT mixed-linker-series result, quoted from ``tct_results.md``: the nested
    leave-one-out (``gfa tct --validate``, minutes) is its own command, and this report only
    points at its latest run rather than recomputing it."""
    path = experiments / "tct_results.md"
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    head = next((ln for ln in lines if ln.startswith(TCT_HEADLINE)), "")
    if not head:
        return []
    return ["### Topological constraint theory on the mixed-linker ZIF series", "", head, "",
            "Selection-honest: the TCT variant is chosen inside each training fold. Per-glass "
            "table, variants and the Tg-vs-x plot: [tct_results.md](tct_results.md).", "",
            "Command: `gfa tct --validate`", ""]


def strength_lines(study: Study, target: str | None = None) -> list[str]:
    """Meltability scored apart by label support: measured + stated labels (a DSC/TGA number or
    the paper's own words) and inferred ones (the curator's reading of decomposition wording),
    which are nearly all negatives, so only their accuracy at p = 0.5 is defined."""
    rows = []
    for r in study.results:
        if (r.task != "classification" or target not in (None, r.target)
                or r.scheme == "random" or "strength" not in r.served):
            continue
        firm = r.served[r.served["strength"].isin(FIRM_STRENGTHS)]
        soft = r.served[r.served["strength"] == "inferred"]
        m = classification_metrics(firm["y"].to_numpy(), firm["pred"].to_numpy())
        hit = ((soft["pred"] >= 0.5) == (soft["y"] == 1)).mean() if len(soft) else np.nan
        variant = "+ Td-proxy negatives" if r.variant == "proxy" else "measured only"
        rows.append(f"| {r.scheme} | {r.model} | {variant} | {len(firm)} | {_f(m['auc'], 3)} "
                    f"| {_f(m['bacc'], 3)} | {len(soft)} | {_f(hit, 3)} |")
    if not rows:
        return []
    return ["Scores by label support (same out-of-fold predictions as above):", "",
            "| split | model | variant | n measured + stated | ROC-AUC | balanced acc. "
            "| n inferred | inferred labels right at p = 0.5 |",
            "|---|---|---|---|---|---|---|---|", *rows, ""]


def threshold_lines(study: Study, target: str) -> list[str]:
    """How the probabilities were calibrated and where the yes/no cut lies (chosen in folds)."""
    lines = []
    for r in study.results:
        thr = r.served["thr"].dropna() if r.target == target and "thr" in r.served else []
        if len(thr):
            lines.append(f"- {r.scheme}, {r.model} ({r.variant or 'measured only'}): threshold "
                         f"median {thr.median():.2f} (range {thr.min():.2f}–{thr.max():.2f})")
    if not lines:
        return []
    return ["Probabilities are Platt-calibrated with both classes weighted equally (so p is "
            "P(melts before decomposing) at equal prior odds) and the yes/no threshold "
            "maximizes balanced accuracy, both on inner out-of-fold scores of each training "
            "fold (never on its test fold); balanced accuracy above uses that threshold, the "
            "one `gfa predict` serves as `meltable_threshold`.", "", *lines, ""]


PU_TEXT = {
    "elkan-noto": "as unlabelled rows weighted by Elkan & Noto's P(melts | x, unlabelled), at "
                  "`models.proxy_negative_weight`",
    "weighted": "all as presumed non-melters at `models.proxy_negative_weight`",
    "none": "not used (`models.proxy_negatives = none`)",
}


def _proxy_negatives_note(study: Study, target: str) -> list[str]:
    from gfa_ml.config import get_settings

    how = PU_TEXT[get_settings().models.proxy_negatives]
    lines = ["Effect of the Td-proxy MOFs (same measured folds, only measured materials scored; "
             f"proxies {how}; in every fold the proxies that are a test material in disguise "
             "— same composition — and, leaving a family out, those sharing "
             "its (metal, ligand class) chemistry are out of training: "
             "`gfa_ml/evaluation/leakage.py`):", ""]
    # the models run in both variants; declared from the simplest baseline to the primary
    # model, listed here the other way round (primary model first)
    both = [r.model for r in study.results if r.target == target and r.variant == "proxy"]
    models = list(dict.fromkeys(both))[::-1]
    for scheme in ("grouped", "lofo"):
        for model in models:
            a = study.get(target, scheme, model, "")
            b = study.get(target, scheme, model, "proxy")
            if a is None or b is None:
                continue
            ma, mb = a.overall(), b.overall()
            firm = a.served["strength"].isin(FIRM_STRENGTHS)
            fa = a.overall(a.served.index[firm])
            fb = b.overall(b.served.index[b.served["strength"].isin(FIRM_STRENGTHS)])
            lines.append(
                f"- {scheme}, {model}: ROC-AUC {_f(ma['auc'], 3)} → {_f(mb['auc'], 3)}, Brier "
                f"{_f(ma['brier'], 3)} → {_f(mb['brier'], 3)}; on measured + stated labels "
                f"ROC-AUC {_f(fa['auc'], 3)} → {_f(fb['auc'], 3)}, balanced acc. "
                f"{_f(fa['bacc'], 3)} → {_f(fb['bacc'], 3)} (measured only → + {PROXY_FAMILY})")
    if (ex := study.exclusions.get((target, "lofo"))) is not None and len(ex):
        lines += ["", "Proxies out of each leave-one-family-out training part (same chemistry "
                  "as the held-out family):", "", _md(ex), ""]
    lines.append("- the pooled AUC of leave-one-family-out mixes folds whose models differ; a "
                 "model whose p shifts with the share of melters left in training gets a pooled "
                 "AUC above 0.5 without ranking any family (the uncalibrated dummy scored 0.78 "
                 "that way). Every model here is calibrated at equal prior odds, which removes "
                 "that shift for the dummy; the per-family table below is the reading that "
                 "cannot be won that way.")
    r = study.get(target, "grouped", "single_feature:auto")
    if r is not None:
        lines.append("- single_feature:auto picks, inside each training fold, the one descriptor "
                     "that best ranks the training labels.")
    return [*lines, ""]


def _md(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    rows = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    rows += ["| " + " | ".join(str(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join(rows)


#: families' LOFO table: the models whose per-family scores are shown (model, variant)
FAMILY_MODELS = (("xgb", ""), ("xgb", "proxy"), ("rf", ""), ("rf", "proxy"), ("ridge", ""))


def family_lines(study: Study, target: str) -> list[str]:
    """Leave-one-family-out per held-out family, measured + stated labels: n, melters, ROC-AUC
    (where both classes occur) and balanced accuracy at the served threshold."""
    runs = [(m, v, study.get(target, "lofo", m, v)) for m, v in FAMILY_MODELS]
    runs = [(m, v, r) for m, v, r in runs if r is not None]
    if not runs:
        return []
    head = ["family", "n (measured + stated)", "melters"] + [
        f"{m}{' + proxies' if v else ''}: AUC / bal. acc." for m, v, _ in runs]
    base = runs[0][2].served
    base = base[base["strength"].isin(FIRM_STRENGTHS)]
    rows = []
    for fam, part in base.groupby("family"):
        cells = [fam, str(len(part)), str(int(part["y"].sum()))]
        for _, _, r in runs:
            sub = r.served.loc[r.served.index.intersection(part.index)]
            m = classification_metrics(sub["y"].to_numpy(), sub["pred"].to_numpy(),
                                       thr=sub.get("thr"))
            if not np.isfinite(m["bacc"]) and len(sub):  # one class: the share called right
                thr = sub["thr"].fillna(0.5) if "thr" in sub else 0.5
                m["bacc"] = float(((sub["pred"] >= thr) == (sub["y"] == 1)).mean())
            cells.append(f"{_f(m['auc'], 2)} / {_f(m['bacc'], 2)}")
        rows.append(cells)
    pooled = ["all (pooled)", str(len(base)), str(int(base["y"].sum()))]
    for _, _, r in runs:
        sub = r.served.loc[r.served.index.intersection(base.index)]
        m = classification_metrics(sub["y"].to_numpy(), sub["pred"].to_numpy(), thr=sub.get("thr"))
        pooled.append(f"**{_f(m['auc'], 3)} / {_f(m['bacc'], 3)}**")
    rows.append(pooled)
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
             *["| " + " | ".join(r) + " |" for r in rows]]
    return ["Leave-one-family-out per held-out family, measured + stated labels (AUC needs both "
            "classes in the family: '–' where a family is all melters or all non-melters, whose "
            "second number is then the share called right; calls at the threshold chosen "
            "inside the training folds):", "",
            *table, ""]


def coverage_lines(study: Study, target: str) -> list[str]:
    """90 % interval coverage and width of xgb per family and per distance third (grouped)."""
    r = study.get(target, "grouped", "xgb")
    if r is None or r.served["lo"].isna().all():
        return []
    o = r.served.dropna(subset=["lo", "hi"])
    o = o.assign(covered=(o["y"] >= o["lo"]) & (o["y"] <= o["hi"]), width=o["hi"] - o["lo"],
                 err=(o["y"] - o["pred"]).abs())
    d = TARGETS[target].digits
    lines = ["90 % interval of xgb (grouped folds), per family and per third of the distance to "
             "the training data (row-wise conformal, `gfa_ml/models/conformal.py`):", "",
             "| rows | n | MAE | coverage | median width |", "|---|---|---|---|---|"]
    groups = list(o.groupby("family"))
    if o["distance"].notna().sum() >= 9:
        third = pd.qcut(o["distance"].rank(method="first"), 3,
                        labels=["nearest third", "middle third", "farthest third"])
        groups += list(o.groupby(third, observed=True))
    for name, part in groups:
        lines.append(f"| {name} | {len(part)} | {_f(part['err'].mean(), d)} "
                     f"| {_f(part['covered'].mean(), 2)} | {_f(part['width'].median(), d)} |")
    lines.append(f"| all | {len(o)} | {_f(o['err'].mean(), d)} | {_f(o['covered'].mean(), 2)} "
                 f"| {_f(o['width'].median(), d)} |")
    return [*lines, ""]
