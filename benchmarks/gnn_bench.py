"""Benchmark the crystal-graph pipeline on the Td proxy set: graph building (ms/structure, no
cache), training seconds per epoch, inference ms/structure and peak RSS.

    .venv/bin/python benchmarks/gnn_bench.py --structures 300 --epochs 2 --threads 1

``--structures 0`` uses all 2,506 Td structures (graphs from the cache when present, so the
epoch timing is not polluted by parsing). Timings depend on what else runs on the machine:
the script prints the load average next to the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--structures", type=int, default=300, help="0 = all Td structures")
    ap.add_argument("--graph-sample", type=int, default=100, help="structures for graph timing")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    from gfa_ml.config import get_settings
    from gfa_ml.data.td_proxy import load_td_proxy
    from gfa_ml.gnn import train
    from gfa_ml.gnn.crystal_graph import crystal_graph
    from gfa_ml.gnn.graph_cache import GraphCache
    from gfa_ml.gnn.material_graphs import material_graphs
    from gfa_ml.gnn.model import CrystalGNN
    from gfa_ml.structures.cif import parse_structure
    from gfa_ml.structures.core_mof import iter_cifs

    cfg = get_settings().gnn.model_copy(update={"epochs": args.epochs, "device": args.device,
                                                "patience": args.epochs + 1})
    td = load_td_proxy()
    td = td[td["cif_path"] != ""].set_index("core_name")
    sample = td.sample(min(args.graph_sample, len(td)), random_state=0)
    texts = dict(iter_cifs("2019-ASR", names=sample.index))
    t_parse = t_graph = 0.0
    atoms = 0
    c0 = time.process_time()
    for name, text in texts.items():
        t0 = time.perf_counter()
        s = parse_structure(text, name)
        t1 = time.perf_counter()
        crystal_graph(s, cfg.cutoff_A, cfg.max_neighbors)
        t_parse += t1 - t0
        t_graph += time.perf_counter() - t1
        atoms += len(s)
    c_graph = time.process_time() - c0

    subset = td if args.structures == 0 else td.sample(args.structures, random_state=0)
    t0 = time.perf_counter()
    gs = material_graphs(subset, cfg.cutoff_A, cfg.max_neighbors, cfg.max_atoms, GraphCache())
    t_load = time.perf_counter() - t0
    graphs = [gs.graphs[i] for i in gs.ok]
    y = subset["Td_K"].to_numpy(dtype=float)[gs.ok]
    model = CrystalGNN(cfg.hidden, cfg.n_conv, cfg.cutoff_A, cfg.gaussian_step_A)
    t0 = time.perf_counter()
    hist = train.fit(model, graphs, (y - y.mean()) / y.std(), cfg, val_fraction=0.0)
    t_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    train.predict(model, graphs, cfg.batch_max_atoms, cfg.device)
    t_pred = time.perf_counter() - t0
    n = len(texts)
    report = {
        "graph_parse_ms_per_structure": 1e3 * t_parse / n,
        "graph_build_ms_per_structure": 1e3 * t_graph / n,
        "graph_cpu_ms_per_structure": 1e3 * c_graph / n,
        "graph_sample_mean_atoms": atoms / n,
        "train_structures": len(graphs),
        "train_atoms": int(sum(g.num_nodes for g in graphs)),
        "train_edges": int(sum(g.num_edges for g in graphs)),
        "skipped": len(subset) - len(graphs),
        "graph_load_s": t_load,
        "seconds_per_epoch": [round(h["seconds"], 2) for h in hist],
        "cpu_seconds_per_epoch": [round(h["cpu_seconds"], 2) for h in hist],
        "train_s": t_train,
        "predict_ms_per_structure": 1e3 * t_pred / len(graphs),
        "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": args.threads,
        "load_average_1min": os.getloadavg()[0],
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(report, indent=1))
    print(f"numpy {np.__version__}, torch {torch.__version__}; shared machine: timings include "
          "contention from other processes (see load_average_1min)")


if __name__ == "__main__":
    main()
