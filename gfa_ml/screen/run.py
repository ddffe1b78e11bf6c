"""One screen end to end: plan -> feature engine (cache look-up) -> chunks on an executor ->
checkpoints -> ranking -> report.

The output directory holds ``ranked.csv``/``ranked.parquet``, ``errors.csv``, ``report.html``
(with its PNGs and the top candidates' CIFs) and the ``.checkpoints`` a ``--resume`` continues.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.featurize.engine import FeatureEngine
from gfa_ml.io.atomic import write_csv_atomic, write_parquet_atomic
from gfa_ml.screen.checkpoint import Checkpoints
from gfa_ml.screen.executor import ExecutorSpec, map_chunks
from gfa_ml.screen.filters import Filters
from gfa_ml.screen.rank import SERVED, failures, rank
from gfa_ml.screen.report import write_report
from gfa_ml.screen.result import ScreenResult
from gfa_ml.screen.sources import SourcePlan, covered, plan_sources, refcodes_digest
from gfa_ml.screen.task import Chunk, ChunkResult, ChunkTask, Predictor
from gfa_ml.structures.inputs import CifItem

#: callback(done, total) after each chunk: drives the progress bar (and lets tests interrupt)
ProgressFn = Callable[[int, int], None]


def _chunks(
    items: Iterator[CifItem], engine: FeatureEngine, size: int, ship_hit_texts: bool,
) -> Iterator[Chunk]:
    """Group the stream into chunks; cache hits travel as feature rows, not CIF text."""
    todo: list[CifItem] = []
    keys: list[str] = []
    hits: list[tuple[str, CifItem]] = []
    texts: dict[str, str] = {}
    hit_texts: dict[str, str] = {}
    hit_size = size * get_settings().screen.cached_chunk_factor

    def emit() -> Chunk:
        chunk = Chunk(list(todo), list(keys), engine.lookup(hits) if hits else None, dict(texts),
                      dict(hit_texts))
        for buf in (todo, keys, hits, texts, hit_texts):
            buf.clear()
        return chunk

    for item in items:
        texts[item.id] = item.cif_text
        key = engine.key(item)
        if key in engine:
            hits.append((key, item))
            if ship_hit_texts:
                hit_texts[item.id] = item.cif_text
        else:
            todo.append(item)
            keys.append(key)
        if len(todo) >= size or len(hits) >= hit_size:
            yield emit()
    if todo or hits:
        yield emit()


class BestCandidates:
    """The running top-N rows of a screen with their CIF text (for cifs/ beside the report)."""

    def __init__(self, n: int):
        self.n = n
        self.rows = pd.DataFrame()
        self.texts: dict[str, str] = {}

    def update(self, rows: pd.DataFrame, texts: dict[str, str]) -> None:
        ok = rows[rows["status"].isin(SERVED)]
        if ok.empty or not texts:
            return
        both = pd.concat([self.rows, ok], ignore_index=True) if len(self.rows) else ok
        self.rows = both[both["id"].isin(set(rank(both)["id"][: self.n]))]
        keep = set(self.rows["id"])
        self.texts = {k: v for k, v in {**self.texts, **texts}.items() if k in keep}


def _failed_chunk(chunk: Chunk, exc: BaseException) -> ChunkResult:
    msg = " ".join(f"worker failed: {type(exc).__name__}: {exc}".split())[:300]
    ids = chunk.ids()
    rows = pd.DataFrame({"id": [i for i, _ in ids], "source": [s for _, s in ids],
                         "status": "error", "error": msg})
    return ChunkResult(rows, pd.DataFrame())


def fingerprint(
    specs: list[str], refcodes: list[str] | None, filters: Filters, predictor: Predictor
) -> dict[str, object]:
    """What must match for ``--resume`` to continue a screen rather than start over."""
    return {
        "inputs": list(specs),
        "refcodes": refcodes_digest(refcodes),
        "filters": filters.describe(),
        "model": predictor.describe(),
        "featurizer": get_settings().featurize.cache_version,
    }


def run_screen(
    specs: Iterable[str],
    out_dir: Path,
    predictor: Predictor,
    *,
    filters: Filters | None = None,
    refcodes: list[str] | None = None,
    executor: ExecutorSpec | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    use_cache: bool = True,
    top_n: int | None = None,
    progress: ProgressFn | None = None,
) -> ScreenResult:
    """Screen ``specs`` into ``out_dir``; a KeyboardInterrupt leaves resumable checkpoints."""
    cfg = get_settings()
    specs = list(specs) or [cfg.screen.default_subset]
    filters = filters or Filters()
    executor = executor or ExecutorSpec(cfg.screen.executor, cfg.screen.n_workers)
    chunk_size = chunk_size or cfg.screen.chunk_size
    # featurize at the configured limit (shared cache keys); --max-atoms is a filter on top
    max_atoms = max(filters.max_atoms or 0, cfg.featurize.max_atoms)
    out_dir = Path(out_dir)
    t0 = time.perf_counter()

    # a graph model reads the CIF itself: cache hits then travel with their text too
    ship_texts = bool(getattr(predictor, "needs_structures", False))
    plan = plan_sources(specs, refcodes, filters.core_prefilter)
    ckpt = Checkpoints(out_dir, fingerprint(specs, refcodes, filters, predictor))
    ckpt.start(resume)
    done_ids = ckpt.done_ids()
    done_entries = covered(done_ids)
    done = sum(1 for k, _ in plan.entries() if k in done_entries)
    if progress:
        progress(done, plan.total)

    engine = FeatureEngine(use_cache, max_atoms, flush_rows=cfg.screen.cache_flush_rows)
    task = ChunkTask(predictor, filters, max_atoms)
    top_n = top_n or cfg.screen.top_n
    best = BestCandidates(top_n)
    computed = 0
    try:
        chunks = _chunks(plan.iter_items(skip=done_ids), engine, chunk_size, ship_texts)
        # cache-hit chunks only need predictions: cheaper in this process than shipping them
        cheap = lambda c: not c.needs_worker  # noqa: E731 - one predicate, used once
        for chunk, result in map_chunks(task, chunks, executor, inline=cheap):
            if not isinstance(result, ChunkResult):
                result = _failed_chunk(chunk, result)
            ckpt.write(result.rows)
            engine.add(result.fresh)
            best.update(result.rows, chunk.texts)
            computed += len(chunk)
            done += len(chunk)
            if progress:
                progress(done, plan.total)
    finally:
        engine.flush()

    result = _finish(plan, specs, ckpt.load(), out_dir)
    result.seconds = time.perf_counter() - t0
    result.computed = computed
    result.cache_hits = engine.hits
    write_report(result, predictor, filters, executor, top_n, best.texts)
    return result


def _finish(
    plan: SourcePlan, specs: list[str], results: pd.DataFrame, out_dir: Path,
) -> ScreenResult:
    """Write ranked.csv/.parquet and errors.csv from all checkpointed rows."""
    seen = covered(results["id"])
    missing = [{"id": k, "source": s, "status": "error", "error": f"not found in {s}"}
               for k, s in plan.entries() if k not in seen]
    early = [{"id": e.id, "source": e.source, "status": "error", "error": e.error}
             for e in plan.errors]
    extra = pd.DataFrame(missing + early, columns=["id", "source", "status", "error"])
    everything = pd.concat([results, extra], ignore_index=True) if len(extra) else results

    ranked = rank(everything)
    errors = failures(everything)
    write_csv_atomic(ranked, out_dir / "ranked.csv")
    write_parquet_atomic(ranked, out_dir / "ranked.parquet")
    write_csv_atomic(errors, out_dir / "errors.csv")

    status = Counter(results["status"])
    counts = {
        "planned": plan.total,
        "excluded by CoRE metadata": sum(plan.excluded.values()),
        "screened": int(status.get("ok", 0) + status.get("partial", 0)
                        + status.get("filtered", 0)),
        "partial (ligand or disorder caveat)": int(status.get("partial", 0)),
        "excluded by feature filters": int(status.get("filtered", 0)),
        "ranked": len(ranked),
        "errors": len(errors),
    }
    excluded = {f"{k} (CoRE metadata)": int(v) for k, v in plan.excluded.items()}
    filtered = results.loc[results["status"] == "filtered", "error"].value_counts()
    excluded.update({str(k): int(v) for k, v in filtered.items()})
    return ScreenResult(out_dir, specs, ranked, errors, counts, excluded)
