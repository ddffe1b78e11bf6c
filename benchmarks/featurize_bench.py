"""Benchmark gfa featurize against the naive pymatgen + matminer baseline on CoRE MOF 2019-ASR.

    .venv/bin/python benchmarks/featurize_bench.py            # first 500 structures
    .venv/bin/python benchmarks/featurize_bench.py --all      # all 12,020
    .venv/bin/python benchmarks/featurize_bench.py -n 2000 --jobs 2 --baseline-n 200

Ours: gemmi + cKDTree bond graph + ligand perception, process pool, cold (no cache) and warm
(re-stream the tarball, hash, read the Parquet cache). Baseline (one process): pymatgen
``Structure.from_str`` + matminer Magpie ``ElementProperty`` + ``DensityFeatures`` +
``GlobalSymmetryFeatures``. Per-core ms/structure = wall time x workers / N; CPU ms/structure
counts the CPU seconds of all processes (immune to other load). The machine may be shared: the
1-minute load average is printed before and after so the figures can be judged.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading
import time
import warnings
from itertools import islice
from pathlib import Path

import psutil

from gfa_ml.structures.core_mof import iter_cifs

SET = "2019-ASR"
SOURCE = f"core-mof:{SET}"


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


class _Descendants:
    """Samples CPU seconds and peak RSS of every descendant process (pool workers come from a
    fork server, so they are grandchildren that RUSAGE_CHILDREN never sees)."""

    def __init__(self) -> None:
        self.cpu: dict[int, float] = {}
        self.peak_rss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            for proc in psutil.Process().children(recursive=True):
                try:
                    t = proc.cpu_times()
                    self.cpu[proc.pid] = t.user + t.system
                    self.peak_rss_mb = max(self.peak_rss_mb, proc.memory_info().rss / 2**20)
                except psutil.Error:
                    continue

    def cpu_s(self) -> float:
        return sum(self.cpu.values())


_KIDS = _Descendants()


def _rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return own, _KIDS.peak_rss_mb


def _cpu_s() -> float:
    """CPU seconds of this process plus every (sampled) descendant: the pool workers."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + _KIDS.cpu_s()


def _items(n: int | None) -> list[tuple[str, str, str]]:
    stream = iter_cifs(SET)
    if n is not None:
        stream = islice(stream, n)
    return [(name, text, SOURCE) for name, text in stream]


def run_ours(n: int | None, jobs: int, cache_dir: Path) -> dict[str, float]:
    from gfa_ml.featurize import featurize_many

    t0 = time.perf_counter()
    items = _items(n)
    t_read = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), _cpu_s()
    cold = featurize_many(items, n_jobs=jobs, cache=False, cache_dir=cache_dir, progress=False)
    t_cold, c_cold = time.perf_counter() - t0, _cpu_s() - c0
    del items
    t0 = time.perf_counter()
    warm = featurize_many(
        ((name, text, SOURCE) for name, text in islice(iter_cifs(SET), n)),
        n_jobs=jobs, cache=True, cache_dir=cache_dir, progress=False,
    )
    t_warm = time.perf_counter() - t0
    assert warm.attrs["cache_hits"] == len(cold), "warm run missed the cache"
    n_done = len(cold)
    return {
        "n": n_done,
        "ok": int((cold["status"] == "ok").sum()),
        "partial": int((cold["status"] == "partial").sum()),
        "read_s": t_read,
        "cold_s": t_cold,
        "cold_ms_wall": 1000 * t_cold / n_done,
        "cold_ms_core": 1000 * t_cold * jobs / n_done,
        "cold_ms_cpu": 1000 * c_cold / n_done,
        "warm_s": t_warm,
        "errors": cold.loc[cold["status"] == "error", "error"]
        .str.replace(r"[\d.]+", "N", regex=True).str.slice(0, 60).value_counts().head(6),
        "partials": cold.loc[cold["status"] == "partial", "error"]
        .str.replace(r"[\d.]+", "N", regex=True).str.slice(0, 60).value_counts().head(6),
    }


def run_baseline(n: int) -> dict[str, float]:
    from matminer.featurizers.composition import ElementProperty
    from matminer.featurizers.structure import DensityFeatures, GlobalSymmetryFeatures
    from pymatgen.core import Structure

    magpie = ElementProperty.from_preset("magpie")
    density = DensityFeatures()
    symmetry = GlobalSymmetryFeatures()
    items = _items(n)
    ok = 0
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, text, _ in items:
            try:
                s = Structure.from_str(text, fmt="cif")
                magpie.featurize(s.composition)
                density.featurize(s)
                symmetry.featurize(s)
                ok += 1
            except Exception:  # noqa: BLE001, S112 - the baseline just counts failures
                continue
    t, c = time.perf_counter() - t0, time.process_time() - c0
    return {"n": len(items), "ok": ok, "s": t, "ms": 1000 * t / len(items),
            "ms_cpu": 1000 * c / len(items)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=500, help="number of structures (default 500)")
    ap.add_argument("--all", action="store_true", help="all 12,020 structures")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--baseline-n", type=int, default=None,
                    help="structures for the slow baseline (default: same N)")
    args = ap.parse_args()
    n = None if args.all else args.n
    print(f"load average before: {_load()}  (cores: {os.cpu_count()})")
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_ours(n, args.jobs, Path(tmp))
    print(f"load average after ours: {_load()}")
    base_n = args.baseline_n or ours["n"]
    base = run_baseline(base_n)
    own, kids = _rss_mb()
    print(f"load average after baseline: {_load()}")
    print(f"\nCoRE MOF {SET}: {ours['n']} structures, {ours['ok']} ok, {ours['partial']} partial, "
          f"{ours['n'] - ours['ok'] - ours['partial']} errors, jobs={args.jobs}")
    print(f"  read CIFs from tarball     {ours['read_s']:8.1f} s")
    print(f"  ours cold                  {ours['cold_s']:8.1f} s  "
          f"{ours['cold_ms_wall']:6.1f} ms/structure wall, {ours['cold_ms_core']:6.1f} per core, "
          f"{ours['cold_ms_cpu']:6.1f} CPU")
    print(f"  ours warm (stream+cache)   {ours['warm_s']:8.1f} s")
    print(f"  baseline (1 process, N={base['n']}, {base['ok']} ok) {base['s']:8.1f} s  "
          f"{base['ms']:6.1f} ms/structure wall, {base['ms_cpu']:6.1f} CPU")
    print(f"  speed-up per core (wall)   {base['ms'] / ours['cold_ms_core']:8.1f} x")
    print(f"  speed-up (CPU time)        {base['ms_cpu'] / ours['cold_ms_cpu']:8.1f} x")
    print(f"  peak RSS: main {own:.0f} MB, largest worker/child {kids:.0f} MB")
    print("  most common errors:")
    for reason, count in ours["errors"].items():
        print(f"    {count:6d}  {reason}")
    print("  most common partial reasons:")
    for reason, count in ours["partials"].items():
        print(f"    {count:6d}  {reason}")


if __name__ == "__main__":
    main()
