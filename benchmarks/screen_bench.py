"""Benchmark ``gfa screen`` on CoRE MOF 2019-ASR: cold and warm, local pool vs dask LocalCluster.

Cold = empty feature cache (every CIF featurized); warm = the same screen again into a new
output directory (features from the cache, only predictions rerun: what re-screening with a new
model costs; cache-hit chunks are predicted in the driver, so a warm run never reaches the
executor). The dask runs use a LocalCluster with as many single-threaded worker processes as
the local pool, on the same machine, so the cold ratio is the scheduler's overhead. Cluster
start-up is timed separately and not counted; its workers are restarted before every run, as
the local pool starts new workers for every run.

    python benchmarks/screen_bench.py            # all 12,020 structures
    python benchmarks/screen_bench.py --n 500    # the first 500 names of the set

Bars (issue 5): cold <= 180 s, warm <= 20 s, dask overhead <= 15 % over local.
Needs trained models (``gfa train``) or ``--model-root DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

BARS = {"cold_s": 180.0, "warm_s": 20.0, "dask_overhead": 0.15}


def _screen(names, out: Path, predictor, executor, cache: Path) -> dict:
    from gfa_ml.screen.run import run_screen

    if executor.client is not None:
        # fresh worker processes, like a new local pool: no per-process memo left from a
        # previous run (bond-order perception is memoised per process)
        executor.client.restart()
    os.environ["GFA_CACHE"] = str(cache)
    t0 = time.perf_counter()
    result = run_screen(["core-mof:2019-ASR"], out, predictor, refcodes=names, executor=executor)
    seconds = time.perf_counter() - t0
    n = result.counts["planned"]
    return {"seconds": round(seconds, 2), "structures": n, "per_s": round(n / seconds, 1),
            "ranked": result.counts["ranked"], "errors": result.counts["errors"],
            "cache_hits": result.cache_hits}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=None, help="screen only the first N structures")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model-root", type=Path, default=None, help="models directory")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--pairs", type=int, default=0,
                    help="extra interleaved cold local/dask pairs (alternating order) for a "
                         "median overhead that is robust to load from other jobs")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.predictor import ModelPredictor
    from gfa_ml.structures import core_mof

    names = core_mof.list_names("2019-ASR")
    names = names[: args.n] if args.n else None
    predictor = ModelPredictor.load(root=args.model_root)
    work = Path(tempfile.mkdtemp(prefix="screen_bench_"))
    local = ExecutorSpec("local", args.workers)
    rows: dict[str, dict] = {}
    rows["local cold"] = _screen(names, work / "o1", predictor, local, work / "cache_local")
    print("local cold", rows["local cold"], flush=True)
    rows["local warm"] = _screen(names, work / "o2", predictor, local, work / "cache_local")
    print("local warm", rows["local warm"], flush=True)
    if not args.skip_dask:
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        from gfa_ml.screen.executor import PRELOAD

        # workers import the screening code at start-up, as the local pool's fork server does
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0", preload=PRELOAD) as cluster, \
                Client(cluster) as client:
            startup = time.perf_counter() - t0
            dask = ExecutorSpec("dask", client=client)
            rows["dask cold"] = _screen(names, work / "o3", predictor, dask, work / "cache_dask")
            print("dask cold", rows["dask cold"], flush=True)
            rows["dask warm"] = _screen(names, work / "o4", predictor, dask, work / "cache_dask")
            print("dask warm", rows["dask warm"], flush=True)
            ratios = []
            for k in range(args.pairs):
                order = [("local", local), ("dask", dask)][:: 1 if k % 2 == 0 else -1]
                t = {name: _screen(names, work / f"p{k}{name}", predictor, spec,
                                   work / f"cache_p{k}{name}")["seconds"] for name, spec in order}
                ratios.append(t["dask"] / t["local"])
                print(f"pair {k + 1}: local {t['local']:.1f} s, dask {t['dask']:.1f} s, "
                      f"ratio {ratios[-1]:.2f}", flush=True)
        rows["dask cold"]["cluster_startup_s"] = round(startup, 2)
        if ratios:
            rows["dask cold"]["pair_ratios"] = [round(r, 3) for r in ratios]

    print(f"\n{'run':12s} {'seconds':>9s} {'struct/s':>9s} {'ranked':>7s} {'errors':>7s} "
          f"{'hits':>6s}")
    for name, r in rows.items():
        print(f"{name:12s} {r['seconds']:9.1f} {r['per_s']:9.1f} {r['ranked']:7d} "
              f"{r['errors']:7d} {r['cache_hits']:6d}")
    full = names is None
    cold, warm = rows["local cold"]["seconds"], rows["local warm"]["seconds"]
    print(f"\ncold/warm speed-up: {cold / warm:.1f}x")
    scale = "" if full else f" (subset of {rows['local cold']['structures']}; bars are for all "
    scale += "" if full else "12,020)"
    print(f"cold {cold:.1f} s vs bar {BARS['cold_s']:.0f} s{scale}")
    print(f"warm {warm:.1f} s vs bar {BARS['warm_s']:.0f} s{scale}")
    if "dask cold" in rows:
        for kind in ("cold", "warm"):
            ratio = rows[f"dask {kind}"]["seconds"] / rows[f"local {kind}"]["seconds"]
            rows[f"dask {kind}"]["vs_local"] = round(ratio, 3)
            note = (f"bar +{100 * BARS['dask_overhead']:.0f} %" if kind == "cold" else
                    "warm chunks are predicted in the driver, no executor is involved: "
                    "this ratio is machine noise")
            print(f"dask/local {kind}: {ratio:.2f} (overhead {100 * (ratio - 1):+.0f} %; {note})")
    if rows.get("dask cold", {}).get("pair_ratios"):
        r = sorted(rows["dask cold"]["pair_ratios"])
        print(f"dask/local cold, {len(r)} interleaved pairs: median {r[len(r) // 2]:.2f} "
              f"(range {r[0]:.2f}-{r[-1]:.2f})")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
