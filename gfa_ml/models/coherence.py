"""One answer to "does it melt before it decomposes": p_meltable, Tm and Td that agree.

Three models answer parts of one question: the meltability classifier (P(melts first)), and the
Tm and Td regressors with calibrated 90 % intervals. Left alone they contradict each other
(ZIF-4: p 0.8, but Td predicted 170 K below Tm). The design, and why:

- **p_meltable is the calibrated classifier.** It is the only model trained on the question
  itself (melted or decomposed first) and the best validated one (leave-one-family-out ROC-AUC in
  ``experiments/results.md``); the regressors are trained on magnitudes, Tm on melters only, and
  Td mostly on proxy TGA onsets, so their difference is a weak sign estimate.
- **Tm and Td are reconciled with it.** Reading each regressor's interval as a Gaussian
  (σ = half-width / z₀.₉₅), the window W = Td − Tm has σ_W = √(σ_Tm² + σ_Td²). The reported Tm
  and Td are the regressors' values moved the least, in units of their own uncertainty, so that
  P(Tm < Td) = Φ(W / σ_W) equals p: W is set to σ_W Φ⁻¹(p) and the change is shared in
  proportion to σ² (the less certain regressor moves more; Td's measured-scale interval is the
  wider one). So p ≥ 0.5 exactly when Td ≥ Tm, and the reported window carries its interval.
- **Disagreement is flagged, not hidden.** When the regressors alone put the sign the other way
  with ≥ 95 % confidence, ``melt_conflict`` says so with their own values; such rows deserve a
  DSC/TGA before a decision.

p is clipped to [``P_CLIP``, 1 − ``P_CLIP``] for the reconciliation only (a probability of 10⁻⁴
would otherwise push Tm and Td apart by several σ for no information gain).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

P_CLIP = 0.005
#: regressors-alone probability beyond which their disagreement with p is flagged
CONFLICT = 0.05


def reconcile(
    p: np.ndarray, tm: np.ndarray, td: np.ndarray, half_tm: np.ndarray, half_td: np.ndarray,
    coverage: float = 0.9,
) -> pd.DataFrame:
    """Reconciled ``Tm``, ``Td``, window with its interval, the regressors-alone P(Tm < Td) and
    a conflict note; ``half_*`` are the regressors' central-interval half-widths at ``coverage``.

    Rows missing any input are returned unchanged (window = Td − Tm where both exist), with no
    note: there is nothing to reconcile.
    """
    z = norm.ppf(0.5 + coverage / 2)  # half-width = z σ
    sd_tm, sd_td = np.asarray(half_tm, float) / z, np.asarray(half_td, float) / z
    p, tm, td = (np.asarray(a, float) for a in (p, tm, td))
    var = sd_tm**2 + sd_td**2
    ok = np.isfinite(p) & np.isfinite(tm) & np.isfinite(td) & np.isfinite(var) & (var > 0)
    sw = np.sqrt(np.where(ok, var, 1.0))
    w_raw = td - tm
    p_reg = np.where(ok, norm.cdf(w_raw / sw), np.nan)
    w_new = sw * norm.ppf(np.clip(np.nan_to_num(p, nan=0.5), P_CLIP, 1 - P_CLIP))
    shift = np.where(ok, w_new - w_raw, 0.0)
    share_tm = np.where(ok, sd_tm**2 / np.where(ok, var, 1.0), 0.0)
    tm_new = tm - shift * share_tm
    td_new = td + shift * (1.0 - share_tm)
    flag = ok & (((p >= 0.5) & (p_reg < CONFLICT)) | ((p < 0.5) & (p_reg > 1 - CONFLICT)))
    note = np.full(len(p), "", dtype=object)
    for i in np.flatnonzero(flag):
        side = "melts first" if p[i] >= 0.5 else "decomposes first"
        note[i] = (f"classifier says {side} (p={p[i]:.2f}) but Tm/Td regressors alone give "
                   f"Tm {tm[i]:.0f} K, Td {td[i]:.0f} K (P(Tm<Td)={p_reg[i]:.2f}); "
                   f"reported Tm/Td moved {abs(shift[i]):.0f} K apart to agree: measure it")
    return pd.DataFrame({
        "Tm_K": tm_new, "Td_K": td_new, "melt_window_K": td_new - tm_new,
        "melt_window_K_lo": td_new - tm_new - np.where(ok, z * sw, np.nan),
        "melt_window_K_hi": td_new - tm_new + np.where(ok, z * sw, np.nan),
        "p_window_regressors": p_reg,
        "melt_conflict": note,
    })
