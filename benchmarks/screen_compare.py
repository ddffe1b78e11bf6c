"""Two versions of the code screen the same CoRE 2019-ASR set side by side, in one run.

Both ``benchmarks/screen_bench.py --skip-dask`` runs start at the same moment, each from its
own checkout with its own trained models and an empty feature cache, so both see the same load
on a shared machine; the ratio of their cold (and warm) times is the figure to quote.

    git archive BASE_COMMIT | tar -x -C /tmp/base          # the older checkout
    (cd /tmp/base && PYTHONPATH=/tmp/base gfa train --target all --trials 0)
    gfa train --target all --trials 0                      # this checkout's models
    python benchmarks/screen_compare.py --base /tmp/base [--n 2000]

Bar (issue 24): the cold screen with this checkout's default path <= 2x the base's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _start(tree: Path, out: Path, n: int | None) -> subprocess.Popen:
    cmd = [sys.executable, str(tree / "benchmarks" / "screen_bench.py"), "--skip-dask",
           "--model-root", str(tree / "models"), "--json", str(out)]
    if n:
        cmd += ["--n", str(n)]
    env = {**os.environ, "PYTHONPATH": str(tree), "GFA_HOME": str(tree)}
    return subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", type=Path, required=True, help="checkout of the older code")
    ap.add_argument("--n", type=int, default=None, help="only the first N structures")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="screen_compare_"))
    trees = {"base": args.base.resolve(), "this": HERE}
    procs = {name: _start(tree, work / f"{name}.json", args.n) for name, tree in trees.items()}
    for name, proc in procs.items():
        log, _ = proc.communicate()
        print(f"--- {name} ({trees[name]})\n{log}", flush=True)
        if proc.returncode:
            raise SystemExit(f"{name}: screen_bench.py exited with {proc.returncode}")
    rows = {name: json.loads((work / f"{name}.json").read_text()) for name in trees}
    for kind in ("cold", "warm"):
        a, b = rows["base"][f"local {kind}"], rows["this"][f"local {kind}"]
        print(f"{kind}: base {a['seconds']:.1f} s, this {b['seconds']:.1f} s -> "
              f"{b['seconds'] / a['seconds']:.2f}x ({a['structures']} structures; ranked "
              f"{a['ranked']} / {b['ranked']}, errors {a['errors']} / {b['errors']})")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
