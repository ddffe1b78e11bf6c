"""Metal-ion descriptors, shared by the CIF and the record path (same function, same columns).

Several metals (Co;Zn) are averaged with weights (atom counts in a CIF, equal in a record).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from gfa_ml.featurize import elements

METAL_LABELS = (
    "metal_Z",
    "metal_group",
    "metal_period",
    "metal_mass",
    "metal_electronegativity",
    "metal_covalent_radius",
    "metal_is_transition",
    "metal_is_lanthanide",
    "metal_is_main_group",
    "metal_ox",
    "metal_ionic_radius",
    "metal_d_electrons",
    "metal_f_electrons",
    "metal_is_d10",
    "metal_hsab",
    "metal_n_kinds",
)


@lru_cache(maxsize=256)
def _element_part(symbol: str) -> tuple[float, ...]:
    from pymatgen.core import Element

    el = Element(symbol)
    lanth = bool(el.is_lanthanoid or el.is_actinoid)
    trans = bool(el.is_transition_metal and not lanth)
    return (
        float(el.Z),
        float(el.group),
        float(el.row),
        float(el.atomic_mass),
        float(el.X) if el.X == el.X else np.nan,
        float(elements.tables()["cov"][el.Z]),
        float(trans),
        float(lanth),
        float(not (trans or lanth)),
    )


@lru_cache(maxsize=1024)
def _ion_part(symbol: str, ox: float) -> tuple[float, ...]:
    """Oxidation-state dependent part: ox, ionic radius, d/f count, d10 flag, HSAB class."""
    from pymatgen.core import Species

    if ox != ox:
        return (np.nan,) * 6
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "No ionic radius for Na2+!"
            radius = Species(symbol, round(ox)).ionic_radius
    except (ValueError, KeyError):
        radius = None
    d = elements.d_electrons(symbol, ox)
    return (
        float(ox),
        float(radius) if radius is not None else np.nan,
        d,
        elements.f_electrons(symbol, ox),
        float(d == 10.0),
        elements.hsab_class(symbol, ox),
    )


def common_oxidation_state(symbol: str) -> float:
    """Most common positive oxidation state (pymatgen data), NaN if none."""
    from pymatgen.core import Element

    states = [s for s in Element(symbol).common_oxidation_states if s > 0]
    return float(states[0]) if states else float("nan")


def merge_ions(
    metals: Sequence[str], ox_states: Sequence[float], weights: Sequence[float] | None = None
) -> tuple[list[tuple[str, float]], np.ndarray]:
    """Distinct (metal, oxidation state) pairs and their normalised weights.

    Repeated pairs are merged first, so one Zn and six Zn give bit-identical values (CIF and
    record paths must agree exactly).
    """
    merged: dict[tuple[str, float], float] = {}
    for k, (sym, ox) in enumerate(zip(metals, ox_states, strict=True)):
        w_k = 1.0 if weights is None else float(weights[k])
        merged[(sym, float(ox))] = merged.get((sym, float(ox)), 0.0) + w_k
    w = np.asarray(list(merged.values()), dtype=float)
    return list(merged), w / w.sum() if len(w) else w


def metal_features(
    metals: Sequence[str], ox_states: Sequence[float], weights: Sequence[float] | None = None
) -> dict[str, float]:
    """Weighted mean of per-metal descriptors; ``ox_states`` aligned with ``metals`` (NaN ok)."""
    if not metals:
        return dict.fromkeys(METAL_LABELS, np.nan)
    ions, w = merge_ions(metals, ox_states, weights)
    arr = np.asarray([(*_element_part(s), *_ion_part(s, ox)) for s, ox in ions], dtype=float)
    mean = w @ np.nan_to_num(arr)
    mean[np.isnan(arr).any(axis=0)] = np.nan
    out = dict(zip(METAL_LABELS[:-1], mean.tolist(), strict=True))
    out["metal_n_kinds"] = float(len(set(metals)))
    return out
