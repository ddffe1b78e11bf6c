"""Counts and ranges of the measured table: what each target can be trained on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gfa_ml.data.measured import training_table


def family_counts(train: pd.DataFrame) -> pd.DataFrame:
    """Per family: materials, meltable yes/no, and how many carry each measured target."""
    g = train.groupby("family")
    out = pd.DataFrame({
        "materials": g.size(),
        "melts": g["meltable"].apply(lambda s: int((s == "yes").sum())),
        "decomposes": g["meltable"].apply(lambda s: int((s == "no").sum())),
        "Tm": g["Tm_K"].count(),
        "Td": g["Td_K"].count(),
        "Tg": g["Tg_K"].count(),
        "dHf": g["dHf_kJ_mol"].count(),
        "Tg/Tm": g["Tg_over_Tm"].count(),
    })
    out.loc["all"] = out.sum()
    return out.astype(int)


def target_ranges(train: pd.DataFrame) -> pd.DataFrame:
    cols = {"Tm_K": "Tm (K)", "Td_K": "Td (K)", "Tg_K": "Tg (K)", "dHf_kJ_mol": "dHf (kJ/mol)",
            "Tg_over_Tm": "Tg/Tm (K/K)"}
    rows = []
    for col, label in cols.items():
        s = train[col].dropna()
        rows.append({"target": label, "n": str(len(s)), "min": s.min(), "median": s.median(),
                     "max": s.max()})
    return pd.DataFrame(rows).set_index("target")


def plot_tg_over_tm(train: pd.DataFrame, out: Path) -> Path:
    """Histogram of Tg/Tm by family with the 2/3 rule marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = train.dropna(subset=["Tg_over_Tm"])
    fig, ax = plt.subplots(figsize=(6.5, 4))
    fams = sorted(data["family"].unique())
    ax.hist([data.loc[data["family"] == f, "Tg_over_Tm"] for f in fams], bins=16,
            stacked=True, label=fams)
    ax.axvline(2 / 3, color="k", ls="--", lw=1, label="Tg = 2/3 Tm")
    ax.set_xlabel("Tg / Tm (both in K)")
    ax.set_ylabel("materials")
    ax.set_title(f"Measured Tg/Tm, n = {len(data)}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def summarize(path: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from gfa_ml.data.measured import load_measured

    train = training_table(load_measured(path))
    return train, family_counts(train), target_ranges(train)
