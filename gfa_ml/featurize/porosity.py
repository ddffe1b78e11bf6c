"""Porosity: CoRE MOF metadata (Zeo++ values) where the structure comes from CoRE, otherwise
Zeo++ through pyzeo (:mod:`gfa_ml.featurize.zeopp`), or a quick geometric estimate on a grid when
pyzeo is not installed, is switched off (``featurize.pore_backend = "grid"``), the cell is too
large or Zeo++ fails on it.

The grid estimate is the fraction of grid points outside every atom's van der Waals sphere (probe
radius 0) and the largest such sphere's diameter (a largest-cavity-diameter proxy, resolution
~ the grid spacing). The pore-limiting diameter needs a percolation analysis (Zeo++, Willems et
al., Microporous Mesoporous Mater. 2012, 149, 134) and is left NaN by the grid estimate.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from gfa_ml.config import get_settings
from gfa_ml.featurize import elements, zeopp
from gfa_ml.structures import core_mof
from gfa_ml.structures.cif import Cell

_NEAREST = 8


def core_mof_pores(id_: str, source: str) -> dict[str, float] | None:
    """Zeo++ void fraction, LCD and PLD from the CoRE table, or None if not a CoRE structure or
    its set ships no pore table (CoRE MOF 2014 in the ``core-mof`` package lists names only:
    its cells get the computed estimate like any other CIF)."""
    core_set = core_mof.parse_source(source) if source else None
    if core_set is None:
        return None
    props = core_mof.properties(core_set)
    if id_ not in props.index or not {"AV_VF", "LCD", "PLD"} <= set(props.columns):
        return None
    row = props.loc[id_]
    return {
        "pore_void_fraction": float(row["AV_VF"]),
        "pore_lcd": float(row["LCD"]),
        "pore_pld": float(row["PLD"]),
    }


def geometric_pores(cell: Cell, z: np.ndarray) -> tuple[dict[str, float], str]:
    """Grid estimate of void fraction and LCD; PLD NaN (with the reason)."""
    volume = cell.volume
    spacing = max(0.7, (volume / get_settings().featurize.pore_max_grid_points) ** (1.0 / 3.0))
    lengths = np.linalg.norm(cell.lattice, axis=1)
    n = np.maximum(1, np.round(lengths / spacing)).astype(int)
    axes = [(np.arange(k) + 0.5) / k for k in n]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3) @ cell.lattice
    shifts = np.array([[a, b, c] for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)])
    atoms = (cell.cart[None] + (shifts @ cell.lattice)[:, None]).reshape(-1, 3)
    radii = np.tile(elements.tables()["vdw"][z], len(shifts))
    k = min(_NEAREST, len(atoms))
    dist, idx = cKDTree(atoms).query(grid, k=k)
    dist, idx = dist.reshape(len(grid), k), idx.reshape(len(grid), k)
    clearance = (dist - radii[idx]).min(axis=1)
    pores = {
        "pore_void_fraction": float((clearance > 0).mean()),
        "pore_lcd": float(max(0.0, 2.0 * clearance.max())),
        "pore_pld": np.nan,
    }
    return pores, "pore_pld needs a percolation analysis (Zeo++); void fraction/LCD are estimates"


def pore_backend() -> str:
    """The backend that computes pores outside CoRE now: "zeo++" only if chosen and installed."""
    chosen = get_settings().featurize.pore_backend
    return "zeo++" if chosen == "zeo++" and zeopp.available() else "grid"


def structure_pores(cell: Cell, z: np.ndarray) -> tuple[dict[str, float], str]:
    """Pore columns of a cell outside CoRE: Zeo++ if it can, else the grid estimate (the reason
    says which and why)."""
    cfg = get_settings().featurize
    why = ""
    if pore_backend() == "zeo++":
        if cell.n_atoms > cfg.pore_zeopp_max_atoms:
            why = f"{cell.n_atoms} atoms > pore_zeopp_max_atoms={cfg.pore_zeopp_max_atoms}"
        else:
            try:
                return zeopp.zeopp_pores(cell.lattice, cell.symbols, cell.frac,
                                         cfg.pore_zeopp_samples, cfg.pore_zeopp_timeout_s), ""
            except zeopp.ZeoppError as exc:
                why = str(exc)
    pores, grid_why = geometric_pores(cell, z)
    return pores, f"{why}: {grid_why}" if why else grid_why
