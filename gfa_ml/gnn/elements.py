"""Per-element node descriptors shared by crystal and building-block graphs.

A learned embedding per element is complemented by a few physical properties, so that rare
metals seen a handful of times in training still sit near chemically similar ones.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import torch
from pymatgen.core.periodic_table import Element

MAX_Z = 100
PROPERTY_NAMES = ("electronegativity", "atomic_radius", "row", "group", "log_mass", "is_metal")


def _props(z: int) -> list[float]:
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
        float(el.is_metal),
    ]


@lru_cache(maxsize=1)
def element_table() -> torch.Tensor:
    """``[MAX_Z + 1, len(PROPERTY_NAMES)]`` standardised properties; row 0 is unused padding.

    Missing values (noble-gas electronegativity) become the column mean, i.e. 0 after scaling.
    """
    raw = np.array([_props(z) for z in range(1, MAX_Z + 1)], dtype=np.float64)
    mean = np.nanmean(raw, axis=0)
    std = np.nanstd(raw, axis=0)
    scaled = np.nan_to_num((raw - mean) / np.where(std > 0, std, 1.0), nan=0.0)
    return torch.tensor(np.vstack([np.zeros(raw.shape[1]), scaled]), dtype=torch.float32)
