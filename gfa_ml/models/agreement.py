"""What the models say together, shown beside what each says alone — never edited to agree.

Two models answer "does it melt before it decomposes?":

- the **meltability classifier** (``p_meltable``), trained on the question itself and
  Platt-calibrated with both classes weighted equally, i.e. P(melts before decomposing) **at equal
  prior odds**; its yes/no call (``meltable_call``) uses the balanced-accuracy threshold chosen on
  inner folds (``meltable_threshold``). A chemist who knows the base rate of the set being
  screened converts p with :func:`at_prior` (the call does not change: the threshold converts
  with it);
- the **Tm and Td regressors**, whose own estimates and row-wise 90 % intervals, read as
  Gaussians (σ = half-width / z₀.₉₅), give ``p_window`` = P(Tm < Td) = Φ((Td − Tm) / σ_W),
  σ_W = √(σ_Tm² + σ_Td²).

``agreement`` compares the two in words. The regressors take a side when their P(Tm < Td) is at
least ``models.window_decided`` (or at most 1 − it): ``agree`` when that side is the
classifier's, ``disagree`` when it is the other — with the numbers behind each side and the
measurement that settles it — and ``undecided`` when the regressors' intervals overlap too much
to take a side (the Tm model learned from melters only, so for a non-melter its Tm is the one it
would have if it melted; the window is a weak witness, and is shown as such). An earlier design
moved Tm and Td until they agreed with p; that made the served Td of ordinary MOFs ~300 K
(issue #20) and is gone: every column is its own model's best estimate.

``flags`` marks what is physically implausible, never served silently: a value outside the range
its model was trained on (by more than ``models.plausibility_margin`` of that range), Tg at or
above Tm, and a Tg/Tm column that its own interval does not reconcile with Tg_K / Tm_K.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

#: what p_meltable is, in the words every surface uses (CLI help, CSV docs, web, report axes)
P_MEANING = "P(melts before decomposing) at equal prior odds"


def _z(coverage: float) -> float:
    return float(norm.ppf(0.5 + coverage / 2))


def p_window(tm: np.ndarray, td: np.ndarray, half_tm: np.ndarray, half_td: np.ndarray,
             coverage: float = 0.9) -> np.ndarray:
    """P(Tm < Td) from the regressors alone (NaN where an input is missing)."""
    tm, td = np.asarray(tm, float), np.asarray(td, float)
    sw = np.hypot(np.asarray(half_tm, float), np.asarray(half_td, float)) / _z(coverage)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(sw) & (sw > 0), norm.cdf((td - tm) / sw), np.nan)


def at_prior(p: np.ndarray, prior: float) -> np.ndarray:
    """An equal-odds probability converted to a base rate ``prior`` (Bayes: odds × prior odds)."""
    p = np.asarray(p, float)
    if prior == 0.5:
        return p
    num = p * prior
    return num / (num + (1.0 - p) * (1.0 - prior))


def _k(x: float) -> str:
    return f"{x:.0f} K"


def agreement(p: np.ndarray, call: np.ndarray, pw: np.ndarray, tm: np.ndarray,
              td: np.ndarray, decided: float = 0.8) -> np.ndarray:
    """``agree: ...`` / ``disagree: ...`` / ``undecided: ...`` per row ('' where either side is
    missing); the regressors take a side when P(Tm < Td) >= ``decided`` or <= 1 − ``decided``."""
    out = np.full(len(p), "", dtype=object)
    for i in range(len(p)):
        if not (np.isfinite(p[i]) and np.isfinite(pw[i]) and call[i] in ("yes", "no")):
            continue
        window = f"Tm {_k(tm[i])}, Td {_k(td[i])}, P(Tm<Td) {pw[i]:.2f}"
        cls_melts, reg_melts = call[i] == "yes", pw[i] >= 0.5
        side = "melts first" if cls_melts else "decomposes first"
        if 1.0 - decided < pw[i] < decided:
            out[i] = (f"undecided: the classifier says it {side} (p {p[i]:.2f}); the Tm/Td "
                      f"intervals overlap too much to take a side ({window})")
            continue
        if cls_melts == reg_melts:
            out[i] = f"agree: {side} (classifier p {p[i]:.2f}; {window})"
            continue
        reg = ("decomposition before melting" if cls_melts
               else "melting before decomposition")
        out[i] = (f"disagree: the classifier says it {side} (p {p[i]:.2f}) but the Tm/Td models "
                  f"put {reg} ({window}); a DSC/TGA scan under inert gas past "
                  f"{_k(max(tm[i], td[i]) + 50)} settles it (a melting endotherm before the "
                  "mass loss means it melts first)")
    return out


def _join(notes: list[np.ndarray]) -> np.ndarray:
    return np.array(["; ".join(n for n in row if n) for row in zip(*notes, strict=True)],
                    dtype=object)


def plausibility(frame: pd.DataFrame, ranges: dict[str, tuple[str, float, float]],
                 margin: float, tg: str = "", tm: str = "", ratio: str = "") -> np.ndarray:
    """``flags`` per row: values outside their model's training range (± ``margin`` of it),
    Tg ≥ Tm, and a Tg/Tm value whose interval cannot reconcile it with Tg / Tm.

    ``ranges``: output column -> (label, lowest, highest training label); ``tg``, ``tm``,
    ``ratio``: the output columns of the glass, melting and Tg/Tm targets ('' = absent).
    """
    notes: list[np.ndarray] = []
    for col, (label, lo, hi) in ranges.items():
        if col not in frame or not (np.isfinite(lo) and np.isfinite(hi)):
            continue
        v = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
        pad = margin * (hi - lo)
        unit = " K" if col.endswith("_K") else ""
        span = f"{lo:.3g}–{hi:.3g}{unit}"
        low = [f"{label} {x:.3g}{unit} is below every {label} its model learned from ({span})"
               for x in v]
        high = [f"{label} {x:.3g}{unit} is above every {label} its model learned from ({span})"
                for x in v]
        notes.append(np.where(v < lo - pad, low, np.where(v > hi + pad, high, "")))
    if tg in frame and tm in frame and len(frame):
        g = pd.to_numeric(frame[tg], errors="coerce").to_numpy(float)
        m = pd.to_numeric(frame[tm], errors="coerce").to_numpy(float)
        notes.append(np.where(g >= m, [f"Tg {_k(a)} is not below Tm {_k(b)}: one of the two is "
                                       "wrong for this material" for a, b in
                                       zip(g, m, strict=True)], ""))
        if ratio in frame:
            with np.errstate(invalid="ignore", divide="ignore"):
                x = g / m
            r = pd.to_numeric(frame[ratio], errors="coerce").to_numpy(float)
            lo = pd.to_numeric(frame[f"{ratio}_lo"], errors="coerce").to_numpy(float)
            hi = pd.to_numeric(frame[f"{ratio}_hi"], errors="coerce").to_numpy(float)
            off = np.isfinite(x) & (g < m) & ((x < lo) | (x > hi))
            notes.append(np.where(off, [f"Tg/Tm {a:.2f} from its own model, {b:.2f} from the Tg "
                                        "and Tm columns: outside the Tg/Tm interval" for a, b in
                                        zip(r, x, strict=True)], ""))
    if not notes:
        return np.full(len(frame), "", dtype=object)
    return _join(notes)
