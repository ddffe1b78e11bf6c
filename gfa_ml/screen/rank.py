"""Rank screened structures by one number: P(melts before it decomposes).

``score`` is ``p_meltable``, which ``gfa predict`` has already made one answer with Tm and Td
(:mod:`gfa_ml.models.coherence`: p = P(Tm < Td) under the reported intervals, so p ≥ 0.5 exactly
when the reported window Td − Tm is ≥ 0). Ties (polymorphs of one composition often share p)
fall back to the wider melt window, then the id, so every executor and every resumed run gives
the same order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gfa_ml.models.predict import PREDICT_COLUMNS

#: every prediction column of ``gfa predict`` (its stable contract), carried into ranked.csv
PREDICTION_COLUMNS = tuple(c for c in PREDICT_COLUMNS if c not in ("id", "status", "error"))
#: prediction columns holding text or flags rather than numbers
TEXT_PREDICTIONS = ("in_domain", "nearest_known", "Tg_tct_reason", "models_used",
                    "melt_conflict")
#: structure descriptors a chemist reads beside the predictions
DESCRIPTOR_COLUMNS = (
    "metals", "linkers", "donors", "net_dim", "node_cn", "node_nuclearity", "struct_n_atoms",
    "struct_density", "pore_lcd", "pore_pld", "pore_void_fraction",
)
RANKED_COLUMNS = ("rank", "id", "score", *PREDICTION_COLUMNS,
                  *DESCRIPTOR_COLUMNS, "status", "error", "source")
#: rows that get predictions: fully featurized, or ``partial`` (disorder resolved / ligand
#: columns NaN; ``error`` says what is missing)
SERVED = ("ok", "partial")


def score(frame: pd.DataFrame) -> pd.Series:
    """The ranking key: P(melts before it decomposes)."""
    return frame["p_meltable"].astype(float)


def rank(results: pd.DataFrame) -> pd.DataFrame:
    """Predicted rows of a screen (ok and partial), best candidates first, ``rank`` 1..n."""
    ok = results.loc[results["status"].isin(SERVED)].copy()
    for col in (*PREDICTION_COLUMNS, *DESCRIPTOR_COLUMNS):
        if col not in ok:
            ok[col] = np.nan
    ok["score"] = score(ok)
    ok = ok.sort_values(
        ["score", "melt_window_K", "id"],
        ascending=[False, False, True],
        na_position="last",
        kind="mergesort",
    )
    ok["rank"] = np.arange(1, len(ok) + 1)
    return ok.loc[:, list(RANKED_COLUMNS)].reset_index(drop=True)


def failures(results: pd.DataFrame) -> pd.DataFrame:
    """One line per structure that failed, with its one-line reason (errors.csv)."""
    bad = results.loc[results["status"] == "error", ["id", "source", "error"]]
    return bad.sort_values(["source", "id"], kind="mergesort").reset_index(drop=True)
