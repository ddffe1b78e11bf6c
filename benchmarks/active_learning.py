"""Retrospective benchmark of `gfa suggest`: which strategy finds melters and teaches the model.

The lab is replayed on the labels we have (:mod:`gfa_ml.suggest.retrospective`): per repeat, 25 %
of the study groups of the labelled meltability materials are the start set, 25 % a held-out test
set, the rest the hidden "lab" pool; every strategy picks batches of 5 from the pool through
``gfa_ml.suggest.acquisition.pick`` (the code `gfa suggest` runs), with the model `gfa train`
would save from what is known (untuned xgb, calibrated on inner grouped folds). Reported: melters
found and held-out ROC-AUC vs measurements made, mean ± sd over repeats, and each strategy's
paired difference from random picks on the same splits.

    python benchmarks/active_learning.py [--repeats 10] [--rounds 8] [--proxy-cost]

The inner models train without the 2,506 Td-proxy MOFs (the served meltability model has them
as positive-unlabelled rows): ``--proxy-cost`` times one round with and without them on the same
split to show what including them would cost.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.evaluation.cv import ModelSpec, fold_bundle, inner_folds
from gfa_ml.io.atomic import write_csv_atomic, write_text_atomic
from gfa_ml.models.serving import serve_target
from gfa_ml.models.targets import classifier
from gfa_ml.models.training import default_variant
from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables
from gfa_ml.suggest.acquisition import STRATEGIES
from gfa_ml.suggest.retrospective import (
    draw_split,
    plot,
    run_benchmark,
    summarize,
    trainable_proxies,
)

BATCH = 5
AT = 20  # the bar: melters found after this many measurements


def proxy_cost(seed: int) -> dict[str, float]:
    """Seconds of one round (fit with calibration + serve the pool), with / without proxies."""
    table, px = load_tables()
    target = classifier()
    out = {}
    for label, proxy, variant in (("without", None, ""), ("with", px, default_variant(target))):
        ts = build_training_set(target, table, proxy, FeatureSource(), variant)
        split = draw_split(ts, np.random.default_rng(seed))
        tr = split.start | trainable_proxies(ts, split)
        t0 = time.perf_counter()
        bundle = fold_bundle(ModelSpec("xgb"), ts, tr, {}, inner_folds(ts, tr, seed),
                             get_settings().models.coverage)
        serve_target(bundle, ts.X[split.pool | split.test])
        out[label] = time.perf_counter() - t0
        out[f"{label}_rows"] = float(tr.sum())
    return out


def _cell(m: float, sd: float, digits: int) -> str:
    return f"{m:.{digits}f} ± {sd:.{digits}f}" if np.isfinite(sd) else f"{m:.{digits}f}"


def choose_default(summary: pd.DataFrame) -> tuple[str, str]:
    """The strategy with the most melters found after ``AT`` measurements among those whose
    held-out AUC there is not below random's by more than the paired AUC spread, and the
    sentence saying whether its lead over random exceeds the spread across repeats."""
    at = summary[summary["measured"] == AT].set_index("strategy")
    rand = at.loc["random"]
    ok = at.drop(index="random")
    ok = ok[ok["auc_vs_random"] >= -ok["auc_vs_random_sd"]]
    best = ok["found_mean"].idxmax() if len(ok) else at.drop(index="random")["found_mean"].idxmax()
    b = at.loc[best]
    spread = max(b["found_sd"], rand["found_sd"])
    lead = b["found_vs_random"]
    verdict = (f"**{best}** found {b['found_mean']:.1f} ± {b['found_sd']:.1f} melters in {AT} "
               f"measurements against {rand['found_mean']:.1f} ± {rand['found_sd']:.1f} for "
               f"random picks: a paired lead of {lead:.1f} ± {b['found_vs_random_sd']:.1f} "
               f"(ahead in {int(b['ahead_in'])} of {int(b['repeats'])} repeats). ")
    if lead > spread:
        verdict += (f"The lead is larger than the spread across repeats (sd {spread:.1f}): "
                    "the default strategy is ahead of random by more than the spread.")
    else:
        verdict += (f"The lead is **not** larger than the spread across repeats (sd "
                    f"{spread:.1f}): the default is not shown to beat random by more than the "
                    "spread.")
    return best, verdict


def _table(summary: pd.DataFrame, col: str, digits: int, shown: list[int]) -> list[str]:
    """One row per strategy: mean ± sd after each of ``shown`` measurements, then the paired
    difference from random after ``AT`` and after the last shown count."""
    paired = list(dict.fromkeys((AT, shown[-1])))
    head = (f"| strategy | {' | '.join(f'after {m}' for m in shown)} | "
            + " | ".join(f"vs random after {m}" for m in paired) + " |")
    lines = [head, "|---|" + "---|" * (len(shown) + len(paired))]
    vs = "found_vs_random" if col == "found" else "auc_vs_random"
    for strategy, sub in summary.groupby("strategy", sort=False):
        sub = sub.set_index("measured")
        cells = [(_cell(sub.loc[m, f"{col}_mean"], sub.loc[m, f"{col}_sd"], digits)
                  if m in sub.index else "–") for m in shown]
        for m in paired:
            if strategy == "random" or m not in sub.index:
                cells.append("–")
                continue
            d = sub.loc[m]
            ahead = (f" (ahead in {int(d['ahead_in'])} of {int(d['repeats'])})"
                     if col == "found" else "")
            cells.append(_cell(d[vs], d[f"{vs}_sd"], digits) + ahead)
        lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    return lines


def section(variant: str, summary: pd.DataFrame, runs: pd.DataFrame, figure: Path,
            root: Path) -> list[str]:
    """The tables, figure and numbers behind the verdict of one variant."""
    sizes = runs.drop_duplicates("repeat")
    shown = sorted(m for m in summary["measured"].unique() if m % 10 == 0)
    rand = summary[summary["strategy"] == "random"].set_index("measured")
    share = (sizes["pool_melters"] / sizes["n_pool"]).mean()
    label = {"none": "inner models without the Td-proxy MOFs",
             "proxy": "inner models with the Td-proxy MOFs, as the served model"}[variant]
    return [
        f"## {label} ({int(runs['repeat'].nunique())} repeats)", "",
        f"Split sizes over the repeats: start {sizes['n_start'].min()}–{sizes['n_start'].max()}"
        f" materials, test {sizes['n_test'].min()}–{sizes['n_test'].max()}, pool "
        f"{sizes['n_pool'].min()}–{sizes['n_pool'].max()}; {share:.0%} of the pool melts, so "
        f"a random batch of 5 already holds {5 * share:.1f} melters on average. Held-out "
        f"ROC-AUC of the start model: {_cell(rand.loc[0, 'auc_mean'], rand.loc[0, 'auc_sd'], 2)}"
        ".", "",
        f"![melters found and held-out AUC vs measurements, {variant}]"
        f"({Path(os.path.relpath(figure, root)).as_posix()})", "",
        "Melters found (mean ± sd over repeats; paired difference from random, same split):", "",
        *_table(summary, "found", 1, shown), "",
        "Held-out ROC-AUC of the model (mean ± sd over repeats; paired difference):", "",
        *_table(summary, "auc", 3, shown), "",
    ]


def report(sections: dict[str, tuple[pd.DataFrame, pd.DataFrame, Path]], command: str,
           cost: dict[str, float] | None, root: Path) -> str:
    """The markdown report; the default is decided on the variant closest to the served model
    (``proxy`` when it was run)."""
    decide = "proxy" if "proxy" in sections else next(iter(sections))
    best, verdict = choose_default(sections[decide][0])
    lines = [
        "# Which to make next: retrospective benchmark of `gfa suggest`", "",
        f"Command: `{command}` (batches of {BATCH}).", "",
        "Each repeat splits the study groups of the labelled meltability materials at random: "
        "25 % are what the lab knows on day one (start), 25 % a held-out test set (never "
        "measured, never trained on), the rest the lab pool whose labels stay hidden until a "
        "strategy picks them. Every round, the model `gfa train` would save from the labels "
        "known so far (untuned xgb, calibrated on inner grouped folds, with its domain) serves "
        "the pool; the strategy picks 5 through `gfa_ml.suggest.acquisition.pick`, the code "
        "`gfa suggest` runs (one per composition, a similarity penalty, compositions already "
        "labelled left out), and their labels are revealed. All strategies of a repeat share "
        "its split, so differences from random are paired. Strategies: exploit = p, explore = "
        "H(p) in bits, balanced = p + 0.5·H(p), random.", "",
        "## Default", "", verdict, "",
        f"Rule (fixed before the runs): the most melters found after {AT} measurements among "
        "the strategies whose held-out AUC there is not below random's by more than the paired "
        f"spread, on the {'served model' if decide == 'proxy' else 'only'} variant "
        f"(`{decide}`). `gfa suggest` therefore defaults to **{best}** (settings "
        "`suggest.default_strategy`).", "",
    ]
    for variant, (summary, runs, figure) in sections.items():
        lines += section(variant, summary, runs, figure, root)
    if cost is not None:
        lines += [
            "## Cost of the Td-proxy MOFs in the inner models", "",
            f"One round (fit + calibration on inner folds + serving the pool and test set), "
            f"same split: {cost['without']:.1f} s on {cost['without_rows']:.0f} rows without "
            f"the proxies, {cost['with']:.1f} s on {cost['with_rows']:.0f} rows with them "
            f"({cost['with'] / cost['without']:.0f}×).", ""]
    return "\n".join(lines)


def _training_set(variant: str):
    """The meltability training set: measured labels only (``none``) or with the Td-proxy MOFs
    as the served model has them (``proxy``: positive-unlabelled rows, train-only)."""
    table, px = load_tables()
    target = classifier()
    if variant == "none":
        return build_training_set(target, table, None, FeatureSource())
    return build_training_set(target, table, px, FeatureSource(), default_variant(target))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="none",
                    help="comma list: none (inner models without the Td-proxy MOFs), proxy "
                    "(with them, as the served model)")
    ap.add_argument("--repeats", default="10", help="repeats, one number or one per variant")
    ap.add_argument("--rounds", type=int, default=8, help="batches of 5 per strategy")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--proxy-cost", action="store_true",
                    help="also time one round with the Td-proxy MOFs in the inner model")
    ap.add_argument("--out", type=Path, default=Path("experiments/active_learning.md"))
    args = ap.parse_args()
    command = ("python benchmarks/active_learning.py " + " ".join(sys.argv[1:])).strip()
    variants = [v.strip() for v in args.variants.split(",")]
    repeats = [int(r) for r in args.repeats.split(",")]
    repeats = repeats * len(variants) if len(repeats) == 1 else repeats
    stem = args.out.with_suffix("")
    sections = {}
    for variant, reps in zip(variants, repeats, strict=True):
        runs = run_benchmark(_training_set(variant), list(STRATEGIES), reps, args.rounds, BATCH,
                             args.seed, log=lambda m, v=variant: print(f"[{v}] {m}", flush=True))
        name = stem.name if variant == "none" else f"{stem.name}_{variant}"
        write_csv_atomic(runs.assign(variant=variant), stem.parent / f"{name}.csv")
        summary = summarize(runs)
        figure = plot(summary, args.out.parent / "figures" / f"{name}.png")
        sections[variant] = (summary, runs, figure)
    cost = proxy_cost(args.seed) if args.proxy_cost else None
    write_text_atomic(report(sections, command, cost, args.out.parent), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
