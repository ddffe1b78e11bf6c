"""Fraction of a constraint type that is rigid at temperature T (Gupta & Mauro 2009).

Gupta & Mauro, J. Chem. Phys. 130, 094503 (2009): a constraint with activation free energy dF
that is observed for t_obs with attempt frequency nu survives with probability
``q(T) = [1 - exp(-dF / kT)]^(nu t_obs)``. We parameterise dF by the onset temperature T_a at
which q = 1/2, so that q depends only on T_a / T and on nu t_obs (which sets the sharpness;
width ~ T_a / ln(nu t_obs)). ``step`` is the limit nu t_obs -> infinity: rigid below T_a,
floppy above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ONSET_MODELS = ("smooth", "step")


@dataclass(frozen=True)
class Onset:
    """How constraint rigidity q in [0, 1] falls with temperature."""

    model: str = "smooth"
    log10_nu_tobs: float = 15.0

    def __post_init__(self) -> None:
        if self.model not in ONSET_MODELS:
            raise ValueError(f"onset model must be one of {ONSET_MODELS}, got {self.model!r}")

    @property
    def barrier_over_onset(self) -> float:
        """dF / (k T_a), fixed by q(T_a) = 1/2: -ln(1 - 2^(-1/(nu t_obs)))."""
        nut = 10.0**self.log10_nu_tobs
        return float(-np.log(-np.expm1(-np.log(2.0) / nut)))

    def q(self, onset: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Rigid fraction at temperature ``T`` of constraints with onset ``onset`` (same units)."""
        onset, T = np.asarray(onset, float), np.asarray(T, float)
        if self.model == "step":
            return (onset > T).astype(float)
        return self.smooth(onset, T)

    def smooth(self, onset: np.ndarray, T: np.ndarray) -> np.ndarray:
        """The smooth Gupta-Mauro form (also used for derivatives in the step model)."""
        return self.q_and_slope(onset, T)[0]

    def q_and_slope(self, onset: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Smooth q and dq/dT: d ln q / dT = -nu t_obs x / (1 - x) * (dF/k) / T^2."""
        nut = 10.0**self.log10_nu_tobs
        onset, T = np.asarray(onset, float), np.asarray(T, float)
        barrier = self.barrier_over_onset * onset
        x = np.minimum(np.exp(-barrier / T), 1.0 - 1e-16)
        q = np.exp(nut * np.log1p(-x))
        return q, -q * nut * x / (1.0 - x) * barrier / T**2
