"""Screening benchmark: where do known melters and known non-melters land in a full CoRE screen?

Reads ``ranked.csv`` of a finished ``gfa screen`` (``--ranked DIR``), or runs
``gfa screen core-mof:2019-ASR`` into ``--out DIR`` first, and reports for every structure of
``datasets/benchmarks/screen_known.csv`` its rank, percentile, p_meltable, Tm and Td; the median
rank per group; the enrichment of melters / non-melters in the top 1 % and 5 %; and issue #13's
bars as pass/fail lines. Writes ``experiments/screen_benchmark.md`` and
``experiments/figures/screen_benchmark.png`` (``--md`` / ``--figure`` move them).

    python benchmarks/screen_enrichment.py --ranked screen_out/
    python benchmarks/screen_enrichment.py --out /tmp/screen_full --workers 2

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
from gfa_ml.io.atomic import atomic_path  # noqa: E402
from gfa_ml.screen.enrichment import STRONG_SUPPORT, Bar, Benchmark, benchmark  # noqa: E402


def _run_screen(out: Path, workers: int, model: str | None) -> Path:
    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.predictor import ModelPredictor
    from gfa_ml.screen.run import run_screen

    result = run_screen(["core-mof:2019-ASR"], out, ModelPredictor.load(model),
                        executor=ExecutorSpec("local", workers))
    print(f"screened: {result.counts}", flush=True)
    return out


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


def report(bench: Benchmark, source: Path, command: str) -> str:
    """The markdown report: bars first, then enrichment, group medians and every listed row."""
    located = bench.located.sort_values("rank", na_position="last")
    rows = located[["core_id", "group", "melts", "support", "rank", "percentile",
                    "p_meltable", "Tm_K", "Td_K"]]
    listed = bench.located
    lines = [
        "# Screening benchmark: known melters and non-melters in a full CoRE 2019-ASR screen",
        "",
        f"Ranking: `{source}` ({bench.n_ranked} ranked structures). Command: `{command}`.",
        f"List: `datasets/benchmarks/screen_known.csv`, {len(listed)} CoRE entries, "
        f"{int((listed['melts'] == 'yes').sum())} melters and "
        f"{int((listed['melts'] == 'no').sum())} non-melters in "
        f"{listed['group'].nunique()} groups (evidence per row; data card in "
        "`datasets/README.md`).",
        "",
        "## Bars (issue #13)",
        "",
        *_bars_md("All listed entries", bench.bars),
        *_bars_md(f"Only entries whose label is {' or '.join(STRONG_SUPPORT)} "
                  "(inferred labels left out)", bench.bars_strong),
        "## Enrichment in the top of the ranking",
        "",
        "found_share = listed entries ranked inside the top fraction / listed entries ranked; "
        "enrichment = found_share / fraction (1 = random).",
        "",
        _fmt(bench.enrichment),
        "",
        "## Median rank per group",
        "",
        _fmt(bench.groups),
        "",
        "## Every listed structure",
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
    src.add_argument("--ranked", type=Path, help="output folder of a finished gfa screen")
    src.add_argument("--out", type=Path, help="run gfa screen core-mof:2019-ASR into this folder")
    ap.add_argument("--workers", type=int, default=2, help="screen worker processes (--out)")
    ap.add_argument("--model", default=None, help="model directory or name (--out)")
    exp = get_settings().paths.experiments
    ap.add_argument("--md", type=Path, default=exp / "screen_benchmark.md")
    ap.add_argument("--figure", type=Path, default=exp / "figures" / "screen_benchmark.png")
    args = ap.parse_args(argv)

    folder = args.ranked or _run_screen(args.out, args.workers, args.model)
    csv = folder / "ranked.csv"
    if not csv.is_file():
        print(f"error: no ranked.csv in {folder} (run gfa screen first)", file=sys.stderr)
        return 1
    ranked = pd.read_csv(csv)
    bench = benchmark(ranked)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])])
    args.md.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(args.md) as tmp:
        tmp.write_text(report(bench, folder, command))
    figure(bench, ranked, args.figure)
    for b in bench.bars:
        print(f"{'PASS' if b.passed else 'FAIL'}  {b.name}: {b.measured}")
    print(bench.enrichment.to_string(index=False))
    print(f"wrote {args.md} and {args.figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
