"""Magpie composition statistics, vectorised.

Same properties and statistics as matminer's ``ElementProperty.from_preset("magpie")`` (Ward et
al., npj Comput. Mater. 2016, 2, 16028) but computed from a (element x property) numpy table
loaded once, instead of per-call dictionary look-ups: ~20 us instead of ~5 ms per structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from gfa_ml.featurize import elements

_STATS = ("minimum", "maximum", "range", "mean", "avg_dev", "mode")


@lru_cache(maxsize=1)
def _magpie() -> tuple[tuple[str, ...], np.ndarray]:
    from matminer.featurizers.composition import ElementProperty

    ep = ElementProperty.from_preset("magpie")
    props = tuple(ep.features)
    table = np.full((elements.MAX_Z, len(props)), np.nan)
    data = ep.data_source.all_elemental_props
    for sym, z in elements.z_of().items():
        for k, prop in enumerate(props):
            val = data.get(prop, {}).get(sym)
            if val is not None:
                table[z, k] = float(val)
    return props, table


def composition_labels() -> tuple[str, ...]:
    props, _ = _magpie()
    return tuple(f"comp_{stat}_{prop}" for prop in props for stat in _STATS)


def composition_features(counts: Mapping[int, float]) -> dict[str, float]:
    """Magpie statistics of a composition given as {atomic number: amount}."""
    _, table = _magpie()
    zs = np.fromiter(counts.keys(), dtype=int)
    frac = np.fromiter(counts.values(), dtype=float)
    frac = frac / frac.sum()
    vals = table[zs]  # (n_el, n_prop)
    mean = frac @ vals
    stats = np.stack(
        [
            vals.min(axis=0),
            vals.max(axis=0),
            vals.max(axis=0) - vals.min(axis=0),
            mean,
            frac @ np.abs(vals - mean),
            vals[np.isclose(frac, frac.max())].min(axis=0),
        ],
        axis=1,
    )  # (n_prop, n_stat)
    return dict(zip(composition_labels(), stats.ravel().tolist(), strict=True))
