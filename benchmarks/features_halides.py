"""What the ``ion`` group buys (issue #22): meltability and Tm before / after, per family.

Untuned xgb (``trials=0``) on the stored grouped and leave-one-family-out folds of the current
data version; "before" and "after" are the same training set, the same folds and the same model,
"before" with the 13 ``ion_*`` columns (halide / pseudohalide / oxo / hydroxo / water counts per
metal, anion and cation charge, alkali counter-ions) dropped from the frame. Everything else is
the new featurizer's in both (the old code path does not run side by side: the metal oxidation
states of the charge balance are in "before" too). Variants: the meltability classifier on the
measured table alone, the served one (Td-proxy MOFs as positive-unlabelled presumed negatives),
and the Tm regressor; calibrated probabilities and yes/no thresholds chosen inside each training
fold, as served.

Noise: the fold noise is the standard deviation across folds of the per-fold metric of the
"before" model (per family: of the family's main metric, Brier score or MAE, across the folds of
that variant and scheme); a family is "worse beyond fold noise" when its change exceeds it. A
stricter yardstick beside it: the standard deviation of the family's after - before difference
over 500 bootstrap resamples of its materials (it measures how sure the sign of the change is,
not how much any change of features moves a family). The last table is P(meltable) and Tm of Cu
+ pyrazine with each halide from the "after" models fitted on all data.

    python benchmarks/features_halides.py [--out experiments/features_halides.md]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from gfa_ml.evaluation.cv import CVResult, ModelSpec, cross_validate
from gfa_ml.featurize import featurize_records
from gfa_ml.featurize.ions import ION_LABELS
from gfa_ml.io.atomic import write_text_atomic
from gfa_ml.models.targets import TARGETS
from gfa_ml.models.training import fit_final
from gfa_ml.models.training_data import FeatureSource, TrainingSet, build_training_set, load_tables

FAMILIES = ("hybrid-metal-halide", "metal-halide-cp", "nanocluster", "thiocyanate", "cyanide")
SPEC = ModelSpec("xgb")
PYZ = "c1cnccn1"
#: the stated reason for a family worse by more than its fold noise (printed when it is)
REASONS = {
    "bis(acetamide)": (
        "all 12 come from one study, so grouped CV holds them out together; the ion group "
        "gives them two halides or NCS- per metal atom (the [MX4]2- counter-anion cut at its "
        "metal) and anion charge 2, a profile the training folds share with thiocyanate and "
        "metal-halide polymers that decompose, so their P(meltable) drops a little. The Brier "
        "score rises while balanced accuracy at the fold thresholds does not fall (BA column "
        "below): less confident, not more often wrong. A reading of the numbers, not tested "
        "further."),
}
CU_PYZ = {"Cl-": f"{PYZ}.[Cl-]", "Br-": f"{PYZ}.[Br-]", "I-": f"{PYZ}.[I-]",
          "2 Cl-": f"{PYZ}.[Cl-].[Cl-]", "none": PYZ}


def without_ions(ts: TrainingSet) -> TrainingSet:
    """The same rows, labels, weights and folds, without the ``ion`` columns."""
    return dataclasses.replace(ts, X=ts.X.drop(columns=[c for c in ION_LABELS if c in ts.X]))


def _family_metrics(task: str, df: pd.DataFrame) -> dict[str, float]:
    y, p = df["y"].to_numpy(float), df["pred"].to_numpy(float)
    if task == "regression":
        return {"main": float(np.mean(np.abs(y - p)))}
    thr = np.where(df["thr"].isna(), 0.5, df["thr"]).astype(float)
    right = (p >= thr) == (y == 1)
    two = len(np.unique(y)) == 2
    bacc = np.mean([right[y == c].mean() for c in (0, 1) if (y == c).any()])
    return {"main": float(np.mean((p - y) ** 2)), "auc": roc_auc_score(y, p) if two else np.nan,
            "bacc": float(bacc)}


def _paired_noise(task: str, a: pd.DataFrame, b: pd.DataFrame, n: int = 500) -> float:
    """Std of the (after - before) main metric over bootstrap resamples of the materials."""
    rng = np.random.default_rng(0)
    ids = a.index.to_numpy()
    diffs = []
    for _ in range(n):
        pick = ids[rng.integers(0, len(ids), len(ids))]
        diffs.append(_family_metrics(task, b.loc[pick])["main"]
                     - _family_metrics(task, a.loc[pick])["main"])
    return float(np.std(diffs))


def _fmt(x: float, digits: int) -> str:
    return "—" if x != x else f"{x:.{digits}f}"


def compare(label: str, ts: TrainingSet) -> tuple[list[dict], list[dict]]:
    """Overall and per-family rows for one target variant, both schemes."""
    task = ts.target.task
    digits = 3 if task == "classification" else 1
    overall, families = [], []
    for scheme in ("grouped", "lofo"):
        folds = ts.folds(scheme, write=False)
        res: dict[str, CVResult] = {
            "before": cross_validate(SPEC, without_ions(ts), folds, scheme=scheme, trials=0),
            "after": cross_validate(SPEC, ts, folds, scheme=scheme, trials=0)}
        keys = ("auc", "bacc") if task == "classification" else ("mae",)
        row = {"variant": label, "scheme": scheme, "n": len(res["after"].served)}
        for k in keys:
            b, a = (res[v].overall()[k] for v in ("before", "after"))
            std = np.nanstd(res["before"].per_fold()[k].to_numpy(float))
            row[k] = (f"{_fmt(b, digits)} → {_fmt(a, digits)} "
                      f"({a - b:+.{digits}f} ± {std:.{digits}f})")
        overall.append(row)
        oof = {v: r.served for v, r in res.items()}
        main_key = "brier" if task == "classification" else "mae"
        fold_noise = float(np.nanstd(res["before"].per_fold()[main_key].to_numpy(float)))
        for fam in sorted(set(oof["after"]["family"])):
            a = oof["before"][oof["before"]["family"] == fam]
            b = oof["after"].loc[a.index]
            mb, ma = _family_metrics(task, a), _family_metrics(task, b)
            change = ma["main"] - mb["main"]
            rowf = {"variant": label, "scheme": scheme, "family": fam, "n": len(a),
                    "main": f"{_fmt(mb['main'], digits)} → {_fmt(ma['main'], digits)}",
                    "change": f"{change:+.{digits}f}",
                    "fold noise": f"{fold_noise:.{digits}f}",
                    "worse beyond fold noise": "yes" if change > fold_noise else "",
                    "bootstrap noise": f"{_paired_noise(task, a, b):.{digits}f}"}
            if task == "classification":
                rowf["AUC"] = f"{_fmt(mb['auc'], 3)} → {_fmt(ma['auc'], 3)}"
                rowf["BA"] = f"{_fmt(mb['bacc'], 3)} → {_fmt(ma['bacc'], 3)}"
            families.append(rowf)
    return overall, families


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("experiments/features_halides.md"))
    args = ap.parse_args()
    table, px = load_tables()
    source = FeatureSource()
    melt, tm = TARGETS["meltable"], TARGETS["Tm_K"]
    sets = {
        "meltable, measured table only": build_training_set(melt, table, None, source),
        "meltable, served (+ Td-proxy negatives, PU)": build_training_set(
            melt, table, px, source, variant="proxy"),
        "Tm": build_training_set(tm, table, None, source),
    }
    overall, families = [], []
    for label, ts in sets.items():
        o, f = compare(label, ts)
        overall += o
        families += f
    records = pd.DataFrame([{"id": k, "metal": "Cu", "ligand_smiles": v}
                            for k, v in CU_PYZ.items()])
    X = featurize_records(records).set_index("id")
    bar = pd.DataFrame({"Cu + pyrazine +": list(CU_PYZ), "metal_ox": X["metal_ox"].to_numpy(),
                        "status": X["status"].to_numpy()})
    for label in ("meltable, served (+ Td-proxy negatives, PU)", "Tm"):
        model, _ = fit_final(SPEC, sets[label], trials=0, seed=0)
        bar[f"{label.split(',')[0]} (after, all data)"] = np.round(model.predict(X), 3)
    fam = pd.DataFrame(families)
    named = fam[fam["family"].isin(FAMILIES)]
    worse = fam[fam["worse beyond fold noise"] == "yes"]
    flagged = "; ".join(f"{r['family']} ({r['variant']}, {r['scheme']}: {r['change']} against "
                        f"{r['fold noise']})" for _, r in worse.iterrows()) or "none"
    reasons = [f"- {f}: {REASONS.get(f, 'no reason stated')}" for f in dict.fromkeys(
        worse["family"])]
    text = "\n".join([
        "# Halides, oxidation states, counter-ions: what the `ion` group buys (issue #22)", "",
        "Command: `python benchmarks/features_halides.py`. " + " ".join(
            __doc__.split("\n\n")[1].split()), "",
        "Meltability: pooled out-of-fold ROC-AUC and balanced accuracy (BA, at the threshold "
        "chosen in each training fold), all labels. Tm: MAE in K. Each cell: before → after "
        "(change ± fold std of the before model).", "",
        pd.DataFrame(overall).to_markdown(index=False), "",
        f"Families worse by more than their fold noise: {flagged}.", "", *reasons, "",
        "## The halide, cluster and pseudohalide families", "",
        "Main metric per family: Brier score (meltability; lower is better, defined for "
        "one-class families) or Tm MAE in K. AUC only where a family holds both labels, BA "
        "over the classes present. Fold noise and bootstrap noise as in the command's "
        "description.", "",
        named.to_markdown(index=False), "",
        "## Cu + pyrazine with each halide (the issue's bar)", "",
        bar.to_markdown(index=False), "",
        "## Every family", "",
        fam.to_markdown(index=False), "",
    ])
    write_text_atomic(text, args.out)
    print(text)


if __name__ == "__main__":
    main()
