"""Rank screened structures: likely to melt, and with room between melting and decomposition.

score = P(meltable) × σ((Td − Tm) / s), with σ the logistic function and s =
``screen.window_scale_K`` (50 K). The classifier's probability is kept as the main signal and
discounted when the regressors put the melt window near or below zero (decomposes before or just
as it melts); a missing window is neutral (σ = 0.5). Ties fall back to P(meltable), then the
window, then the id, so every executor and every resumed run gives the same order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gfa_ml.models.predict import PREDICT_COLUMNS

#: every prediction column of ``gfa predict`` (its stable contract), carried into ranked.csv
PREDICTION_COLUMNS = tuple(c for c in PREDICT_COLUMNS if c not in ("id", "status", "error"))
#: prediction columns holding text or flags rather than numbers
TEXT_PREDICTIONS = ("in_domain", "nearest_known", "Tg_tct_reason", "models_used")
#: structure descriptors a chemist reads beside the predictions
DESCRIPTOR_COLUMNS = (
    "metals", "linkers", "donors", "net_dim", "node_cn", "node_nuclearity", "struct_n_atoms",
    "struct_density", "pore_lcd", "pore_pld", "pore_void_fraction",
)
RANKED_COLUMNS = ("rank", "id", "score", "melt_window_K", *PREDICTION_COLUMNS,
                  *DESCRIPTOR_COLUMNS, "status", "error", "source")
#: rows that get predictions: fully featurized, or ``partial`` (disorder resolved / ligand
#: columns NaN; ``error`` says what is missing)
SERVED = ("ok", "partial")


def score(frame: pd.DataFrame, window_scale_K: float) -> pd.Series:
    """P(meltable) discounted by a logistic in the predicted melt window Td − Tm."""
    window = frame["Td_K"] - frame["Tm_K"]
    weight = 1.0 / (1.0 + np.exp(-window / window_scale_K))
    return frame["p_meltable"] * weight.fillna(0.5)


def rank(results: pd.DataFrame, window_scale_K: float) -> pd.DataFrame:
    """Predicted rows of a screen (ok and partial), best candidates first, ``rank`` 1..n."""
    ok = results.loc[results["status"].isin(SERVED)].copy()
    for col in (*PREDICTION_COLUMNS, *DESCRIPTOR_COLUMNS):
        if col not in ok:
            ok[col] = np.nan
    ok["melt_window_K"] = ok["Td_K"] - ok["Tm_K"]
    ok["score"] = score(ok, window_scale_K)
    ok = ok.sort_values(
        ["score", "p_meltable", "melt_window_K", "id"],
        ascending=[False, False, False, True],
        na_position="last",
        kind="mergesort",
    )
    ok["rank"] = np.arange(1, len(ok) + 1)
    return ok.loc[:, list(RANKED_COLUMNS)].reset_index(drop=True)


def failures(results: pd.DataFrame) -> pd.DataFrame:
    """One line per structure that failed, with its one-line reason (errors.csv)."""
    bad = results.loc[results["status"] == "error", ["id", "source", "error"]]
    return bad.sort_values(["source", "id"], kind="mergesort").reset_index(drop=True)
