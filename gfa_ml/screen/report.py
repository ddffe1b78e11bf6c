"""``report.html`` of a screen: counts, the Tm–Td window plot, the P(meltable) distribution,
the top candidates (with their CIFs beside the report), nearest known glass formers, versions.

Plain HTML from a jinja2 template plus matplotlib PNGs: it opens from disk, offline, anywhere.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.io.atomic import write_text_atomic
from gfa_ml.screen.sources import read_cifs

if TYPE_CHECKING:
    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.filters import Filters
    from gfa_ml.screen.result import ScreenResult
    from gfa_ml.screen.task import Predictor

TEMPLATE = "report.html.j2"
#: the top-candidates table, header -> column (or value, 90 % low, high: "860 (780–940)"); the
#: headers are a chemist's words and the table fits a page
TOP_COLUMNS: dict[str, str | tuple[str, str, str]] = {
    "rank": "rank", "structure": "id", "P(melts first), equal odds": "p_meltable",
    "call": "meltable_call", "P(Tm<Td), Tm/Td models": "p_window",
    "Tm / K (90 %)": ("Tm_K", "Tm_K_lo", "Tm_K_hi"),
    "Td / K (90 %)": ("Td_K", "Td_K_lo", "Td_K_hi"),
    "Tg / K": "Tg_K", "in domain": "in_domain", "nearest known": "nearest_known",
    "metals": "metals", "linkers": "linkers", "caveats": "caveats",
}
KNOWN_COLUMNS = ("name", "family", "Tm_K", "Td_K", "Tg_K", "near_top_candidates")
TEXT_COLUMNS = {"structure", "nearest known", "metals", "linkers", "name", "family", "call",
                "caveats"}


def caveats(row: pd.Series) -> str:
    """What a chemist must know before trusting a top row: partial description (and why), the
    two answers disagreeing, implausible values ('' when there is nothing to say)."""
    notes = []
    if row.get("status") == "partial" and str(row.get("error") or ""):
        notes.append(f"partial: {row['error']}")
    agree = str(row.get("agreement") or "")
    if agree.startswith(("disagree", "undecided")):
        notes.append(agree.split(" (")[0])
    if str(row.get("flags") or ""):
        notes.append(f"flagged: {row['flags']}")
    return "; ".join(notes)


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float | np.floating):
        if float(value).is_integer():
            return str(int(value))
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"
    return str(value)


def _cell(row: pd.Series, spec: str | tuple[str, str, str]) -> str:
    """One top-table cell: a value, or a value with its 90 % interval."""
    if isinstance(spec, str):
        return _fmt(row.get(spec))
    value, lo, hi = (row.get(c) for c in spec)
    text = _fmt(value)
    if all(isinstance(v, float | int) and math.isfinite(v) for v in (value, lo, hi)):
        text += f" ({lo:.0f}–{hi:.0f})"
    return text


def safe_name(id_: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", id_)[:120] or "structure"


def _known_glass_formers() -> pd.DataFrame:
    """Measured materials that melt and form a glass (empty if the table is not there)."""
    if not get_settings().paths.measured_csv.exists():
        return pd.DataFrame(columns=["name", "family", "Tm_K", "Td_K", "Tg_K"])
    from gfa_ml.data.measured import training_table

    table = training_table()
    glass = table[table["glass_formed"].str.strip().str.lower() == "yes"]
    return glass.loc[:, ["name", "family", "Tm_K", "Td_K", "Tg_K"]]


def _plot_window(ranked: pd.DataFrame, known: pd.DataFrame, top_n: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    ok = ranked.dropna(subset=["Tm_K", "Td_K"])
    sc = ax.scatter(ok["Tm_K"], ok["Td_K"], c=ok["p_meltable"], cmap="viridis", vmin=0, vmax=1,
                    s=6, alpha=0.5, linewidths=0)
    fig.colorbar(sc, ax=ax, label="P(melts before decomposing), equal prior odds")
    top = ok.head(top_n)
    if {"Tm_K_lo", "Tm_K_hi", "Td_K_lo", "Td_K_hi"} <= set(top.columns):
        ax.errorbar(top["Tm_K"], top["Td_K"],
                    xerr=[top["Tm_K"] - top["Tm_K_lo"], top["Tm_K_hi"] - top["Tm_K"]],
                    yerr=[top["Td_K"] - top["Td_K_lo"], top["Td_K_hi"] - top["Td_K"]],
                    fmt="none", ecolor="crimson", elinewidth=0.5, alpha=0.3,
                    label="90 % intervals (top)")
    ax.scatter(top["Tm_K"], top["Td_K"], facecolors="none", edgecolors="crimson", s=40,
               label=f"top {len(top)}")
    for _, row in top.head(10).iterrows():
        ax.annotate(str(row["id"])[:14], (row["Tm_K"], row["Td_K"]), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    both = known.dropna(subset=["Tm_K", "Td_K"])
    if len(both):
        ax.scatter(both["Tm_K"], both["Td_K"], marker="*", c="orange", edgecolors="k", s=90,
                   label="known glass formers (measured)")
    values = pd.concat([ok["Tm_K"], ok["Td_K"], both["Tm_K"], both["Td_K"]]).dropna()
    lo, hi = (values.min() - 40, values.max() + 40) if len(values) else (300, 900)
    ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="Tm = Td")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("predicted Tm (K), Tm model")
    ax.set_ylabel("predicted Td (K), Td model")
    ax.set_title("Above the diagonal the Tm and Td models put melting first\n"
                 f"(bars: 90 % intervals of the top {len(top)})", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _plot_p(ranked: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    p = ranked["p_meltable"].dropna()
    ax.hist(p, bins=np.linspace(0, 1, 41), color="steelblue")
    ax.set_xlabel("P(melts before decomposing), meltability classifier, equal prior odds")
    ax.set_ylabel("structures (count)")
    ax.set_yscale("log" if len(p) > 200 else "linear")
    ax.set_title(f"{len(p)} structures ranked", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _write_top_cifs(top: pd.DataFrame, out_dir: Path, known: dict[str, str]) -> dict[str, str]:
    """Write the top candidates' CIFs next to the report; id -> relative link.

    ``known`` holds texts kept during the screen; the rest (rows from an earlier, resumed run)
    are read again from their source.
    """
    cif_dir = out_dir / "cifs"
    cif_dir.mkdir(parents=True, exist_ok=True)
    texts = {k: v for k, v in known.items() if k in set(top["id"])}
    todo = top[~top["id"].isin(texts)]
    texts.update(read_cifs(zip(todo["id"], todo["source"], strict=True)))
    links = {}
    for id_, text in texts.items():
        rel = f"cifs/{safe_name(id_)}.cif"
        write_text_atomic(text, out_dir / rel)
        links[id_] = rel
    return links


def _near_counts(top: pd.DataFrame) -> Counter:
    counts: Counter = Counter()
    for cell in top["nearest_known"].dropna():
        counts.update({t.strip() for t in re.split(r"[;,|]", str(cell)) if t.strip()})
    return counts


def _versions(predictor: Predictor) -> dict[str, str]:
    out = {f"model {k}": str(v) for k, v in predictor.describe().items()}
    note = getattr(predictor, "fallback_note", lambda: "")()
    if note:
        out["model fallback"] = note
    out["featurizer cache version"] = get_settings().featurize.cache_version
    for dist in ("gfa_ml", "core-mof"):
        try:
            out[f"{dist} package"] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[f"{dist} package"] = "not installed"
    return out


def write_report(
    result: ScreenResult,
    predictor: Predictor,
    filters: Filters,
    executor: ExecutorSpec,
    top_n: int,
    cif_texts: dict[str, str] | None = None,
) -> Path:
    """Render report.html (+ window.png, p_meltable.png, cifs/) into the screen's out_dir."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    out_dir = result.out_dir
    ranked = result.ranked
    top = ranked.head(top_n)
    known = _known_glass_formers()
    _plot_window(ranked, known, top_n, out_dir / "window.png")
    _plot_p(ranked, out_dir / "p_meltable.png")
    links = _write_top_cifs(top, out_dir, cif_texts or {})

    near = _near_counts(top)
    known_rows = known.assign(
        near_top_candidates=[near.get(i, 0) + near.get(n, 0) for i, n in
                             zip(known.index, known["name"], strict=True)]
    ).sort_values("near_top_candidates", ascending=False, kind="mergesort")
    linked = known_rows[known_rows["near_top_candidates"] > 0]
    known_rows = linked if len(linked) else known_rows.head(15)
    reasons = Counter(result.errors["error"].str.replace(r"^[^:]*: ", "", regex=True).str[:90])

    env = Environment(loader=PackageLoader("gfa_ml.screen", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    html = env.get_template(TEMPLATE).render(
        title=" ".join(result.inputs),
        inputs=result.inputs,
        filters=filters.describe(),
        executor=executor.describe(),
        seconds=result.seconds,
        computed=result.computed,
        counts=result.counts,
        excluded=result.excluded,
        errors=reasons.most_common(8),
        window_png="window.png",
        p_png="p_meltable.png",
        top_columns=TOP_COLUMNS,
        top=[{**{h: _cell(r, c) for h, c in TOP_COLUMNS.items()}, "cif": links.get(r["id"])}
             for _, r in top.assign(caveats=[caveats(r) for _, r in top.iterrows()]).iterrows()],
        known_columns=KNOWN_COLUMNS,
        known=[{c: _fmt(r[c]) for c in KNOWN_COLUMNS} for _, r in known_rows.iterrows()],
        text_columns=TEXT_COLUMNS,
        versions=_versions(predictor),
        prior_note=(f"at a base rate of {getattr(predictor, 'prior', 0.5):g} melters (--prior)"
                    if getattr(predictor, "prior", 0.5) != 0.5 else "at equal prior odds"),
    )
    path = out_dir / "report.html"
    write_text_atomic(html, path)
    return path
