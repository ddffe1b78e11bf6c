"""Fit a family's soft-constraint onsets on its training glasses, then predict Tg with them.

Per metal group (family + metal set, e.g. ZIF/Zn, ZIF/Cd) the *scale* glass is the training
glass closest to the parent (least non-parent linker): onsets are reduced by its Tg, theta_a =
T_a / Tg_scale (or, with ``onset_unit: reference``, by the Tg of each glass's own reference),
and shared by the whole family. Each glass is predicted from a *reference* glass
picked by the variant's rule (:mod:`gfa_ml.tct.references`). The onsets are fitted by least
squares on every other training glass, each predicted from its reference, with a Gaussian prior
around the YAML values so that a type the training set barely probes (one FbIm glass, no nIm
glass) stays near its prior instead of running away. A linker-specific type (``shrink_to`` in the
YAML) is pulled towards the fitted onset of its family type instead, or tied to it when the
variant has no linker classes. Nothing here sees a glass that is not passed in, so
leave-one-out refits are leakage-free by construction.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from gfa_ml.config import get_settings
from gfa_ml.tct.onset import Onset
from gfa_ml.tct.records import Glass
from gfa_ml.tct.references import pick_reference, scale_glasses
from gfa_ml.tct.solver import Networks, fragility, solve_tg
from gfa_ml.tct.tables import FamilyTable, load_family


@dataclass(frozen=True)
class Variant:
    """The modelling choices a validation may select among (defaults: the family's YAML)."""

    onset_model: str = "step"
    #: linker-class M-N-C onsets (``shrink_to`` types) free, or tied to their family type
    link_classes: bool = True
    reference: str = "parent"
    #: onsets in units of the metal group's scale glass Tg ("scale") or of each glass's own
    #: reference Tg ("reference": a study's protocol offset then moves its onsets with it)
    onset_unit: str = "scale"

    @classmethod
    def of(cls, table: FamilyTable) -> Variant:
        return cls(table.onset_model, table.shrink_width > 0, table.reference_rule,
                   table.onset_unit)

    @property
    def label(self) -> str:
        classes = "linker-class M-N-C onsets" if self.link_classes else "one M-N-C onset"
        unit = ", onsets per reference Tg" if self.onset_unit == "reference" else ""
        return f"{self.onset_model} onsets, {classes}, {self.reference} reference{unit}"

    def apply(self, table: FamilyTable) -> FamilyTable:
        """The table with this variant's onset model (tied classes: shrink width 0)."""
        width = (table.shrink_width or table.prior_width) if self.link_classes else 0.0
        return dataclasses.replace(table, onset_model=self.onset_model, shrink_width=width,
                                   reference_rule=self.reference, onset_unit=self.onset_unit)


@dataclass(frozen=True)
class Reference:
    id: str
    Tg_K: float
    glass: Glass


@dataclass(frozen=True)
class Calibration:
    """Fitted onsets of one family, its training glasses (reference pool) and group scales."""

    table: FamilyTable
    variant: Variant
    theta: dict[str, float]
    pool: tuple[Glass, ...]
    pool_tg: np.ndarray
    scales: dict[str, Reference]  # metal set -> scale glass (onsets are reduced by its Tg)
    n_train: int
    rmse_train_K: float

    @property
    def onset(self) -> Onset:
        return Onset(self.table.onset_model, self.table.log10_nu_tobs)

    def theta_vector(self) -> np.ndarray:
        return np.array([self.theta[t] for t in self.table.soft_types])

    def reference_for(self, glass: Glass) -> Reference | None:
        i = pick_reference(glass, self.pool, self.variant.reference, self.table, False)
        return None if i is None else Reference(self.pool[i].id, float(self.pool_tg[i]),
                                                self.pool[i])


def _starts(theta0: np.ndarray, table: FamilyTable, free: list[int]) -> list[np.ndarray]:
    """Prior onsets with the table's start-grid types set to every combination of its values."""
    soft = table.soft_types
    idx = [free.index(soft.index(t)) for t in table.start_types]
    starts = []
    for values in itertools.product(table.start_values, repeat=len(idx)):
        start = theta0.copy()
        start[idx] = values
        starts.append(np.clip(start, *get_settings().tct.theta_bounds))
    return starts or [theta0]


def _tied(table: FamilyTable) -> dict[int, int]:
    """Soft-type index -> index of the type it is tied to (shrink width 0)."""
    soft = table.soft_types
    if table.shrink_width > 0:
        return {}
    return {soft.index(t): soft.index(to) for t, to in table.shrink_to.items()}


def _expand(free_theta: np.ndarray, free: list[int], tied: dict[int, int], n: int) -> np.ndarray:
    theta = np.empty(n)
    theta[free] = free_theta
    for k, to in tied.items():
        theta[k] = theta[to]
    return theta


def prior_residuals(theta: np.ndarray, table: FamilyTable, free: list[int]) -> np.ndarray:
    """Gaussian-prior residuals of the free types: to the YAML onset, or to the fitted onset of
    the type it shrinks to."""
    soft = table.soft_types
    out = np.empty(len(free))
    for j, k in enumerate(free):
        t = soft[k]
        if t in table.shrink_to:
            out[j] = (theta[k] - theta[soft.index(table.shrink_to[t])]) / table.shrink_width
        else:
            out[j] = (theta[k] - table.onsets[t]) / table.prior_width
    return out


@dataclass(frozen=True)
class _Pairs:
    """Glasses, their references and group scales as arrays for the vectorised solver."""

    nets: Networks
    ref_nets: Networks
    ref_tau: np.ndarray  # Tg_ref / Tg_scale
    scale_K: np.ndarray

    @classmethod
    def build(cls, glasses: Sequence[Glass], refs: Sequence[Reference],
              scales: Sequence[Reference], soft: Sequence[str], unit: str) -> _Pairs:
        scale_K = np.array([(r if unit == "reference" else s).Tg_K
                            for r, s in zip(refs, scales, strict=True)])
        return cls(Networks.build([g.inventory for g in glasses], soft),
                   Networks.build([r.glass.inventory for r in refs], soft),
                   np.array([r.Tg_K for r in refs]) / scale_K, scale_K)

    def tau(self, theta: np.ndarray, onset: Onset, d: int) -> np.ndarray:
        """Reduced Tg (Tg / Tg_scale) of each glass from its reference's side of the equation."""
        rhs = self.ref_tau * (d - self.ref_nets.rigidity(theta, self.ref_tau, onset))
        return solve_tg(self.nets, theta, rhs, onset, d)


def fit_family(
    glasses: Sequence[Glass], tg_K: Sequence[float], family: str, variant: Variant | None = None
) -> Calibration:
    """Calibrate ``family`` on countable training glasses with measured Tg (kelvin)."""
    base = load_family(family)
    variant = variant or Variant.of(base)
    table = variant.apply(base)
    cfg = get_settings().tct
    pairs = [(g, float(t)) for g, t in zip(glasses, tg_K, strict=True)
             if g.inventory is not None and g.family == family and np.isfinite(t)]
    if not pairs:
        raise ValueError(f"no countable training glass with Tg for family {family}")
    train, tg = tuple(p[0] for p in pairs), np.array([p[1] for p in pairs])
    scales = {m: Reference(train[i].id, float(tg[i]), train[i])
              for m, i in scale_glasses(train, table).items()}
    # a scale glass anchors its group: it is never fitted (the onsets are reduced by its Tg)
    anchors = {s.id for s in scales.values()}
    ref_idx = [None if g.id in anchors else pick_reference(g, train, variant.reference, table, True)
               for g in train]
    fit_idx = [i for i, r in enumerate(ref_idx) if r is not None]
    soft = table.soft_types
    tied = _tied(table)
    free = [k for k in range(len(soft)) if k not in tied]
    theta0 = np.array([table.onsets[t] for t in soft], float)
    onset = Onset(table.onset_model, table.log10_nu_tobs)
    d = table.dimension
    data = _Pairs.build([train[i] for i in fit_idx],
                        [Reference(train[ref_idx[i]].id, float(tg[ref_idx[i]]), train[ref_idx[i]])
                         for i in fit_idx],
                        [scales[train[i].metals] for i in fit_idx], soft, variant.onset_unit)
    target = tg[fit_idx]

    def residuals(free_theta: np.ndarray) -> np.ndarray:
        theta = _expand(free_theta, free, tied, len(soft))
        pred = data.tau(theta, onset, d) * data.scale_K
        err = np.where(np.isfinite(pred), pred - target, cfg.no_root_penalty_K)
        return np.concatenate([err / cfg.sigma_K, prior_residuals(theta, table, free)])

    theta, rmse = theta0, float("nan")
    if fit_idx:
        best = None
        for start in _starts(theta0[free], table, free):
            res = least_squares(residuals, start, bounds=cfg.theta_bounds, diff_step=1e-3,
                                loss=cfg.loss)
            if best is None or res.cost < best.cost:
                best = res
        theta = _expand(best.x, free, tied, len(soft))
        rmse = float(np.sqrt(np.mean((best.fun[: len(fit_idx)] * cfg.sigma_K) ** 2)))
    return Calibration(table, variant, dict(zip(soft, map(float, theta), strict=True)), train,
                       tg, scales, len(train), rmse)


def predict_glasses(cal: Calibration, glasses: Sequence[Glass]) -> pd.DataFrame:
    """Tg, n at Tg, fragility and the reference used per glass; NaN plus a reason if unserved."""
    cfg = get_settings().tct
    rows, servable, refs = [], [], []
    for g in glasses:
        row = {"id": g.id, "Tg_tct_K": np.nan, "n_at_Tg": np.nan, "fragility": np.nan,
               "reference": "", "reason": g.reason}
        ref = None
        if g.inventory is not None and g.family != cal.table.family:
            row["reason"] = f"calibrated for family {cal.table.family}, not {g.family}"
        elif g.inventory is not None:
            ref = cal.reference_for(g)
            if ref is None:
                row["reason"] = f"no reference glass for family {g.family} with metal(s) {g.metals}"
            else:
                servable.append(len(rows))
                refs.append(ref)
        rows.append(row)
    if servable:
        theta, onset, d = cal.theta_vector(), cal.onset, cal.table.dimension
        scales = [cal.scales[glasses[i].metals] for i in servable]
        data = _Pairs.build([glasses[i] for i in servable], refs, scales, cal.table.soft_types,
                            cal.variant.onset_unit)
        tau = data.tau(theta, onset, d)
        n_at = data.nets.rigidity(theta, tau, onset)
        m = fragility(data.nets, theta, tau, onset, cfg.m0, d)
        for k, i in enumerate(servable):
            rows[i]["reference"] = f"{refs[k].id} (Tg {refs[k].Tg_K:.0f} K)"
            if np.isfinite(tau[k]):
                rows[i].update(Tg_tct_K=tau[k] * data.scale_K[k], n_at_Tg=n_at[k],
                               fragility=m[k])
            else:
                rows[i]["reason"] = "no Tg root: network over-constrained (n >= 3) at all T"
    return pd.DataFrame(rows, columns=["id", "Tg_tct_K", "n_at_Tg", "fragility", "reference",
                                       "reason"])
