"""Temperature-dependent rigidity n(T, x), the self-consistent Tg equation and fragility.

Gupta & Mauro, J. Chem. Phys. 130, 094503 (2009):

* ``n(T, x) = [sum of always-rigid constraints + sum_a N_a(x) q_a(T)] / atoms``
* ``Tg(x) / Tg(x_R) = [d - n(Tg(x_R), x_R)] / [d - n(Tg(x), x)]``, implicit in Tg(x) because n
  depends on T. Written as ``g(T) = T [d - n(T, x)] - Tg(x_R) [d - n(Tg(x_R), x_R)] = 0``; g rises
  monotonically with T because constraints only ever soften on heating, so the bracketed root is
  unique (a step onset can make g jump over zero: the root is then pinned at the onset).
* ``m(x) = m0 [1 + d ln(d - n) / d ln T]`` at T = Tg(x).

Temperatures are reduced by the Tg of the glass's reference, tau = T / Tg(x_R), and onsets are
written the same way (theta_a = T_a / Tg(x_R)), so one set of fitted onsets serves metal groups
whose glass transitions lie at different temperatures (Zn vs Cd imidazolates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gfa_ml.tct.counting import Inventory
from gfa_ml.tct.onset import Onset

TAU_BRACKET = (0.3, 3.0)


@dataclass(frozen=True)
class Networks:
    """Constraint inventories of several glasses as arrays: always-rigid and soft by type."""

    atoms: np.ndarray  # (g,)
    rigid: np.ndarray  # (g,)
    soft: np.ndarray  # (g, s), columns in the order of ``soft_types``
    soft_types: tuple[str, ...]

    @classmethod
    def build(cls, inventories: Sequence[Inventory], soft_types: Sequence[str]) -> Networks:
        soft_types = tuple(soft_types)
        atoms = np.array([inv.atoms for inv in inventories], float)
        soft = np.array(
            [[inv.counts.get(t, 0.0) for t in soft_types] for inv in inventories], float
        ).reshape(len(inventories), len(soft_types))
        total = np.array([inv.total() for inv in inventories], float)
        return cls(atoms, total - soft.sum(axis=1), soft, soft_types)

    def take(self, idx: np.ndarray) -> Networks:
        return Networks(self.atoms[idx], self.rigid[idx], self.soft[idx], self.soft_types)

    def rigidity(self, theta: np.ndarray, tau: np.ndarray, onset: Onset) -> np.ndarray:
        """Mean constraints per atom n at reduced temperatures ``tau`` (one per glass)."""
        q = onset.q(np.asarray(theta)[None, :], np.asarray(tau, float)[:, None])
        return (self.rigid + (self.soft * q).sum(axis=1)) / self.atoms


def solve_tg(
    nets: Networks,
    theta: np.ndarray,
    rhs: np.ndarray,
    onset: Onset,
    d: int = 3,
    max_iterations: int = 60,
    tol: float = 1e-12,
) -> np.ndarray:
    """Reduced Tg (tau = Tg / T_scale) per glass; NaN where no root lies in ``TAU_BRACKET``.

    ``rhs`` is tau_R [d - n(tau_R, x_R)] of each glass's reference (tau_R = 1 when the reference
    sets the temperature scale). Step onsets make n(tau) piecewise constant, so the root is found
    exactly, interval by interval; the smooth form is solved by Newton steps from that root,
    kept inside a bracket (g rises with tau, so bisection is the fallback).
    """
    rhs = np.asarray(rhs, float)
    step = _solve_step(nets, np.asarray(theta, float), rhs, d)
    if onset.model == "step":
        return step
    return _solve_smooth(nets, np.asarray(theta, float), rhs, onset, d, step,
                         max_iterations, tol)


def _solve_step(nets: Networks, theta: np.ndarray, rhs: np.ndarray, d: int) -> np.ndarray:
    """Exact root of tau [d - n(tau)] = rhs when every soft type is rigid below its onset only.

    Between consecutive sorted onsets n is constant; the root is in the first interval whose
    upper end already satisfies the equation: rhs / (d - n) there, or the interval's lower onset
    when g jumps over zero at it (Tg pinned at an onset).
    """
    order = np.argsort(theta)
    b = theta[order]
    soft = nets.soft[:, order]
    # rigid count in interval k (types with sorted index >= k still rigid), k = 0..s
    tail = np.concatenate([np.cumsum(soft[:, ::-1], axis=1)[:, ::-1],
                           np.zeros((len(nets.atoms), 1))], axis=1)
    floppy = d - (nets.rigid[:, None] + tail) / nets.atoms[:, None]
    upper = np.append(b, np.inf)
    lower = np.concatenate([[0.0], b])
    with np.errstate(invalid="ignore"):
        reached = np.where(floppy > 0, upper[None, :] * floppy >= rhs[:, None], False)
    k = np.argmax(reached, axis=1)
    rows = np.arange(len(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.maximum(rhs / floppy[rows, k], lower[k])
    ok = reached.any(axis=1) & (rhs > 0) & (root >= TAU_BRACKET[0]) & (root <= TAU_BRACKET[1])
    return np.where(ok, root, np.nan)


def _solve_smooth(
    nets: Networks, theta: np.ndarray, rhs: np.ndarray, onset: Onset, d: int,
    start: np.ndarray, max_iterations: int, tol: float,
) -> np.ndarray:
    """Safeguarded Newton on g(tau) = tau [d - n(tau)] - rhs with the smooth onsets."""
    def g_and_slope(tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        q, dq = onset.q_and_slope(theta[None, :], tau[:, None])
        n = (nets.rigid + (nets.soft * q).sum(axis=1)) / nets.atoms
        dn = (nets.soft * dq).sum(axis=1) / nets.atoms
        return tau * (d - n) - rhs, (d - n) - tau * dn

    a = np.full(len(rhs), TAU_BRACKET[0])
    b = np.full(len(rhs), TAU_BRACKET[1])
    ok = (g_and_slope(a)[0] <= 0) & (g_and_slope(b)[0] >= 0) & (rhs > 0)
    tau = np.where(np.isfinite(start), start, 0.5 * (a + b))
    active = ok.copy()
    for _ in range(max_iterations):
        g, slope = g_and_slope(tau)
        active &= np.abs(g) > tol
        if not active.any():
            break
        a, b = np.where(g < 0, tau, a), np.where(g < 0, b, tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = tau - g / slope
        inside = np.isfinite(newton) & (newton >= a) & (newton <= b)
        new = np.where(inside, newton, 0.5 * (a + b))
        active &= np.abs(new - tau) > tol
        tau = np.where(active, new, tau)
    return np.where(ok, tau, np.nan)


def fragility(
    nets: Networks, theta: np.ndarray, tau: np.ndarray, onset: Onset, m0: float, d: int = 3
) -> np.ndarray:
    """m = m0 [1 + d ln(d - n) / d ln T] at Tg, by a central difference in ln T.

    A step onset has a zero or infinite derivative, so the derivative always uses the smooth
    Gupta-Mauro form with the same onsets (the step model's smoothed counterpart).
    """
    smooth = Onset("smooth", onset.log10_nu_tobs)
    h = 1e-3
    with np.errstate(invalid="ignore"):  # d - n <= 0 (over-constrained): NaN, not a warning
        up = np.log(d - nets.rigidity(theta, tau * np.exp(h), smooth))
        dn = np.log(d - nets.rigidity(theta, tau * np.exp(-h), smooth))
    return m0 * (1.0 + (up - dn) / (2 * h))
