"""Element tables used on the hot path, built once per process as plain numpy arrays.

Covalent radii: Cordero et al., Dalton Trans. 2008, 2832 (via pymatgen). Van der Waals radii and
masses: pymatgen element data. Hard/soft classes: Pearson, J. Am. Chem. Soc. 1963, 85, 3533.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

MAX_Z = 104

# Metals that act as network nodes; metalloids (B, Si, Ge, As, Sb, Te) stay with the ligands.
_METAL_Z = (
    {3, 4, 11, 12, 13, 19, 20, 31, 37, 38, 49, 50, 55, 56, 81, 82, 83, 84, 87, 88}
    | set(range(21, 31))
    | set(range(39, 49))
    | set(range(57, 81))
    | set(range(89, MAX_Z))
)


@lru_cache(maxsize=1)
def _symbols() -> list[str]:
    import gemmi

    return [""] + [gemmi.Element(z).name for z in range(1, MAX_Z)]


@lru_cache(maxsize=1)
def z_of() -> dict[str, int]:
    return {s: z for z, s in enumerate(_symbols()) if s}


def is_metal(symbol: str) -> bool:
    return z_of().get(symbol, 0) in _METAL_Z


@lru_cache(maxsize=1)
def tables() -> dict[str, np.ndarray]:
    """Per-Z arrays: covalent radius, vdW radius, mass, metal flag (index = atomic number)."""
    from pymatgen.analysis.molecule_structure_comparator import CovalentRadius
    from pymatgen.core import Element

    cov = np.full(MAX_Z, 1.5)
    vdw = np.full(MAX_Z, 2.0)
    mass = np.full(MAX_Z, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no vdW radius for Lr" and similar
        for z, sym in enumerate(_symbols()):
            if not sym:
                continue
            el = Element(sym)
            cov[z] = CovalentRadius.radius.get(sym, 1.5)
            if el.van_der_waals_radius is not None:
                vdw[z] = float(el.van_der_waals_radius)
            mass[z] = float(el.atomic_mass)
    metal = np.zeros(MAX_Z, dtype=bool)
    metal[list(_METAL_Z)] = True
    return {"cov": cov, "vdw": vdw, "mass": mass, "metal": metal}


def hsab_class(symbol: str, ox: float) -> float:
    """Pearson class of a metal ion: 0 hard, 1 borderline, 2 soft (NaN if unknown ox)."""
    if ox != ox:
        return float("nan")
    ox_i = round(ox)
    soft = {("Cu", 1), ("Ag", 1), ("Au", 1), ("Au", 3), ("Tl", 1), ("Hg", 1), ("Hg", 2),
            ("Cd", 2), ("Pd", 2), ("Pt", 2), ("Pt", 4), ("Rh", 1), ("Ir", 1)}
    borderline = {("Fe", 2), ("Co", 2), ("Ni", 2), ("Cu", 2), ("Zn", 2), ("Pb", 2), ("Sn", 2),
                  ("Bi", 3), ("Sb", 3), ("Ru", 2), ("Os", 2), ("Rh", 3), ("Ir", 3), ("Cr", 2),
                  ("V", 2)}
    if (symbol, ox_i) in soft:
        return 2.0
    if (symbol, ox_i) in borderline:
        return 1.0
    if symbol in {"Ag", "Au", "Pd", "Pt", "Hg"}:
        return 2.0
    return 0.0


def d_electrons(symbol: str, ox: float) -> float:
    """d-electron count of the ion: group - ox for d-block; 10 for post-transition metals."""
    from pymatgen.core import Element

    if ox != ox:
        return float("nan")
    el = Element(symbol)
    if el.is_transition_metal and not (el.is_lanthanoid or el.is_actinoid) and 3 <= el.group <= 12:
        return float(min(10, max(0, el.group - round(ox))))
    if el.is_post_transition_metal and el.row >= 4:
        return 10.0
    return 0.0


def f_electrons(symbol: str, ox: float) -> float:
    """4f/5f count of a lanthanide/actinide ion (0 elsewhere)."""
    z = z_of()[symbol]
    if ox != ox:
        return float("nan")
    for first in (57, 89):
        if first <= z < first + 15:
            return float(min(14, max(0, z - first + 3 - round(ox))))
    return 0.0


#: the graph networks' element vocabulary (Z = 1..GRAPH_MAX_Z) and per-element node properties
GRAPH_MAX_Z = 100
NODE_PROPERTIES = ("electronegativity", "atomic_radius", "row", "group", "log_mass", "is_metal")


def _node_properties(z: int) -> list[float]:
    from pymatgen.core.periodic_table import Element

    el = Element.from_Z(z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns on missing electronegativities
        x = el.X
        radius = el.atomic_radius
    return [
        float(x) if x == x else np.nan,
        float(radius) if radius is not None else np.nan,
        float(el.row),
        float(el.group),
        float(np.log(float(el.atomic_mass))),
        float(el.is_metal),  # pymatgen's flag (metalloids count), not the node-metal set above
    ]


@lru_cache(maxsize=1)
def node_properties() -> np.ndarray:
    """``[GRAPH_MAX_Z + 1, len(NODE_PROPERTIES)]`` standardised properties; row 0 is padding.

    A learned embedding per element is complemented by these, so that rare metals seen a
    handful of times in training still sit near chemically similar ones. Missing values
    (noble-gas electronegativity) become the column mean, i.e. 0 after scaling.
    """
    raw = np.array([_node_properties(z) for z in range(1, GRAPH_MAX_Z + 1)], dtype=np.float64)
    mean = np.nanmean(raw, axis=0)
    std = np.nanstd(raw, axis=0)
    scaled = np.nan_to_num((raw - mean) / np.where(std > 0, std, 1.0), nan=0.0)
    return np.vstack([np.zeros(raw.shape[1]), scaled])
