"""Counts and ranges of the measured table: what each target can be trained on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from gfa_ml.data.columns import LABEL_STRENGTHS
from gfa_ml.data.measured import training_table

#: the data card embeds ``card_markdown`` between these markers; a test keeps them equal
CARD_START = "<!-- gfa data summary --markdown: start -->"
CARD_END = "<!-- gfa data summary --markdown: end -->"


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


def strength_counts(train: pd.DataFrame) -> pd.DataFrame:
    """Per family: meltable labels (yes / no) by how they are supported, so a reader sees how
    many negatives rest on a number, on the paper's words, or on the curator's inference."""
    labelled = train[train["meltable"].isin(["yes", "no"])]
    key = labelled["meltable"].map({"yes": "melts", "no": "decomposes"}) + " " + labelled[
        "label_strength"].replace("", "unrated")
    cols = [f"{m} {s}" for m in ("melts", "decomposes") for s in LABEL_STRENGTHS]
    out = pd.crosstab(labelled["family"], key).reindex(columns=cols, fill_value=0)
    out = out.reindex(sorted(train["family"].unique()), fill_value=0)
    out.loc["all"] = out.sum()
    out.index.name, out.columns.name = "family", None
    return out.astype(int)


def card_markdown(train: pd.DataFrame) -> str:
    """The counts block of ``datasets/README.md``, exactly as ``gfa data summary --markdown``
    prints it."""
    ranges = target_ranges(train)
    lines = [
        f"Usable materials: {len(train)} in {train['family'].nunique()} families "
        f"({int((train['meltable'] == 'yes').sum())} melt, "
        f"{int((train['meltable'] == 'no').sum())} decompose first, "
        f"{int((train['meltable'] == 'unknown').sum())} unknown).",
        "",
        family_counts(train).to_markdown(),
        "",
        "Meltable labels by support (measured = DSC/TGA number, stated = the paper's words, "
        "inferred = the curator's reading of decomposition wording):",
        "",
        strength_counts(train).to_markdown(),
        "",
        ranges.to_markdown(disable_numparse=True),
    ]
    return "\n".join(lines)


def card_block(text: str) -> str:
    """The counts block between the markers of a data card (ValueError without markers)."""
    a, b = text.find(CARD_START), text.find(CARD_END)
    if a < 0 or b < a:
        raise ValueError(f"no '{CARD_START}' ... '{CARD_END}' markers")
    return text[a + len(CARD_START):b].strip()


def update_card(path: Path, train: pd.DataFrame) -> Path:
    """Rewrite the counts block of the data card at ``path`` (atomically)."""
    from gfa_ml.io.atomic import write_text_atomic

    text = path.read_text()
    old = card_block(text)
    a = text.index(CARD_START) + len(CARD_START)
    b = text.index(CARD_END)
    new = text[:a] + "\n" + card_markdown(train) + "\n" + text[b:]
    if card_block(new) != old:
        write_text_atomic(new, path)
    return path


def target_ranges(train: pd.DataFrame) -> pd.DataFrame:
    """Range of each measured number of the data card (column -> label, decimals)."""
    cols = {"Tm_K": ("Tm (K)", 1), "Td_K": ("Td (K)", 1), "Tg_K": ("Tg (K)", 1),
            "dHf_kJ_mol": ("dHf (kJ/mol)", 1), "Tg_over_Tm": ("Tg/Tm (K/K)", 3)}
    rows = []
    for col, (label, digits) in cols.items():
        s = train[col].dropna()
        fmt = f"{{:.{digits}f}}"
        rows.append({"target": label, "n": str(len(s)),
                     **{k: fmt.format(v) for k, v in
                        (("min", s.min()), ("median", s.median()), ("max", s.max()))}})
    return pd.DataFrame(rows).set_index("target")


def plot_tg_over_tm(train: pd.DataFrame, out: Path) -> Path:
    """Histogram of Tg/Tm by family with the 2/3 rule marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = train.dropna(subset=["Tg_over_Tm"])
    fig, ax = plt.subplots(figsize=(8, 4))
    fams = sorted(data["family"].unique())
    ax.hist([data.loc[data["family"] == f, "Tg_over_Tm"] for f in fams], bins=16,
            stacked=True, label=fams)
    ax.axvline(2 / 3, color="k", ls="--", lw=1, label="Tg = 2/3 Tm")
    ax.set_xlabel("Tg / Tm (both in K)")
    ax.set_ylabel("materials")
    ax.set_title(f"Measured Tg/Tm, n = {len(data)}")
    ax.legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left", frameon=False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def summarize(path: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from gfa_ml.data.measured import load_measured

    train = training_table(load_measured(path))
    return train, family_counts(train), target_ranges(train)
