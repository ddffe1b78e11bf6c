"""Where known melters and known non-melters land in a screen ranking (the screening benchmark).

The list (``datasets/benchmarks/screen_known.csv``) names CoRE MOF 2019-ASR structures whose
melt-or-decompose behaviour a source states, with the evidence per row. Given ``ranked.csv`` of
``gfa screen``, this module reports each listed structure's rank, the median rank per group,
the enrichment of melters and non-melters in the top fractions of the ranking (fraction found
there over the fraction expected at random), and two bars as pass/fail lines. Most listed
structures are training materials of the model that made the ranking, so these figures are
in-sample; the benchmark that scores materials the model never saw is the
leave-composition-out one (:mod:`gfa_ml.evaluation.screen_benchmark`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from gfa_ml.config import get_settings
from gfa_ml.data.columns import FIRM_STRENGTHS, LABEL_STRENGTHS

#: group whose median rank is the issue's headline bar
MELTER_GROUP = "Zn(Im)2 polymorph"
#: label support strong enough for the "verified only" reading of the bars
#: the bars: melter median inside this top fraction; non-melters need p below this
TOP_FRACTION_BAR = 0.05
P_MELTABLE_CUT = 0.5


def _text(required: bool = True) -> pa.Column:
    checks = [pa.Check.str_length(min_value=1)] if required else []
    return pa.Column(str, checks=checks, nullable=not required)


KNOWN_SCHEMA = pa.DataFrameSchema(
    {
        "core_id": pa.Column(str, unique=True),
        "material": _text(),
        "group": _text(),
        "melts": pa.Column(str, pa.Check.isin(["yes", "no"])),
        "support": pa.Column(str, pa.Check.isin(list(LABEL_STRENGTHS))),
        "measured_id": _text(required=False),
        "source_doi": _text(required=False),
        "source_url": _text(required=False),
        "citation": _text(required=False),
        "source_location": _text(),
        "note": _text(),
    },
    checks=pa.Check(
        lambda df: df["source_doi"].notna() | (df["source_url"].notna() & df["citation"].notna()),
        error="every row needs a source_doi, or a source_url with a citation",
    ),
    strict=True,
)


def load_known(path: Path | None = None) -> pd.DataFrame:
    """The curated list, validated (a row without evidence is refused, not skipped)."""
    path = Path(path or get_settings().paths.screen_known_csv)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", pd.NA)
    return KNOWN_SCHEMA.validate(frame)


def locate(ranked: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """One row per listed structure with its rank, percentile (100 = last), p, Tm and Td;
    a structure the screen did not rank keeps NaN there (it is in errors.csv or not screened)."""
    n = len(ranked)
    cols = ["id", "rank", "p_meltable", "Tm_K", "Td_K"]
    out = known.merge(ranked[cols], left_on="core_id", right_on="id", how="left").drop(
        columns="id")
    out["percentile"] = 100.0 * out["rank"] / n
    return out


def _in_top(located: pd.DataFrame, fraction: float, n: int) -> pd.Series:
    return located["rank"] <= fraction * n


def group_summary(located: pd.DataFrame, n: int) -> pd.DataFrame:
    """Per group: entries listed, entries ranked, median rank and its percentile."""
    g = located.groupby(["group", "melts"], sort=False)
    out = g.agg(listed=("core_id", "size"), ranked=("rank", "count"),
                median_rank=("rank", "median"), median_p=("p_meltable", "median")).reset_index()
    out["median_percentile"] = 100.0 * out["median_rank"] / n
    return out.sort_values(["melts", "median_rank"], ascending=[False, True],
                           ignore_index=True)


def enrichment(located: pd.DataFrame, n: int,
               fractions: tuple[float, ...] | None = None) -> pd.DataFrame:
    """Known melters / non-melters in the top fraction f of the ranking: found / ranked,
    divided by f (1 = random, >1 enriched, <1 depleted)."""
    fractions = fractions or get_settings().screen.enrichment_fractions
    rows = []
    for melts, part in located.groupby("melts", sort=False):
        ranked = part.dropna(subset=["rank"])
        for f in fractions:
            found = int(_in_top(ranked, f, n).sum())
            share = found / len(ranked) if len(ranked) else math.nan
            rows.append({"melts": melts, "top": f, "cutoff_rank": math.floor(f * n),
                         "ranked": len(ranked), "found": found, "found_share": share,
                         "enrichment": share / f})
    return pd.DataFrame(rows).sort_values(["melts", "top"], ascending=[False, True],
                                          ignore_index=True)


@dataclass(frozen=True)
class Bar:
    """One bar: what it asks, what was measured, and whether it holds."""

    name: str
    measured: str
    passed: bool


def check_bars(located: pd.DataFrame, ranked: pd.DataFrame,
               supports: tuple[str, ...] | None = None) -> list[Bar]:
    """The two screen bars; ``supports`` limits the listed rows (e.g. to measured and stated
    labels)."""
    n = len(ranked)
    rows = located if supports is None else located[located["support"].isin(supports)]
    melters = rows[(rows["group"] == MELTER_GROUP)].dropna(subset=["rank"])
    median = float(melters["rank"].median()) if len(melters) else math.nan
    cutoff = TOP_FRACTION_BAR * n
    bars = [Bar(f"{MELTER_GROUP} median rank inside the top {TOP_FRACTION_BAR:.0%} "
                f"(rank <= {cutoff:.0f} of {n})",
                f"median rank {median:.0f} of {len(melters)} entries "
                f"({100 * median / n:.1f} %)", bool(median <= cutoff))]
    non = rows[rows["melts"] == "no"].dropna(subset=["rank"])
    bad = non[(non["rank"] <= median) | (non["p_meltable"] >= P_MELTABLE_CUT)]
    if math.isnan(median):
        bad = non
    groups = ", ".join(sorted(bad["group"].unique())) or "none"
    bars.append(Bar(f"known non-melters ranked below that median with p < {P_MELTABLE_CUT}",
                    f"{len(bad)} of {len(non)} entries fail (groups: {groups})",
                    bool(len(non) and bad.empty)))
    return bars


@dataclass(frozen=True)
class Benchmark:
    """Everything the screening benchmark reports for one ranking."""

    n_ranked: int
    located: pd.DataFrame
    groups: pd.DataFrame
    enrichment: pd.DataFrame
    bars: list[Bar]
    bars_strong: list[Bar]


def benchmark(ranked: pd.DataFrame, known: pd.DataFrame | None = None) -> Benchmark:
    """Run the whole benchmark on a ranking (``ranked.csv`` of ``gfa screen``)."""
    known = load_known() if known is None else known
    located = locate(ranked, known)
    n = len(ranked)
    return Benchmark(n, located, group_summary(located, n), enrichment(located, n),
                     check_bars(located, ranked), check_bars(located, ranked, FIRM_STRENGTHS))
