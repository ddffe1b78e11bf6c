"""TCT Tg for a table of materials: calibrate each family on its training glasses, then predict.

``predict_tg(df)`` is what ``gfa tct`` runs (an analysis: it calibrates on the curated measured
table, ``gfa_ml.data.measured``, or on ``--training``). ``gfa predict`` and the screen never
calibrate: they serve the fitted ``tct`` model (:mod:`gfa_ml.models.tct_model`, saved by
``gfa train --model tct --target Tg``), which holds the same calibrations.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.tct.calibrate import Calibration, fit_family, predict_glasses
from gfa_ml.tct.records import Glass, glass_from_record
from gfa_ml.tct.tables import available_families

OUTPUT_COLUMNS = ["id", "Tg_tct_K", "n_at_Tg", "fragility", "reference", "reason"]
#: what a served TCT Tg means (shown beside it: ZIF-8 counts like any ZIF but does not melt)
SERVED_NOTE = "Tg if it vitrifies (TCT does not predict melting)"
#: why fragility is not shown beside Tg (see experiments/tct_results.md)
FRAGILITY_NOTE = ("fragility m not shown: the constraint model gives hundreds where ZIF glasses "
                  "measure 14-41, a diagnostic of its step-like onsets, not a prediction")


def glasses_from_frame(df: pd.DataFrame) -> list[Glass]:
    """One :class:`Glass` per row; ids from an ``id`` column, else from the index."""
    ids = df["id"].astype(str) if "id" in df.columns else df.index.astype(str)
    return [glass_from_record(rec, i) for i, rec in zip(ids, df.to_dict("records"), strict=True)]


def training_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Rows that may calibrate the model: usable, measured Tg, glass route in the config."""
    keep = pd.to_numeric(df["Tg_K"], errors="coerce").notna()
    if "exclude_reason" in df.columns:
        keep &= df["exclude_reason"].fillna("").astype(str).str.strip() == ""
    if "route" in df.columns:
        keep &= df["route"].fillna("").astype(str).isin(get_settings().tct.routes)
    return df[keep]


def fit_families(glasses: Sequence[Glass], tg_K: Sequence[float]) -> dict[str, Calibration]:
    """A calibration for every family with a constraint table and a countable training glass."""
    tg = np.asarray(tg_K, float)
    cals = {}
    for family in available_families():
        if any(g.family == family and g.inventory is not None for g in glasses):
            cals[family] = fit_family(glasses, tg, family)
    return cals


def predict_with(cals: dict[str, Calibration], glasses: Sequence[Glass]) -> pd.DataFrame:
    """Predictions in input order; families without a calibration get NaN and a reason."""
    parts = []
    for pos, g in enumerate(glasses):
        if g.inventory is not None and g.family not in cals:
            reason = f"no reference glass for family {g.family} (no training glass with Tg)"
            parts.append((pos, pd.DataFrame([{"id": g.id, "reason": reason}])))
        elif g.inventory is None:
            parts.append((pos, pd.DataFrame([{"id": g.id, "reason": g.reason}])))
    for family, cal in cals.items():
        idx = [i for i, g in enumerate(glasses) if g.inventory is not None and g.family == family]
        if idx:
            out = predict_glasses(cal, [glasses[i] for i in idx])
            parts.extend((i, out.iloc[[k]]) for k, i in enumerate(idx))
    parts.sort(key=lambda p: p[0])
    frame = pd.concat([p[1] for p in parts], ignore_index=True) if parts else pd.DataFrame()
    return frame.reindex(columns=OUTPUT_COLUMNS).fillna({"reference": "", "reason": ""})


def _default_tables_key() -> tuple | None:
    """Identity of the default calibration tables (curated + lab), None if there is none."""
    paths = get_settings().paths
    if not paths.measured_csv.exists():
        return None
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                 for p in (paths.measured_csv, paths.lab_csv) if p.exists())


@lru_cache(maxsize=4)
def _calibrate_default(key: tuple) -> dict[str, Calibration]:
    """Fitted once per process and table version: screening predicts chunk after chunk, and a
    calibration costs seconds."""
    from gfa_ml.data.measured import training_table

    return _fit(training_table().reset_index())


def _fit(training: pd.DataFrame) -> dict[str, Calibration]:
    rows = training_rows(training)
    return fit_families(glasses_from_frame(rows), rows["Tg_K"].to_numpy(float))


def calibrate(training: pd.DataFrame | None = None) -> dict[str, Calibration] | None:
    """Calibrations on ``training`` (measured format; default the curated table), None if absent."""
    if training is not None:
        return _fit(training)
    key = _default_tables_key()
    return None if key is None else _calibrate_default(key)


def predict_glass_list(
    glasses: Sequence[Glass], training: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Calibrate (see :func:`calibrate`) and predict; NaN + reason for every row if no table."""
    if not any(g.inventory is not None for g in glasses):
        return predict_with({}, glasses)  # nothing countable: no calibration needed
    cals = calibrate(training)
    if cals is None:
        out = predict_with({}, glasses)
        countable = np.array([g.inventory is not None for g in glasses], bool)
        out.loc[countable, "reason"] = "no measured table to calibrate the TCT model on"
        return out
    return predict_with(cals, glasses)


def predict_tg(df: pd.DataFrame, training: pd.DataFrame | None = None) -> pd.DataFrame:
    """DataFrame[id, Tg_tct_K, n_at_Tg, fragility, reference, reason], one row per input row.

    ``training`` is a measured-format table (default: the curated measured table's usable rows).
    """
    return predict_glass_list(glasses_from_frame(df), training)
