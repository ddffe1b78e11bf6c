"""Rank screened structures by one number: P(melts before it decomposes) at equal prior odds.

``score`` is ``p_meltable``, the calibrated meltability classifier of ``gfa predict`` (converting
it to another base rate with ``--prior`` is monotone: the order is the same). Ties (polymorphs of
one composition often share p) fall back to the wider melt window Td − Tm of the regressors,
then the id, so every executor and every resumed run gives the same order.

Rows whose p_meltable comes from an incomplete description (``meltable_partial``: no linker or
ligand bond orders perceived, chemistry the meltability model never saw) rank after every row
whose p it could read in full: a p computed with the ligand columns blank is the model's answer
for "some ligand", not for this framework. They keep their order by p among themselves, and
their ``status`` and reason travel with them into ``ranked.csv`` and the report's top table;
``partial`` rows for other reasons (disorder resolved, a Tg model that never saw the ligand
class) rank by p like any other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gfa_ml.models.predict import PREDICT_COLUMNS, TEXT_ANSWER_COLUMNS

#: every prediction column of ``gfa predict`` (its stable contract), carried into ranked.csv
PREDICTION_COLUMNS = tuple(c for c in PREDICT_COLUMNS if c not in ("id", "status", "error"))
#: prediction columns holding text or flags rather than numbers
TEXT_PREDICTIONS = ("in_domain", "nearest_known", "Tg_tct_reason", "models_used",
                    "meltable_partial", *TEXT_ANSWER_COLUMNS)
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
    ok["_partial"] = ok["meltable_partial"].astype("boolean").fillna(True).astype(bool)
    ok = ok.sort_values(
        ["_partial", "score", "melt_window_K", "id"],
        ascending=[True, False, False, True],
        na_position="last",
        kind="mergesort",
    )
    ok["rank"] = np.arange(1, len(ok) + 1)
    return ok.loc[:, list(RANKED_COLUMNS)].reset_index(drop=True)


def failures(results: pd.DataFrame) -> pd.DataFrame:
    """One line per structure that failed, with its one-line reason (errors.csv)."""
    bad = results.loc[results["status"] == "error", ["id", "source", "error"]]
    return bad.sort_values(["source", "id"], kind="mergesort").reset_index(drop=True)
