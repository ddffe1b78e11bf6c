"""CHGNet crystal embeddings of the Td-proxy structures, and what they cost on this CPU.

CHGNet (Deng et al., Nat. Mach. Intell. 2023, 5, 1031) is a universal interatomic potential
pretrained on the Materials Project trajectories; its weights ship inside the PyPI wheel
(``pip install chgnet==0.4.2``, which keeps torch 2.13.0), so nothing is downloaded. For each
CoRE 2019-ASR CIF of the Td set this writes the 64-number crystal feature vector of model
0.3.0 (``chg_00``..``chg_63``) and its energy per atom (``chg_e``), one torch thread, to a
Parquet file that ``benchmarks/td_ablation.py --chgnet FILE`` ablates.

    python benchmarks/td_chgnet.py --out chgnet_td.parquet [--n 100]

Cost: printed as CPU seconds per structure and per atom (one process, one thread).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import pandas as pd

from gfa_ml.io.atomic import write_parquet_atomic


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=None, help="only the first N structures")
    ap.add_argument("--max-atoms", type=int, default=3000)
    args = ap.parse_args()

    import torch
    from chgnet.model import CHGNet
    from pymatgen.core import Structure

    from gfa_ml.data.td_proxy import load_td_proxy
    from gfa_ml.structures import core_mof

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")  # pymatgen CIF-reading notes on every CoRE file
    model = CHGNet.load(model_name="0.3.0", use_device="cpu", verbose=False)
    names = [p.split("/")[-1] for p in load_td_proxy()["cif_path"] if p][: args.n]
    rows, t_all, atoms = [], time.process_time(), 0
    for k, (name, text) in enumerate(core_mof.iter_cifs("2019-ASR", names)):
        t0 = time.process_time()
        try:
            s = Structure.from_str(text, fmt="cif")
            if len(s) > args.max_atoms:
                raise ValueError(f"{len(s)} atoms > {args.max_atoms}")
            with torch.no_grad():
                out = model.predict_structure(s, return_crystal_feas=True, task="e")
            row = {"id": name, "n_atoms": len(s), "chg_e": float(out["e"]),
                   **{f"chg_{i:02d}": float(v) for i, v in enumerate(out["crystal_fea"])}}
            atoms += len(s)
        except Exception as exc:  # noqa: BLE001 - one structure never stops the run
            row = {"id": name, "error": " ".join(str(exc).split())[:200]}
        row["cpu_s"] = time.process_time() - t0
        rows.append(row)
        if k % 250 == 0:
            print(f"{k + 1}/{len(names)}: {time.process_time() - t_all:.0f} CPU s", flush=True)
    df = pd.DataFrame(rows)
    write_parquet_atomic(df, args.out)
    cpu = time.process_time() - t_all
    done = df["error"].isna() if "error" in df else pd.Series(True, index=df.index)
    print(f"{int(done.sum())} embedded, {int((~done).sum())} failed; {cpu:.0f} CPU s in all: "
          f"{cpu / len(df):.2f} s per structure, {1000 * cpu / max(atoms, 1):.2f} ms per atom "
          f"(mean {atoms / max(int(done.sum()), 1):.0f} atoms)")


if __name__ == "__main__":
    main()
