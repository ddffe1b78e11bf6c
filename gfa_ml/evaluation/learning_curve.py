"""Learning curves: is more data or a better model the lever?

For each fraction of the training *study groups* (several random draws), every outer fold of the
stored grouped split is refitted on that fraction of its own training groups and scored on its
full, unchanged test fold; the pooled out-of-fold metric is one point of the curve. A curve still
falling at 100 % says more measured materials will help; a flat one says the model or the
descriptors are the limit. Models are untuned here (their defaults), so the curve measures data,
not tuning luck.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.evaluation.cv import ModelSpec, cross_validate
from gfa_ml.evaluation.leakage import proxy_exclusions
from gfa_ml.models.targets import TARGETS
from gfa_ml.models.training_data import TrainingSet

FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def learning_curve(
    ts: TrainingSet, folds: pd.Series, spec: ModelSpec, fractions: Iterable[float] = FRACTIONS,
    draws: int = 5, seed: int | None = None,
) -> pd.DataFrame:
    """One row per (fraction, draw): training groups kept, rows scored, the primary metric."""
    seed = get_settings().seed if seed is None else seed
    folds = folds.reindex(ts.X.index).fillna(-1).astype(int)
    exclude = proxy_exclusions(ts, folds, "grouped")
    groups = ts.groups.to_numpy()
    uniq = np.unique(groups)
    metric = ts.target.metric
    rng = np.random.default_rng(seed)
    rows = []
    for frac in fractions:
        for draw in range(1 if frac >= 1.0 else draws):
            n_keep = max(2, round(frac * len(uniq)))
            kept = uniq if frac >= 1.0 else rng.choice(uniq, size=n_keep, replace=False)
            keep = np.isin(groups, kept)
            res = cross_validate(spec, ts, folds, trials=0, train_mask=keep, intervals=False,
                                 exclude=exclude)
            rows.append({"target": ts.target.name, "model": spec.label, "fraction": frac,
                         "draw": draw, "groups": len(kept), "rows_trained": int(keep.sum()),
                         "n_scored": len(res.served), "n_total": len(res.oof),
                         "metric": metric, "value": res.overall()[metric]})
    return pd.DataFrame(rows)


def summarize_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std over draws per (table, target, model, fraction)."""
    keys = [c for c in ("table", "target", "model", "fraction") if c in curve.columns]
    g = curve.groupby(keys, sort=False)
    out = g.agg(metric=("metric", "first"), mean=("value", "mean"), std=("value", "std"),
                draws=("value", "size"), groups=("groups", "mean"),
                n_scored=("n_scored", "mean"), n_total=("n_total", "first"))
    return out.reset_index()


def plot_curves(summary: pd.DataFrame, out: Path) -> Path:
    """One panel per target; a line per (table, model) with ± std over draws."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = list(dict.fromkeys(summary["target"]))
    fig, axes = plt.subplots(1, len(targets), figsize=(4.2 * len(targets), 3.6), squeeze=False)
    for ax, target in zip(axes[0], targets, strict=True):
        sub = summary[summary["target"] == target]
        for (table, model), line in sub.groupby(["table", "model"], sort=False):
            ax.errorbar(line["fraction"] * 100, line["mean"], yerr=line["std"].fillna(0),
                        marker="o", capsize=3, label=f"{table}, {model}",
                        ls="-" if table == sub["table"].iloc[-1] else "--")
        metric = sub["metric"].iloc[0]
        ax.set_xlabel("training study groups used (%)")
        unit = TARGETS[target].unit
        ax.set_ylabel("ROC-AUC (pooled, out of fold)" if metric == "auc" else
                      f"MAE{f' ({unit})' if unit else ''} (pooled, out of fold)")
        ax.set_title(target)
        ax.set_xticks([25, 50, 75, 100])
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def run_curves(
    sets: dict[str, list[TrainingSet]], models: list[str], draws: int = 5,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Curves for every (table label -> training sets) and model; folds are each set's stored
    grouped split, so "before" and "after" tables are each scored on their own folds."""
    frames = []
    for label, tss in sets.items():
        for ts in tss:
            folds = ts.folds("grouped", write=False)
            for name in models:
                log(f"learning curve: {label}, {ts.target.name}, {name}")
                frames.append(learning_curve(ts, folds, ModelSpec.parse(name), draws=draws)
                              .assign(table=label))
    return pd.concat(frames, ignore_index=True)


def curve_markdown(summary: pd.DataFrame, command: str, figure: Path, root: Path) -> str:
    """The report: one table per target, a row per fraction, a column per (table, model)."""
    import os

    lines = [
        "# Learning curves: seeds only vs seeds + literature",
        "",
        "Each point: the stored grouped split of that table (one group per primary study); "
        "every outer fold refitted on a random fraction of its own training study groups and "
        "scored on its full test fold; pooled out-of-fold metric, mean ± std over random draws "
        "(one draw at 100 %). Untuned model defaults. The two tables have different folds "
        "(the data changed), so compare the shapes of the curves, and the two tables' scores "
        "at 100 % only as scores on different test sets.",
        "",
        f"Command: `{command}`",
        "",
        f"![learning curves]({Path(os.path.relpath(figure, root)).as_posix()})",
        "",
    ]
    for target, sub in summary.groupby("target", sort=False):
        metric = sub["metric"].iloc[0]
        cols = list(dict.fromkeys(zip(sub["table"], sub["model"], strict=True)))
        lines += [f"## {target} ({'ROC-AUC, higher is better' if metric == 'auc' else 'MAE'})",
                  "", "| training groups | " + " | ".join(f"{t}, {m}" for t, m in cols) + " |",
                  "|---|" + "---|" * len(cols)]
        digits = TARGETS[target].digits
        for frac, rows in sub.groupby("fraction", sort=True):
            cells = []
            for t, m in cols:
                r = rows[(rows["table"] == t) & (rows["model"] == m)]
                if r.empty:
                    cells.append("–")
                    continue
                r = r.iloc[0]
                sd = "" if not np.isfinite(r["std"]) else f" ± {r['std']:.{digits}f}"
                cells.append(f"{r['mean']:.{digits}f}{sd} (n={int(r['n_total'])}, "
                             f"{r['groups']:.0f} groups)")
            lines.append(f"| {frac:.0%} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def data_growth_curves(
    targets: list, models: list[str], draws: int, output: Path, command: str,
    log: Callable[[str], None] = print,
) -> Path:
    """Curves on the seed papers' table and on the full measured table; writes the markdown
    report, its figure and the per-draw CSV beside it."""
    from gfa_ml.data.curate import seed_table
    from gfa_ml.data.measured import load_measured, training_table
    from gfa_ml.io.atomic import write_csv_atomic, write_text_atomic
    from gfa_ml.models.training_data import FeatureSource, build_training_set

    tables = {"seeds only": training_table(seed_table()),
              "seeds + literature": training_table(load_measured())}
    features = FeatureSource()
    sets = {label: [build_training_set(t, tab, None, features) for t in targets]
            for label, tab in tables.items()}
    curve = run_curves(sets, models, draws, log)
    summary = summarize_curve(curve)
    stem = output.with_suffix("")
    write_csv_atomic(curve, stem.with_suffix(".csv"))
    figure = plot_curves(summary, output.parent / "figures" / f"{stem.name}.png")
    write_text_atomic(curve_markdown(summary, command, figure, output.parent), output)
    return output
