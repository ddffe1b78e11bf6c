"""The served answer with and without the melters' Tm as lower bounds on Td (issue 24):
``p_window`` and ``agreement`` on the meltability folds, every fold served through
``gfa predict``'s code (``gfa_ml.evaluation.answer``) -> ``experiments/answer_bounds.md``.

    python benchmarks/answer_bounds.py                   # grouped folds (about 15 min, 2 cores)
    python benchmarks/answer_bounds.py --schemes grouped,lofo

``p_meltable`` comes from the classifier alone and is the same in both columns; the Tm/Td
models' own P(Tm < Td) and their agreement with the classifier are what the bounds can move.
Scored on measured + stated labels.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from td_ablation import subset

from gfa_ml.evaluation.answer import served_answer
from gfa_ml.io.atomic import write_text_atomic
from gfa_ml.models.censoring import LOWER_BOUND
from gfa_ml.models.targets import by_role, classifier
from gfa_ml.models.training import default_variant
from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("experiments/answer_bounds.md"))
    ap.add_argument("--schemes", default="grouped")
    args = ap.parse_args()
    t0 = time.perf_counter()
    table, px = load_tables()
    cls, melt, dec = classifier(), by_role("melting"), by_role("decomposition")
    fs = FeatureSource()
    td = build_training_set(dec, table, px, fs)
    base = {cls.name: build_training_set(cls, table, px, fs, variant=default_variant(cls)),
            melt.name: build_training_set(melt, table, px, fs)}
    variants = {"no bounds": subset(td, (td.source != LOWER_BOUND).to_numpy()),
                "melters' Tm as bounds (served)": td}
    parts = []
    for scheme in [s.strip() for s in args.schemes.split(",") if s.strip()]:
        scores, agree = [], []
        for label, ts in variants.items():
            ev = served_answer({**base, dec.name: ts}, scheme)
            scores.append(ev.scores().assign(Td=label))
            agree.append(ev.agreement_table().assign(Td=label))
            print(scores[-1], agree[-1], flush=True)
        parts += [f"## {scheme}", "", "Scores (measured + stated labels):", "",
                  pd.concat(scores).round(3).to_markdown(index=False), "",
                  "Agreement states (classifier_right: share of rows whose yes/no call is "
                  "right):", "", pd.concat(agree).round(3).to_markdown(index=False), ""]
    text = "\n".join([
        "# The served answer with and without the melters' Tm as Td lower bounds", "",
        f"Command: `python benchmarks/answer_bounds.py --schemes {args.schemes}` "
        f"(untuned models, {time.perf_counter() - t0:.0f} s on this shared 2-core machine). "
        "Each fold's Tm and Td models lose the test materials, their studies, their "
        "composition twins and their Tm bounds (`gfa_ml/evaluation/answer.py`).", "",
        *parts])
    write_text_atomic(text, args.out)
    print(text)


if __name__ == "__main__":
    main()
