"""Figures for evaluation: parity (with 90 % intervals), ROC, reliability and importances."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from gfa_ml.evaluation.cv import CVResult  # noqa: E402


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def parity(result: CVResult, path: Path, unit: str = "K", title: str = "") -> Path:
    """Out-of-fold predicted vs measured, coloured by family, with the 90 % interval as bars."""
    df = result.served
    fig, ax = plt.subplots(figsize=(5.2, 5))
    for fam, sub in df.groupby("family"):
        yerr = None
        if sub["lo"].notna().any() and len(sub) <= 300:
            yerr = np.vstack([sub["pred"] - sub["lo"], sub["hi"] - sub["pred"]])
        ax.errorbar(sub["y"], sub["pred"], yerr=yerr, fmt="o", ms=3.5, alpha=0.6, lw=0.6,
                    label=f"{fam} ({len(sub)})")
    lims = [np.nanmin(df[["y", "pred"]].to_numpy()), np.nanmax(df[["y", "pred"]].to_numpy())]
    ax.plot(lims, lims, "k--", lw=0.8)
    m = result.overall()
    ax.set_xlabel(f"measured {result.target} ({unit})" if unit else f"measured {result.target}")
    ax.set_ylabel("predicted (out of fold)")
    ax.set_title(title or f"{result.model} {result.scheme}: MAE {m['mae']:.3g}, "
                 f"R² {m['r2']:.2f}, cov {m['coverage']:.2f}", fontsize=9)
    if df["family"].nunique() <= 12:
        ax.legend(fontsize=6, loc="best")
    return _save(fig, path)


def _curve_label(r: CVResult) -> str:
    return f"{r.model} {r.variant}" if r.variant else r.model


def _finish_unit_square(fig: plt.Figure, ax: plt.Axes, xlabel: str, ylabel: str, title: str,
                        path: Path) -> Path:
    """Diagonal reference, axis labels, title and legend of a probability-vs-probability plot."""
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    return _save(fig, path)


def roc(results: list[CVResult], path: Path, title: str = "") -> Path:
    fig, ax = plt.subplots(figsize=(5, 5))
    for r in results:
        df = r.served
        if df["y"].nunique() < 2:
            continue
        fpr, tpr, _ = roc_curve(df["y"].astype(int), df["pred"])
        ax.plot(fpr, tpr, label=f"{_curve_label(r)} (AUC {r.overall()['auc']:.2f})")
    return _finish_unit_square(fig, ax, "false positive rate", "true positive rate",
                               title or "meltability ROC (out of fold)", path)


def reliability(results: list[CVResult], path: Path, title: str = "") -> Path:
    fig, ax = plt.subplots(figsize=(5, 5))
    for r in results:
        df = r.served
        if len(df) < 10:
            continue
        frac, mean = calibration_curve(df["y"].astype(int), df["pred"], n_bins=5,
                                       strategy="quantile")
        ax.plot(mean, frac, "o-", label=_curve_label(r))
    return _finish_unit_square(fig, ax, "predicted P(meltable)", "observed fraction meltable",
                               title or "meltability reliability (out of fold)", path)


def importances(series: pd.Series, path: Path, title: str, n: int = 15) -> Path:
    top = series.head(n)[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(top) + 1.4))
    ax.barh(top.index.astype(str), top.to_numpy())
    ax.set_title(title, fontsize=9, loc="right")
    return _save(fig, path)
