"""Leave-composition-out screening benchmark: would the screen find a glass former it never saw?

A screen exists to rank frameworks nobody has measured, so its benchmark must score materials the
model was not trained on. For each composition of the screening list
(``datasets/benchmarks/screen_known.csv``; all Zn(Im)2 polymorphs are one composition), the
served meltability model is trained again without that composition — its measured rows and every
Td-proxy CoRE structure of it, matched by composition (metal + organic linkers as coordinated),
never by refcode (:mod:`gfa_ml.models.identity`) — and the full CoRE 2019-ASR set
is ranked by it exactly as ``gfa screen`` ranks (:func:`gfa_ml.screen.rank.rank`). Where the
held-out composition's structures land is the headline; the same list ranked by the served
model, which trained on most of these materials, is reported apart as in-sample.

Pass / fail per composition: a melter's structures have their median rank inside the top
``TOP_FRACTION_BAR`` of the ranking; a non-melter's structures all lie below that cut with
p < 0.5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.evaluation.cv import ModelSpec, fold_bundle, inner_folds
from gfa_ml.models.identity import keys as identity_keys
from gfa_ml.models.identity import metal_set, same_material
from gfa_ml.models.predict import predict_frame
from gfa_ml.models.store import ModelBundle
from gfa_ml.models.training_data import TrainingSet
from gfa_ml.screen.enrichment import P_MELTABLE_CUT, TOP_FRACTION_BAR
from gfa_ml.screen.rank import rank


def compositions(known: pd.DataFrame, core: pd.DataFrame) -> pd.Series:
    """Composition key of each listed structure: its CoRE CIF's metals + linkers. A structure
    whose linkers were not perceived takes the key of its list group's structures with the
    same metals (one curated material), else its group as the key."""
    feats = core.reindex(known["core_id"])
    comp = pd.Series(identity_keys(feats)["composition"].to_numpy(), index=known["core_id"])
    metals = feats["metals"].fillna("").astype(str).to_numpy()
    by = pd.DataFrame({"group": known["group"].to_numpy(), "metals": metals,
                       "comp": comp.to_numpy()}, index=comp.index)
    seen = by[by["comp"] != ""].groupby(["group", "metals"])["comp"].agg(
        lambda c: c.value_counts().index[0])
    fill = [seen.get((g, m), f"group:{g}") for g, m in zip(by["group"], by["metals"],
                                                            strict=True)]
    return comp.where(comp != "", pd.Series(fill, index=comp.index)).rename("composition")


def rank_core(core: pd.DataFrame, bundles: dict[str, ModelBundle]) -> pd.DataFrame:
    """The full set ranked as ``gfa screen`` ranks it (p_meltable, complete answers first)."""
    pred = predict_frame(core, bundles, tct=False)
    pred["source"] = "core-mof:2019-ASR"
    return rank(pred)


def _locate(ranked: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    return ranked.set_index("id").reindex(ids)[["rank", "p_meltable", "status"]]


@dataclass
class ScreenBenchmark:
    """Per composition of the list: held out rows, where its structures land, pass/fail."""

    table: pd.DataFrame
    #: every listed structure with its leave-composition-out and in-sample rank and p
    rows: pd.DataFrame
    n_ranked: int


def _verdict(melts: str, ranks: pd.Series, p: pd.Series, n: int) -> tuple[bool, str]:
    cut = TOP_FRACTION_BAR * n
    if melts == "yes":
        med = float(ranks.median())
        return med <= cut, f"median rank {med:.0f} {'<=' if med <= cut else '>'} {cut:.0f}"
    worst = float(ranks.min())
    ok = bool(worst > cut and (p < P_MELTABLE_CUT).all())
    return ok, f"best rank {worst:.0f}, max p {p.max():.2f}"


def leave_composition_out(
    ts: TrainingSet, core: pd.DataFrame, known: pd.DataFrame, served: dict[str, ModelBundle],
    model: str = "xgb", seed: int | None = None, log: Callable[[str], None] = print,
) -> ScreenBenchmark:
    """Run the benchmark (module docstring): ``ts`` is the served meltability training set,
    ``core`` the feature frame of CoRE 2019-ASR (index = CoRE name), ``served`` the trained
    bundles (for the in-sample table); models are untuned."""
    s = get_settings()
    seed = s.seed if seed is None else seed
    spec = ModelSpec.parse(model)
    comp = compositions(known, core)
    metals = core.reindex(comp.index)["metals"].fillna("").astype(str)
    listed_keys = pd.DataFrame({"composition": comp, "metals": [metal_set(v) for v in metals]},
                               index=comp.index)
    in_sample = rank_core(core, {ts.target.name: served[ts.target.name]})
    n = len(in_sample)
    table, rows = [], []
    for key, ids in comp.groupby(comp, sort=False):
        part = known.set_index("core_id").loc[ids.index]
        melts = part["melts"].iloc[0]
        held = same_material(listed_keys.loc[ids.index], ts.keys.reindex(ts.X.index))
        held |= ts.X.index.isin(ids.index)
        measured = ts.X.index[held & ~ts.train_only]
        log(f"leave out {key}: {len(measured)} measured, {int((held & ts.train_only).sum())} "
            "proxies")
        tr = ~held & ts.fit_rows
        bundle = fold_bundle(spec, ts, tr, {}, inner_folds(ts, tr, seed), s.models.coverage)
        lco = _locate(rank_core(core, {ts.target.name: bundle}), list(ids.index))
        ins = _locate(in_sample, list(ids.index))
        ok, why = _verdict(melts, lco["rank"], lco["p_meltable"], n)
        table.append({
            "composition": key, "material": part["material"].iloc[0], "melts": melts,
            "support": ", ".join(sorted(set(part["support"]))), "CoRE entries": len(ids),
            "held out: measured": ", ".join(measured) or "none",
            "held out: proxies": int((held & ts.train_only).sum()),
            "median rank": float(lco["rank"].median()),
            "median percentile": 100.0 * float(lco["rank"].median()) / n,
            "median p": float(lco["p_meltable"].median()), "pass": ok, "why": why,
            "in-sample median rank": float(ins["rank"].median()),
            "in-sample median p": float(ins["p_meltable"].median()),
        })
        rows.append(pd.DataFrame({
            "core_id": ids.index, "composition": key, "melts": melts,
            "support": part["support"].to_numpy(), "rank": lco["rank"].to_numpy(),
            "p_meltable": lco["p_meltable"].to_numpy(), "status": lco["status"].to_numpy(),
            "in-sample rank": ins["rank"].to_numpy(),
            "in-sample p": ins["p_meltable"].to_numpy()}))
    return ScreenBenchmark(pd.DataFrame(table), pd.concat(rows, ignore_index=True), n)
