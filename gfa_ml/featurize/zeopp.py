"""Zeo++ pore geometry (void fraction, LCD, PLD) through ``pyzeo``, in a child process.

Zeo++ (Willems et al., Microporous Mesoporous Mater. 2012, 149, 134) is what CoRE MOF ships its
pore columns from; ``pyzeo`` (PyPI wheel) wraps it. Zeo++ calls ``exit()`` on some cells
(e.g. CoRE ACUFEK: "Unable to add edge because nodes have not been added") and prints to the C
stdout, so each cell runs in a fresh ``python -I`` running this file as a script: a crash or a
time-out costs that cell its Zeo++ numbers, never the batch. Conventions as CoRE 2019's
columns: Zeo++ default (CCDC) radii; AV_VF is the probe-0 accessible void fraction (Monte Carlo,
seeded, so reruns agree); LCD / PLD from ``-res``. CoRE ran ``-res`` with the high-accuracy
sphere decomposition (``-ha``), which costs ~50 s for a 108-atom cell through pyzeo, so LCD and
PLD here come from the plain radical Voronoi network (see benchmarks/porosity_bench.py for the
agreement with CoRE's numbers and the cost).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the child process imports only the standard library and pyzeo
    import numpy as np


class ZeoppError(RuntimeError):
    """Zeo++ gave no answer for a cell (crashed, timed out, unreadable output)."""


@lru_cache(maxsize=1)
def available() -> bool:
    """True when ``pyzeo`` can be imported (checked without importing it)."""
    return importlib.util.find_spec("pyzeo") is not None


def write_cssr(lattice: np.ndarray, symbols: tuple[str, ...], frac: np.ndarray, path: Path
               ) -> None:
    """A P1 CSSR file of the cell (the plain format Zeo++ reads without symmetry handling)."""
    import numpy as np

    lengths = np.linalg.norm(lattice, axis=1)
    a, b, c = lengths

    def angle(i: int, j: int) -> float:
        cos = float(lattice[i] @ lattice[j] / (lengths[i] * lengths[j]))
        return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))

    lines = [f"{a:.6f} {b:.6f} {c:.6f}",
             f"{angle(1, 2):.6f} {angle(0, 2):.6f} {angle(0, 1):.6f} SPGR =  1 P 1  OPT = 1",
             f"{len(symbols)} 0", "0 gfa_ml"]
    lines += [f"{k} {s} {f[0]:.6f} {f[1]:.6f} {f[2]:.6f} 0 0 0 0 0 0 0 0 0.0"
              for k, (s, f) in enumerate(zip(symbols, frac, strict=True), start=1)]
    path.write_text("\n".join(lines) + "\n")


def zeopp_pores(lattice: np.ndarray, symbols: tuple[str, ...], frac: np.ndarray,
                samples: int, timeout_s: float) -> dict[str, float]:
    """Void fraction, LCD and PLD of one cell; raises :class:`ZeoppError` when Zeo++ fails."""
    with tempfile.TemporaryDirectory(prefix="gfa-zeo-") as tmp:
        cssr, out = Path(tmp) / "cell.cssr", Path(tmp) / "pores.txt"
        write_cssr(lattice, symbols, frac, cssr)
        try:
            script = str(Path(__file__).resolve())
            proc = subprocess.run(
                [sys.executable, "-I", script, str(cssr), str(out), str(samples)],
                capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise ZeoppError(f"Zeo++ took longer than {timeout_s:g} s") from None
        if proc.returncode != 0 or not out.is_file():
            lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
            why = next((ln for ln in lines if "Unable" in ln or "rror" in ln),
                       lines[-1] if lines else "")
            raise ZeoppError(f"Zeo++ failed (exit {proc.returncode}): {why.strip()[:120]}")
        values = out.read_text().split()
    try:
        vf, lcd, pld = (float(v) for v in values)
    except ValueError:
        raise ZeoppError(f"Zeo++ gave unreadable output {' '.join(values)[:80]!r}") from None
    return {"pore_void_fraction": vf, "pore_lcd": lcd, "pore_pld": pld}


def _child(cssr: str, out: str, samples: int) -> None:
    """Run in the child: Zeo++ on ``cssr``; writes 'void_fraction lcd pld' to ``out``."""
    import re

    from pyzeo.extension import AtomNetwork, volume

    net = AtomNetwork.read_from_CSSR(cssr)
    res = Path(out).with_suffix(".res")
    net.calculate_free_sphere_parameters(str(res))
    lcd, pld = res.read_text().split()[1:3]
    report = volume(net, 0.0, 0.0, samples)
    text = report.decode() if isinstance(report, bytes) else str(report)
    vf = re.search(r"AV_Volume_fraction:\s*(\S+)", text).group(1)
    Path(out).write_text(f"{vf} {lcd} {pld}\n")


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
