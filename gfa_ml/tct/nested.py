"""Leave-one-composition-out predictions for several model variants, and nested selection.

The honest error of "pick the variant with the best leave-one-out score, then fit it" is the
nested estimate: for each held-out composition k, every candidate variant is scored by an inner
leave-one-out over the *training* compositions only, the best is refitted without k and predicts
k. The inner fit that leaves out j (outer fold k) sees exactly the glasses of the inner fit that
leaves out k (outer fold j), so fits are cached by the set of held-out compositions and each is
done once. A composition that is alone in its metal group (its own anchor, reference to no other
glass) changes no fit, so it is dropped from the cache key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gfa_ml.tct.calibrate import Calibration, Variant, fit_family, predict_glasses
from gfa_ml.tct.records import Glass

#: the variants a validation selects among, each physically motivated (see tct_results.md):
#: step vs smooth Gupta-Mauro onsets; one M-N-C onset vs linker-class onsets; the reference
#: glass nearest M(Im)2, or in the same linker series / same study (onsets then in units of
#: that reference's Tg, or of the group's scale glass). Smooth onsets only with the parent
#: reference: they cost ~15x a step fit.
CANDIDATES: tuple[Variant, ...] = tuple(
    Variant("step", classes, ref, unit)
    for classes in (False, True)
    for ref, unit in (("parent", "scale"), ("series", "reference"), ("series", "scale"),
                      ("study", "reference"), ("study", "scale"))
) + (Variant("smooth", False), Variant("smooth", True))


@dataclass
class Folds:
    """The family's glasses grouped by composition (the unit a fold holds out)."""

    glasses: list[Glass]
    tg: np.ndarray
    comp: np.ndarray  # composition index of each glass
    family: str = "ZIF"
    inert: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        groups: dict[str, set[int]] = {}
        for g, c in zip(self.glasses, self.comp, strict=True):
            groups.setdefault(g.metals, set()).add(int(c))
        self.inert = frozenset(next(iter(cs)) for cs in groups.values() if len(cs) == 1)

    @property
    def n_comps(self) -> int:
        return int(self.comp.max()) + 1 if len(self.comp) else 0

    def members(self, c: int) -> list[int]:
        return [i for i in range(len(self.glasses)) if self.comp[i] == c]


class FoldPredictor:
    """Predictions of held-out glasses, one cached calibration per (variant, held-out set)."""

    def __init__(self, folds: Folds) -> None:
        self.folds = folds
        self._cals: dict[tuple[Variant, frozenset[int]], Calibration] = {}

    def calibration(self, variant: Variant, held: Sequence[int]) -> Calibration:
        """Onsets fitted without the ``held`` compositions; they are not reference glasses."""
        f = self.folds
        key = (variant, frozenset(held) - f.inert)
        if key not in self._cals:
            train = [i for i in range(len(f.glasses)) if f.comp[i] not in key[1]]
            self._cals[key] = fit_family([f.glasses[i] for i in train], f.tg[train], f.family,
                                         variant)
        cal = self._cals[key]
        gone = {f.glasses[i].id for i in range(len(f.glasses)) if f.comp[i] in set(held)}
        if not gone & {g.id for g in cal.pool}:
            return cal
        keep = [k for k, g in enumerate(cal.pool) if g.id not in gone]
        return dataclasses.replace(
            cal, pool=tuple(cal.pool[k] for k in keep), pool_tg=cal.pool_tg[keep],
            scales={m: s for m, s in cal.scales.items() if s.id not in gone})

    def predict(self, variant: Variant, held: Sequence[int], targets: Sequence[int]
                ) -> pd.DataFrame:
        """Rows of ``predict_glasses`` for glasses ``targets`` with compositions ``held`` out."""
        cal = self.calibration(variant, held)
        return predict_glasses(cal, [self.folds.glasses[i] for i in targets])


def loo(pred: FoldPredictor, variant: Variant) -> pd.DataFrame:
    """Plain leave-one-composition-out predictions of every glass (rows in glass order)."""
    f = pred.folds
    out: dict[int, pd.Series] = {}
    for c in range(f.n_comps):
        idx = f.members(c)
        rows = pred.predict(variant, [c], idx)
        out.update({i: rows.iloc[k] for k, i in enumerate(idx)})
    return pd.DataFrame([out[i] for i in range(len(f.glasses))]).reset_index(drop=True)


def inner_score(pred: FoldPredictor, variant: Variant, outer: int,
                scored: Callable[[int], bool]) -> float:
    """Inner LOO MAE (K) over the scored glasses of every composition except ``outer``."""
    f = pred.folds
    errs = []
    for c in range(f.n_comps):
        idx = [i for i in f.members(c) if scored(i)]
        if c == outer or not idx or c in f.inert:
            continue
        tg = pred.predict(variant, [c, outer], idx)["Tg_tct_K"].to_numpy(float)
        errs.extend(np.abs(tg - f.tg[idx]))
    errs = np.asarray(errs, float)
    errs = errs[np.isfinite(errs)]
    return float(errs.mean()) if len(errs) else float("nan")


@dataclass
class NestedFold:
    outer: int
    chosen: Variant
    scores: dict[Variant, float]


def select(scores: dict[Variant, float], candidates: Sequence[Variant]) -> Variant:
    """Lowest score; ties (and NaN scores) go to the earlier candidate."""
    best = candidates[0]
    for v in candidates:
        s, b = scores[v], scores[best]
        if np.isfinite(s) and (not np.isfinite(b) or s < b):
            best = v
    return best


def nested_fold(pred: FoldPredictor, outer: int, candidates: Sequence[Variant],
                scored: Callable[[int], bool]) -> NestedFold:
    """Choose a variant for outer fold ``outer`` by inner LOO on its training compositions."""
    scores = {v: inner_score(pred, v, outer, scored) for v in candidates}
    return NestedFold(outer, select(scores, candidates), scores)
