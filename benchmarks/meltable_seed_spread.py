"""How much of a meltability score is the draw of the inner folds?

The served classifier's probabilities are Platt-calibrated, and its yes/no threshold chosen, on
inner out-of-fold scores of each training part. The outer folds, the model and the data stay
fixed here; only the seed of those inner folds changes. The spread of ROC-AUC and balanced
accuracy (at the threshold each training part chose) over the seeds is the noise any single
figure carries before the outer folds add theirs: a bar closer than that is neither met nor
missed. Scores on measured + stated labels, xgb with the Td-proxy MOFs as positive-unlabelled
rows (the served variant), untuned, leak-free exclusions as in ``gfa evaluate``.

    python benchmarks/meltable_seed_spread.py [--schemes lofo,grouped] [--seeds 0,1,2,3,4]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import pandas as pd
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from gfa_ml.data.columns import FIRM_STRENGTHS
from gfa_ml.evaluation.cv import ModelSpec, cross_validate
from gfa_ml.evaluation.leakage import proxy_exclusions
from gfa_ml.io.atomic import write_text_atomic
from gfa_ml.models.targets import classifier
from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schemes", default="lofo,grouped")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--out", type=Path, default=Path("experiments/meltable_seed_spread.md"))
    args = ap.parse_args()
    target = classifier()
    table, proxy = load_tables()
    base = build_training_set(target, table, proxy, FeatureSource(), variant="")
    ts = build_training_set(target, table, proxy, FeatureSource(), variant="proxy")
    rows = []
    for scheme in args.schemes.split(","):
        folds = base.folds(scheme).reindex(ts.X.index).fillna(-1).astype(int)
        exclude = proxy_exclusions(ts, folds, scheme)
        for seed in (int(s) for s in args.seeds.split(",")):
            cv = cross_validate(ModelSpec("xgb"), ts, folds, scheme=scheme, trials=0,
                                exclude=exclude, seed=seed)
            r = cv.served[cv.served["strength"].isin(FIRM_STRENGTHS) & cv.served["pred"].notna()]
            rows.append({"scheme": scheme, "inner-fold seed": seed, "n": len(r),
                         "ROC-AUC": roc_auc_score(r["y"], r["pred"]),
                         "balanced acc.": balanced_accuracy_score(r["y"], r["pred"] >= r["thr"])})
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    summary = df.groupby("scheme")[["ROC-AUC", "balanced acc."]].agg(["mean", "min", "max"])
    summary.columns = [f"{a} {b}" for a, b in summary.columns]
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    write_text_atomic("\n".join([
        "# Meltability scores: the spread from the inner folds alone", "",
        f"Command: `{command}`. " + " ".join(__doc__.split("\n\n")[1].split()), "",
        df.round(3).to_markdown(index=False), "", summary.round(3).to_markdown(), ""]), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
