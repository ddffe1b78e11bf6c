"""The retrospective benchmark of the suggestion strategies: replay the lab on labels we have.

Per repeat, the study groups of the labelled meltability materials are split at random into a
**start** set (what the lab knows on day one), a **test** set (never measured, never trained on:
it scores the model) and the **lab** pool (measured only when a strategy asks for it; its labels
stay hidden until then). Each round, the model ``gfa train`` would save from the labels known so
far (:func:`gfa_ml.evaluation.cv.fold_bundle`: calibrated on inner grouped folds, with its
domain) serves the pool, the strategy picks a batch through :func:`gfa_ml.suggest.acquisition.
pick` — the code ``gfa suggest`` runs — and the picks' labels are revealed. Pool materials whose
composition is already labelled are left out, as ``gfa suggest`` leaves them out. Every strategy
of a repeat sees the same split (paired comparison); ``random`` draws with its own seed.

Recorded per round: measurements made, melters found among them, the held-out ROC-AUC of that
round's model on the test set, and the materials that model picked next (``picked``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from gfa_ml.config import get_settings
from gfa_ml.evaluation.cv import ModelSpec, fold_bundle, inner_folds
from gfa_ml.models.fidelity import PROXY
from gfa_ml.models.serving import serve_target
from gfa_ml.models.training_data import TrainingSet
from gfa_ml.suggest.acquisition import feature_space, pick


@dataclass(frozen=True)
class Split:
    """Boolean masks over the rows of a training set (labelled rows only)."""

    start: np.ndarray
    test: np.ndarray
    pool: np.ndarray


def draw_split(ts: TrainingSet, rng: np.random.Generator, start: float = 0.25,
               test: float = 0.25, tries: int = 200) -> Split:
    """Study groups drawn into start / test / pool; start and test each hold both labels."""
    labelled = ~ts.train_only
    groups = ts.groups.to_numpy()
    uniq = np.unique(groups[labelled])
    n_start, n_test = max(2, round(start * len(uniq))), max(2, round(test * len(uniq)))
    for _ in range(tries):
        order = rng.permutation(uniq)
        s = labelled & np.isin(groups, order[:n_start])
        t = labelled & np.isin(groups, order[n_start:n_start + n_test])
        if len(np.unique(ts.y[s])) == 2 and len(np.unique(ts.y[t])) == 2:
            return Split(s, t, labelled & ~s & ~t)
    raise ValueError(f"no split with both labels in start and test after {tries} draws")


def trainable_proxies(ts: TrainingSet, split: Split) -> np.ndarray:
    """Train-only proxy rows that may train: fully featurized ones (``fit_rows``) sharing no
    composition with a test or pool material (a presumed negative must never be the hidden
    material in disguise)."""
    proxy = ts.train_only & (ts.source == PROXY).to_numpy() & ts.fit_rows
    if not proxy.any():
        return proxy
    comp = ts.keys["composition"].reindex(ts.X.index).fillna("").to_numpy()
    hidden = set(comp[split.test | split.pool]) - {""}
    return proxy & ~np.isin(comp, list(hidden))


def simulate(
    ts: TrainingSet, split: Split, strategy: str, rounds: int, batch: int, seed: int,
    spec: ModelSpec = ModelSpec("xgb"),
) -> pd.DataFrame:
    """One strategy on one split: a row per round (0 = the start set alone)."""
    coverage = get_settings().models.coverage
    comp = ts.keys["composition"].reindex(ts.X.index).fillna("").to_numpy()
    known = split.start.copy()
    extra = trainable_proxies(ts, split)
    rng = np.random.default_rng(seed)
    rows, found, measured = [], 0, 0
    for rnd in range(rounds + 1):
        t0 = time.perf_counter()
        tr = known | extra
        bundle = fold_bundle(spec, ts, tr, {}, inner_folds(ts, tr, seed + rnd), coverage)
        p_test = serve_target(bundle, ts.X[split.test]).value
        ok = np.isfinite(p_test)
        auc = roc_auc_score(ts.y[split.test][ok], p_test[ok])
        pool = split.pool & ~known & ~np.isin(comp, list(set(comp[known]) - {""}))
        row = {"round": rnd, "measured": measured, "melters_found": found, "auc": auc,
               "n_train": int(known.sum()), "n_pool_left": int(pool.sum()), "picked": ""}
        rows.append(row)
        if rnd < rounds and pool.any():
            idx = np.flatnonzero(pool)
            Xc = ts.X.iloc[idx]
            p = serve_target(bundle, Xc).value
            space = feature_space(bundle.domain, Xc)
            _, b = pick(strategy, p, comp[idx], space, float(bundle.domain.threshold_), batch,
                        rng)
            chosen = idx[b.picked]
            row["picked"] = ";".join(ts.X.index[chosen])
            known[chosen] = True
            measured += len(chosen)
            found += int((ts.y[chosen] == 1).sum())
        row["seconds"] = time.perf_counter() - t0
        if not pool.any():
            break
    return pd.DataFrame(rows).assign(strategy=strategy)


def run_benchmark(
    ts: TrainingSet, strategies: list[str], repeats: int, rounds: int, batch: int,
    seed: int = 0, log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Every strategy on the same ``repeats`` splits; one row per (repeat, strategy, round)."""
    frames = []
    for rep in range(repeats):
        split = draw_split(ts, np.random.default_rng(seed + rep))
        for strategy in strategies:
            t0 = time.perf_counter()
            df = simulate(ts, split, strategy, rounds, batch, seed + 1000 * rep)
            frames.append(df.assign(repeat=rep, n_start=int(split.start.sum()),
                                    n_test=int(split.test.sum()),
                                    n_pool=int(split.pool.sum()),
                                    pool_melters=int((ts.y[split.pool] == 1).sum())))
            log(f"repeat {rep}, {strategy}: {df['melters_found'].iloc[-1]} melters in "
                f"{df['measured'].iloc[-1]} measurements, AUC {df['auc'].iloc[0]:.3f} -> "
                f"{df['auc'].iloc[-1]:.3f} ({time.perf_counter() - t0:.0f} s)")
    return pd.concat(frames, ignore_index=True)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and sd over repeats per (strategy, measurements made), and each strategy's paired
    difference from ``random`` (same repeat, same round)."""
    g = runs.groupby(["strategy", "measured"], sort=False)
    out = g.agg(repeats=("repeat", "nunique"), found_mean=("melters_found", "mean"),
                found_sd=("melters_found", "std"), auc_mean=("auc", "mean"),
                auc_sd=("auc", "std")).reset_index()
    if "random" in set(runs["strategy"]):
        base = runs[runs["strategy"] == "random"].set_index(["repeat", "measured"])
        diffs = []
        for (strategy, measured), sub in g:
            ref = base.reindex(pd.MultiIndex.from_arrays([sub["repeat"], sub["measured"]]))
            d_found = pd.Series(sub["melters_found"].to_numpy() - ref["melters_found"].to_numpy())
            d_auc = pd.Series(sub["auc"].to_numpy() - ref["auc"].to_numpy())
            diffs.append({"strategy": strategy, "measured": measured,
                          "found_vs_random": d_found.mean(), "found_vs_random_sd": d_found.std(),
                          "ahead_in": int((d_found > 0).sum()),
                          "auc_vs_random": d_auc.mean(), "auc_vs_random_sd": d_auc.std()})
        out = out.merge(pd.DataFrame(diffs), on=["strategy", "measured"])
    return out


def plot(summary: pd.DataFrame, out: Path) -> Path:
    """Melters found and held-out AUC vs measurements made, mean ± sd over repeats."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for strategy, sub in summary.groupby("strategy", sort=False):
        for ax, col in zip(axes, ("found", "auc"), strict=True):
            m, sd = sub[f"{col}_mean"].to_numpy(), sub[f"{col}_sd"].fillna(0).to_numpy()
            ax.plot(sub["measured"], m, marker="o", ms=3, label=strategy,
                    ls="--" if strategy == "random" else "-")
            ax.fill_between(sub["measured"], m - sd, m + sd, alpha=0.15)
    axes[0].set_ylabel("melters found (mean ± sd over repeats)")
    axes[1].set_ylabel("held-out ROC-AUC (mean ± sd over repeats)")
    for ax in axes:
        ax.set_xlabel("measurements made (batches of 5)")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
