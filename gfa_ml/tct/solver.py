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
    ref_floppiness: np.ndarray,
    onset: Onset,
    d: int = 3,
    max_iterations: int = 100,
    tol: float = 1e-12,
) -> np.ndarray:
    """Reduced Tg (tau = Tg / Tg_ref) per glass; NaN where no root lies in ``TAU_BRACKET``.

    ``ref_floppiness`` is d - n(Tg_ref, x_R) of each glass's reference (the right-hand side).
    The bracketed root is found by the Illinois variant of regula falsi, vectorised over glasses:
    superlinear where g is smooth, and it still closes in on the jump a step onset makes.
    """
    ref_floppiness = np.asarray(ref_floppiness, float)

    def g(tau: np.ndarray) -> np.ndarray:
        return tau * (d - nets.rigidity(theta, tau, onset)) - ref_floppiness

    a = np.full(len(nets.atoms), TAU_BRACKET[0])
    b = np.full(len(nets.atoms), TAU_BRACKET[1])
    fa, fb = g(a), g(b)
    ok = (fa <= 0) & (fb >= 0) & (ref_floppiness > 0)
    fa, fb = np.where(ok, fa, -1.0), np.where(ok, fb, 1.0)
    last = np.zeros(len(a), int)  # which end moved last: -1 left, +1 right
    for _ in range(max_iterations):
        c = np.clip((a * fb - b * fa) / (fb - fa), a, b)
        fc = g(c)
        left = fc < 0  # root lies in (c, b]: c replaces a
        fb = np.where(left & (last == -1), fb / 2, fb)
        fa = np.where(~left & (last == 1), fa / 2, fa)
        a, fa = np.where(left, c, a), np.where(left, fc, fa)
        b, fb = np.where(left, b, c), np.where(left, fb, fc)
        last = np.where(left, -1, 1)
        if np.all((b - a < tol) | (np.abs(fc) < tol) | ~ok):
            break
    root = np.where(np.abs(fa) < np.abs(fb), a, b)
    return np.where(ok, root, np.nan)


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
