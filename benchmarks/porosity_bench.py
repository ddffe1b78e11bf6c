"""Pore columns outside CoRE: Zeo++ (pyzeo, child process) vs the grid estimate, against the
Zeo++ numbers CoRE MOF 2019-ASR ships (AV_VF, LCD, PLD), on the same structures in one run.

    .venv/bin/python benchmarks/porosity_bench.py          # first 50 structures of the tarball
    .venv/bin/python benchmarks/porosity_bench.py -n 100

Both backends see the same parsed cell (``parse_cell``); the CoRE look-up is bypassed. Per
structure: wall time of each backend (Zeo++ includes the child interpreter start), then MAE and
Pearson r against CoRE and the time ratio Zeo++ / grid. Cells over ``pore_zeopp_max_atoms`` are
skipped (the featurizer sends them to the grid); a Zeo++ failure is counted and listed. The
1-minute load average is printed so the times can be judged on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import time
from itertools import islice

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.featurize import zeopp
from gfa_ml.featurize.porosity import geometric_pores
from gfa_ml.featurize.structure import atomic_numbers
from gfa_ml.structures import core_mof
from gfa_ml.structures.cif import parse_cell

SET = "2019-ASR"
TARGETS = {"pore_void_fraction": "AV_VF", "pore_lcd": "LCD", "pore_pld": "PLD"}


def measure(n: int) -> tuple[pd.DataFrame, list[str]]:
    cfg = get_settings().featurize
    props = core_mof.properties(SET)
    rows, failed = [], []
    for name, text in islice(core_mof.iter_cifs(SET), n):
        cell = parse_cell(text)
        if cell.n_atoms > cfg.pore_zeopp_max_atoms:
            continue
        t0 = time.perf_counter()
        grid, _ = geometric_pores(cell, atomic_numbers(cell))
        t_grid = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            zeo = zeopp.zeopp_pores(cell.lattice, cell.symbols, cell.frac,
                                    cfg.pore_zeopp_samples, cfg.pore_zeopp_timeout_s)
        except zeopp.ZeoppError as exc:
            failed.append(f"{name}: {exc}")
            continue
        t_zeo = time.perf_counter() - t0
        row = {"name": name, "n_atoms": cell.n_atoms, "t_grid": t_grid, "t_zeo": t_zeo}
        for col, core_col in TARGETS.items():
            row[f"core_{col}"] = float(props.loc[name, core_col])
            row[f"zeo_{col}"] = zeo[col]
            row[f"grid_{col}"] = grid[col]
        rows.append(row)
    return pd.DataFrame(rows), failed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=50, help="structures from the tarball (default 50)")
    args = ap.parse_args()
    if not zeopp.available():
        raise SystemExit("pyzeo is not installed: pip install pyzeo")
    print(f"load average before: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    df, failed = measure(args.n)
    print(f"load average after:  {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"\nCoRE MOF {SET}: {len(df)} structures compared (median {df.n_atoms.median():.0f} "
          f"atoms), {len(failed)} Zeo++ failures")
    print(f"{'column':20s} {'backend':8s} {'MAE':>8s} {'r':>7s}  (vs CoRE's Zeo++ values)")
    for col in TARGETS:
        for backend in ("zeo", "grid"):
            pred, ref = df[f"{backend}_{col}"], df[f"core_{col}"]
            ok = pred.notna()
            if not ok.any():
                print(f"{col:20s} {backend:8s} {'n/a':>8s} {'n/a':>7s}")
                continue
            mae = float((pred[ok] - ref[ok]).abs().mean())
            r = float(np.corrcoef(pred[ok], ref[ok])[0, 1])
            print(f"{col:20s} {backend:8s} {mae:8.3f} {r:7.3f}")
    print(f"\nper structure: Zeo++ median {1000 * df.t_zeo.median():.0f} ms "
          f"(max {1000 * df.t_zeo.max():.0f} ms, {(df.t_zeo > 1).mean():.0%} over 1 s), "
          f"grid median {1000 * df.t_grid.median():.0f} ms")
    print(f"ratio Zeo++ / grid: {df.t_zeo.sum() / df.t_grid.sum():.1f}x total time, "
          f"{(df.t_zeo / df.t_grid).median():.1f}x median per structure")
    for line in failed:
        print(f"  Zeo++ failed: {line}")


if __name__ == "__main__":
    main()
