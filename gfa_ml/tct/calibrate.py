"""Fit a family's soft-constraint onsets on its training glasses, then predict Tg with them.

Per metal group (family + metal set, e.g. ZIF/Zn, ZIF/Cd) the reference glass x_R is the
training glass closest to the parent (least non-parent linker). The reduced onsets theta_a are
shared by the whole family and fitted by least squares on every non-reference training glass,
with a Gaussian prior around the YAML values so that a type the training set barely probes
(one FbIm glass, no nIm glass) stays near its prior instead of running away. A linker-specific
type (``shrink_to`` in the YAML) is pulled towards the fitted onset of its family type instead,
so a linker class with few glasses falls back on what the whole family says. Nothing here sees a
glass that is not passed in, so leave-one-out refits are leakage-free by construction.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from gfa_ml.config import get_settings
from gfa_ml.tct.onset import Onset
from gfa_ml.tct.records import Glass, non_parent_fraction
from gfa_ml.tct.solver import Networks, fragility, solve_tg
from gfa_ml.tct.tables import FamilyTable, load_family

THETA_BOUNDS = (0.6, 1.8)
#: residual (K) given to a training glass whose Tg equation has no root for trial onsets
NO_ROOT_PENALTY_K = 100.0


@dataclass(frozen=True)
class Reference:
    id: str
    Tg_K: float
    glass: Glass


@dataclass(frozen=True)
class Calibration:
    """Fitted onsets of one family and the reference glass of each of its metal groups."""

    table: FamilyTable
    theta: dict[str, float]
    references: dict[str, Reference]  # metal set -> reference glass
    n_train: int
    rmse_train_K: float

    @property
    def onset(self) -> Onset:
        return Onset(self.table.onset_model, self.table.log10_nu_tobs)

    def theta_vector(self) -> np.ndarray:
        return np.array([self.theta[t] for t in self.table.soft_types])


def choose_references(glasses: Sequence[Glass], tg: np.ndarray, table: FamilyTable) -> dict:
    """Metal set -> the training glass nearest the parent composition (ties: lower id)."""
    best: dict[str, tuple[tuple[float, str], Reference]] = {}
    for g, t in zip(glasses, tg, strict=True):
        key = (non_parent_fraction(g, table), g.id)
        if g.metals not in best or key < best[g.metals][0]:
            best[g.metals] = (key, Reference(g.id, float(t), g))
    return {m: ref for m, (_, ref) in best.items()}


def _starts(theta0: np.ndarray, table: FamilyTable) -> list[np.ndarray]:
    """Prior onsets with the table's start-grid types set to every combination of its values."""
    idx = [table.soft_types.index(t) for t in table.start_types]
    starts = []
    for values in itertools.product(table.start_values, repeat=len(idx)):
        start = theta0.copy()
        start[idx] = values
        starts.append(np.clip(start, *THETA_BOUNDS))
    return starts or [theta0]


def prior_residuals(theta: np.ndarray, table: FamilyTable) -> np.ndarray:
    """Gaussian-prior residuals: to the YAML onset, or to the fitted parent type's onset."""
    soft = table.soft_types
    out = np.empty(len(soft))
    for k, t in enumerate(soft):
        if t in table.shrink_to:
            out[k] = (theta[k] - theta[soft.index(table.shrink_to[t])]) / table.shrink_width
        else:
            out[k] = (theta[k] - table.onsets[t]) / table.prior_width
    return out


def _reduced_tg(
    nets: Networks, ref_nets: Networks, theta: np.ndarray, onset: Onset, d: int
) -> np.ndarray:
    """tau = Tg/Tg_ref for each glass given its reference's network (aligned rows)."""
    floppiness = d - ref_nets.rigidity(theta, np.ones(len(ref_nets.atoms)), onset)
    return solve_tg(nets, theta, floppiness, onset, d)


def fit_family(glasses: Sequence[Glass], tg_K: Sequence[float], family: str) -> Calibration:
    """Calibrate ``family`` on countable training glasses with measured Tg (kelvin)."""
    table = load_family(family)
    cfg = get_settings().tct
    pairs = [(g, float(t)) for g, t in zip(glasses, tg_K, strict=True)
             if g.inventory is not None and g.family == family and np.isfinite(t)]
    if not pairs:
        raise ValueError(f"no countable training glass with Tg for family {family}")
    train, tg = [p[0] for p in pairs], np.array([p[1] for p in pairs])
    refs = choose_references(train, tg, table)
    ref_ids = {r.id for r in refs.values()}
    fit_idx = [i for i, g in enumerate(train) if g.id not in ref_ids]
    soft = table.soft_types
    theta0 = np.array([table.onsets[t] for t in soft], float)
    onset = Onset(table.onset_model, table.log10_nu_tobs)
    d = table.dimension

    nets = Networks.build([train[i].inventory for i in fit_idx], soft)
    ref_of = [refs[train[i].metals] for i in fit_idx]
    ref_nets = Networks.build([r.glass.inventory for r in ref_of], soft)
    ref_tg = np.array([r.Tg_K for r in ref_of])
    target = tg[fit_idx]

    def residuals(theta: np.ndarray) -> np.ndarray:
        pred = _reduced_tg(nets, ref_nets, theta, onset, d) * ref_tg
        err = np.where(np.isfinite(pred), pred - target, NO_ROOT_PENALTY_K)
        return np.concatenate([err / cfg.sigma_K, prior_residuals(theta, table)])

    theta, rmse = theta0, float("nan")
    if fit_idx:
        best = None
        for start in _starts(theta0, table):
            res = least_squares(residuals, start, bounds=THETA_BOUNDS, diff_step=1e-3,
                                loss=cfg.loss)
            if best is None or res.cost < best.cost:
                best = res
        theta = best.x
        rmse = float(np.sqrt(np.mean((best.fun[: len(fit_idx)] * cfg.sigma_K) ** 2)))
    return Calibration(table, dict(zip(soft, map(float, theta), strict=True)), refs,
                       len(train), rmse)


def predict_glasses(cal: Calibration, glasses: Sequence[Glass]) -> pd.DataFrame:
    """Tg, n at Tg, fragility and the reference used per glass; NaN plus a reason if unserved."""
    cfg = get_settings().tct
    rows = []
    servable = []
    for g in glasses:
        row = {"id": g.id, "Tg_tct_K": np.nan, "n_at_Tg": np.nan, "fragility": np.nan,
               "reference": "", "reason": g.reason}
        if g.inventory is not None and g.family != cal.table.family:
            row["reason"] = f"calibrated for family {cal.table.family}, not {g.family}"
        elif g.inventory is not None and g.metals not in cal.references:
            row["reason"] = f"no reference glass for family {g.family} with metal(s) {g.metals}"
        elif g.inventory is not None:
            servable.append(len(rows))
        rows.append(row)
    if servable:
        theta, onset, d = cal.theta_vector(), cal.onset, cal.table.dimension
        soft = cal.table.soft_types
        refs = [cal.references[glasses[i].metals] for i in servable]
        nets = Networks.build([glasses[i].inventory for i in servable], soft)
        ref_nets = Networks.build([r.glass.inventory for r in refs], soft)
        tau = _reduced_tg(nets, ref_nets, theta, onset, d)
        n_at = nets.rigidity(theta, tau, onset)
        m = fragility(nets, theta, tau, onset, cfg.m0, d)
        for k, i in enumerate(servable):
            ref = refs[k]
            rows[i]["reference"] = f"{ref.id} (Tg {ref.Tg_K:.0f} K)"
            if np.isfinite(tau[k]):
                rows[i].update(Tg_tct_K=tau[k] * ref.Tg_K, n_at_Tg=n_at[k], fragility=m[k])
            else:
                rows[i]["reason"] = "no Tg root: network over-constrained (n >= 3) at all T"
    return pd.DataFrame(rows, columns=["id", "Tg_tct_K", "n_at_Tg", "fragility", "reference",
                                       "reason"])
