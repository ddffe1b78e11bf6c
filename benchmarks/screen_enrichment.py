"""Screening benchmark: would a full CoRE screen find known melters the model never saw?

Default (``--lco``): the leave-composition-out benchmark
(:mod:`gfa_ml.evaluation.screen_benchmark`). For each composition of
``datasets/benchmarks/screen_known.csv`` the meltability model is retrained without it (its
measured rows and every proxy structure of it, matched by composition) and the
12,020 CoRE 2019-ASR structures are ranked as ``gfa screen`` ranks them; the report leads with
where each held-out composition lands, pass/fail. Then, labelled in-sample, the same list in the
ranking of the served model (trained on most of these materials): rank, percentile and p per
structure, the median rank per group and the enrichment in the top 1 % / 5 %.

``--ranked DIR`` instead reads ``ranked.csv`` of a finished ``gfa screen`` and reports only the
in-sample part for it. Writes ``experiments/screen_benchmark.md`` and
``experiments/figures/screen_benchmark.png`` (``--md`` / ``--figure`` move them). Needs the
served models (``gfa train``).

    python benchmarks/screen_enrichment.py --lco
    python benchmarks/screen_enrichment.py --ranked screen_out/

Speed of the screen itself is benchmarked by ``benchmarks/screen_bench.py``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from gfa_ml.config import get_settings  # noqa: E402
from gfa_ml.data.columns import FIRM_STRENGTHS  # noqa: E402
from gfa_ml.io.atomic import atomic_path  # noqa: E402
from gfa_ml.screen.enrichment import Bar, Benchmark, benchmark  # noqa: E402


def _core_features():
    """Features of every CoRE 2019-ASR structure (cached), index = CoRE name."""
    from gfa_ml.featurize import featurize_many
    from gfa_ml.models.predict import featurize_inputs
    from gfa_ml.structures.inputs import iter_inputs

    feats = featurize_many(iter_inputs(["core-mof:2019-ASR"]),
                           n_jobs=get_settings().models.n_jobs, cache=True, progress=True)
    return featurize_inputs(feats)


def _run_lco(model: str | None):
    from gfa_ml.evaluation.screen_benchmark import leave_composition_out
    from gfa_ml.models.predict import load_models
    from gfa_ml.models.targets import classifier
    from gfa_ml.models.training import default_variant
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables
    from gfa_ml.screen.enrichment import load_known

    served = load_models(model)
    target = classifier()
    table, proxy = load_tables()
    ts = build_training_set(target, table, proxy, FeatureSource(),
                            variant=default_variant(target))
    core = _core_features()
    return leave_composition_out(ts, core, load_known(), served,
                                 log=lambda m: print(m, flush=True))


def _lco_md(lco) -> list[str]:
    t = lco.table.copy()
    passed = int(t["pass"].sum())
    t["pass"] = t["pass"].map({True: "PASS", False: "FAIL"})
    cols = ["composition", "material", "melts", "support", "CoRE entries", "held out: measured",
            "held out: proxies", "median rank", "median percentile", "median p", "pass", "why"]
    return [
        "## Leave-composition-out (the headline: the model never saw the composition)",
        "",
        f"{passed} of {len(t)} compositions pass. Bars: a melter composition's structures "
        "have their median rank inside the top 5 % of the full ranking; a non-melter's lie "
        "below that cut with p < 0.5. Each row is its own model, retrained without the "
        "composition; ranks are out of "
        f"{lco.n_ranked} ranked CoRE 2019-ASR structures.",
        "",
        _fmt(t[cols]),
        "",
    ]


def _in_sample_md(lco) -> list[str]:
    t = lco.table[["composition", "material", "melts", "in-sample median rank",
                   "in-sample median p", "median rank"]].rename(
        columns={"median rank": "leave-composition-out median rank"})
    return [
        "## In-sample: the same list in the served model's ranking",
        "",
        "The served model trained on most of these compositions (their measured rows, and "
        "the proxy structures of every non-melter). These ranks say what it remembers, not "
        "what it would find.",
        "",
        _fmt(t),
        "",
    ]


def _bars_md(title: str, bars: list[Bar]) -> list[str]:
    lines = [f"**{title}**", ""]
    lines += [f"- {'PASS' if b.passed else 'FAIL'}: {b.name}: {b.measured}" for b in bars]
    return lines + [""]


def _fmt(df: pd.DataFrame) -> str:
    """Markdown table: ranks in full (2239, 3226.5), other numbers to 3 significant digits."""
    out = df.copy()
    for col in out.select_dtypes("float").columns:
        spec = ".10g" if "rank" in col else ".3g"
        out[col] = out[col].map(lambda v, s=spec: "" if pd.isna(v) else format(v, s))
    return out.to_markdown(index=False)


def report(bench: Benchmark, source: str, command: str, lco=None) -> str:
    """The markdown report: the leave-composition-out table first (when run), then the
    in-sample bars, enrichment, group medians and every listed row."""
    located = bench.located.sort_values("rank", na_position="last")
    rows = located[["core_id", "group", "melts", "support", "rank", "percentile",
                    "p_meltable", "Tm_K", "Td_K"]]
    listed = bench.located
    lines = [
        "# Screening benchmark: known melters and non-melters in a full CoRE 2019-ASR screen",
        "",
        f"Command: `{command}`. Ranking: {source} ({bench.n_ranked} ranked structures).",
        f"List: `datasets/benchmarks/screen_known.csv`, {len(listed)} CoRE entries, "
        f"{int((listed['melts'] == 'yes').sum())} melters and "
        f"{int((listed['melts'] == 'no').sum())} non-melters in "
        f"{listed['group'].nunique()} groups (evidence per row; data card in "
        "`datasets/README.md`).",
        "",
    ]
    if lco is not None:
        lines += [*_lco_md(lco), *_in_sample_md(lco)]
    lines += [
        "## In-sample bars (training materials among the listed rows)",
        "",
        *_bars_md("All listed entries", bench.bars),
        *_bars_md(f"Only entries whose label is {' or '.join(FIRM_STRENGTHS)} "
                  "(inferred labels left out)", bench.bars_strong),
        "## In-sample enrichment in the top of the ranking",
        "",
        "found_share = listed entries ranked inside the top fraction / listed entries ranked; "
        "enrichment = found_share / fraction (1 = random).",
        "",
        _fmt(bench.enrichment),
        "",
        "## In-sample median rank per group",
        "",
        _fmt(bench.groups),
        "",
        "## Every listed structure (in-sample)",
        "",
        "percentile = 100 · rank / ranked structures (small = near the top).",
        "",
        _fmt(rows),
        "",
        "![rank percentile vs p_meltable](figures/screen_benchmark.png)",
        "",
    ]
    return "\n".join(lines)


def figure(bench: Benchmark, ranked: pd.DataFrame, path: Path) -> Path:
    """Rank percentile (log) vs p_meltable: every screened row in grey, listed ones by group."""
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    pct = 100.0 * ranked["rank"] / len(ranked)
    ax.scatter(pct, ranked["p_meltable"], s=3, c="0.8", lw=0, label="screened", rasterized=True)
    loc = bench.located.dropna(subset=["rank"])
    # melters in warm colours with round markers, non-melters in cool colours with crosses
    palettes = {"yes": iter(plt.get_cmap("autumn")(range(0, 256, 60))),
                "no": iter(plt.get_cmap("tab10")([0, 2, 4, 6, 7, 8, 9, 5, 1]))}
    for i, (group, part) in enumerate(loc.groupby("group", sort=True)):
        melts = part["melts"].iloc[0]
        colour = next(palettes[melts])
        ax.scatter(part["percentile"], part["p_meltable"], s=30, color=colour,
                   marker="o" if melts == "yes" else "X", edgecolor="k", lw=0.4,
                   label=f"{group} ({'melts' if melts == 'yes' else 'does not melt'}, "
                         f"n={len(part)})")
        ax.annotate(group, (part["percentile"].median(), part["p_meltable"].median()),
                    xytext=(4, 5 + 9 * (i % 3)), textcoords="offset points", fontsize=7,
                    color=colour)
    for f in get_settings().screen.enrichment_fractions:
        ax.axvline(100 * f, color="k", ls="--", lw=0.7)
        ax.text(100 * f, 1.02, f"top {f:.0%}", fontsize=7, ha="center")
    ax.set_xscale("log")
    ax.set_xlim(100 / len(ranked), 100)
    ax.set_ylim(-0.02, 1.08)
    ax.set_xlabel("rank percentile = 100 · rank / ranked structures (log scale)")
    ax.set_ylabel("p_meltable")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--ranked", type=Path, help="output folder of a finished gfa screen "
                     "(in-sample part only)")
    src.add_argument("--lco", action="store_true", help="leave-composition-out benchmark, "
                     "then the served model's in-sample ranking")
    ap.add_argument("--model", default=None, help="model directory or name (default: xgb)")
    exp = get_settings().paths.experiments
    ap.add_argument("--md", type=Path, default=exp / "screen_benchmark.md")
    ap.add_argument("--figure", type=Path, default=exp / "figures" / "screen_benchmark.png")
    args = ap.parse_args(argv)

    lco = None
    if args.lco:
        from gfa_ml.evaluation.screen_benchmark import rank_core
        from gfa_ml.models.predict import load_models

        lco = _run_lco(args.model)
        ranked = rank_core(_core_features(), load_models(args.model))
        source = "the served models on all of CoRE 2019-ASR (as `gfa screen core-mof:2019-ASR`)"
    else:
        csv = args.ranked / "ranked.csv"
        if not csv.is_file():
            print(f"error: no ranked.csv in {args.ranked} (run gfa screen first)",
                  file=sys.stderr)
            return 1
        ranked = pd.read_csv(csv)
        source = f"`{args.ranked}`"
    bench = benchmark(ranked)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])])
    args.md.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.md) as tmp:
        tmp.write_text(report(bench, source, command, lco))
    figure(bench, ranked, args.figure)
    if lco is not None:
        print(lco.table[["composition", "melts", "median rank", "median p", "pass"]]
              .to_string(index=False))
    for b in bench.bars:
        print(f"in-sample {'PASS' if b.passed else 'FAIL'}  {b.name}: {b.measured}")
    print(f"wrote {args.md} and {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
