"""Benchmark ``gfa serve`` against ``gfa predict`` in the same run, then a bounded load test.

Latency of one CIF (ZIF-4) and of 20 CIFs (the first 20 of CoRE MOF 2019-ASR) through
``POST /predict`` vs the same files through the CLI (a fresh ``gfa predict`` process each time,
as a chemist runs it); both read the same feature cache, warmed by one untimed call first, so
the ratio is what keeping the models loaded saves. Then the load test: 200 requests of the
ZIF-4 CIF, 8 at a time, on 127.0.0.1 only; p50 / p95 latency and the error count (bar: 0).

    python benchmarks/serve_bench.py                 # models of the project home (gfa train)
    GFA_HOME=/path/to/project python benchmarks/serve_bench.py --repeats 5
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ZIF4 = "VEJYUF01_clean"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cifs(folder: Path) -> tuple[Path, list[Path]]:
    from gfa_ml.structures.core_mof import iter_cifs, list_names

    names = [ZIF4, *[n for n in list_names("2019-ASR") if n != ZIF4][:19]]
    for name, text in iter_cifs("2019-ASR", names=names):
        (folder / f"{name}.cif").write_text(text)
    return folder / f"{ZIF4}.cif", [folder / f"{n}.cif" for n in names]


def _cli(files: list[Path], out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gfa_ml.cli.main", "predict", *map(str, files),
                    "-o", str(out)], check=True, capture_output=True)
    return time.perf_counter() - t0


def _api(client: httpx.Client, files: list[Path]) -> float:
    t0 = time.perf_counter()
    res = client.post("/predict", files=[("files", (f.name, f.read_bytes())) for f in files])
    res.raise_for_status()
    return time.perf_counter() - t0


def _median(fn, repeats: int) -> float:
    fn()  # warm: feature cache filled, server worker pool started
    return statistics.median(fn() for _ in range(repeats))


def _load(url: str, cif: Path, n: int, concurrency: int) -> dict:
    body = cif.read_bytes()

    def one(_: int) -> tuple[float, int]:
        with httpx.Client(base_url=url, timeout=300) as c:
            t0 = time.perf_counter()
            res = c.post("/predict", files=[("files", (cif.name, body))])
            return time.perf_counter() - t0, res.status_code

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    lat = sorted(r[0] for r in results)
    return {"requests": n, "concurrency": concurrency, "wall_s": round(wall, 1),
            "per_s": round(n / wall, 2), "p50_s": round(lat[len(lat) // 2], 3),
            "p95_s": round(lat[int(0.95 * (len(lat) - 1))], 3),
            "errors": sum(1 for r in results if r[1] != 200)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="timed calls per case (median)")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve_bench_") as tmp:
        one, twenty = _cifs(Path(tmp))
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "gfa_ml.cli.main", "serve",
                                   "--host", "127.0.0.1", "--port", str(port)])
        try:
            t0 = time.perf_counter()
            while True:
                try:
                    httpx.get(f"{url}/health", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    if server.poll() is not None or time.perf_counter() - t0 > 120:
                        raise SystemExit("gfa serve did not start") from None
                    time.sleep(0.2)
            startup = time.perf_counter() - t0
            out = Path(tmp) / "out.csv"
            with httpx.Client(base_url=url, timeout=300) as client:
                lat = {
                    "api_1_cif_s": _median(lambda: _api(client, [one]), args.repeats),
                    "cli_1_cif_s": _median(lambda: _cli([one], out), args.repeats),
                    "api_20_cifs_s": _median(lambda: _api(client, twenty), args.repeats),
                    "cli_20_cifs_s": _median(lambda: _cli(twenty, out), args.repeats),
                }
            report = {"server_startup_s": round(startup, 2),
                      **{k: round(v, 3) for k, v in lat.items()},
                      "cli_over_api_1": round(lat["cli_1_cif_s"] / lat["api_1_cif_s"], 1),
                      "cli_over_api_20": round(lat["cli_20_cifs_s"] / lat["api_20_cifs_s"], 1),
                      "load": _load(url, one, args.requests, args.concurrency)}
        finally:
            server.terminate()
            server.wait(30)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
