"""Score a blind file of materials the models never saw (``gfa evaluate --blind FILE.csv``).

Columns: a structure reference (``cif`` path, CoRE ``core_name`` or CSD ``refcode`` resolved
against CoRE MOF 2019-ASR) or a record (``id``, ``metal``, ``ligand_smiles`` ...), plus any
measured targets (``Td_C`` or ``Td_K``, ``Tm_K``, ``Tg_K``, ``meltable`` yes/no). Scores are
reported for all rows and split by the applicability-domain flag, so extrapolation shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.evaluation.metrics import classification_metrics, regression_metrics
from gfa_ml.models.predict import featurize_inputs, predict_frame
from gfa_ml.models.store import ModelBundle
from gfa_ml.models.targets import TARGETS
from gfa_ml.structures.core_mof import list_names


def _core_name(refcode: str, names: dict[str, str]) -> str:
    return names.get(refcode.strip().upper(), "")


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    """A text column by case-insensitive name ('' where absent or empty)."""
    cols = {c.lower(): c for c in df.columns}
    if name not in cols:
        return pd.Series("", index=df.index, dtype=object)
    return df[cols[name]].fillna("").astype(str).str.strip()


def blind_inputs(df: pd.DataFrame) -> pd.DataFrame:
    """Feature frame for a blind file, one row per line (id: ``id``, else core_name, refcode or
    the CIF file stem)."""
    from gfa_ml.models.training_data import FeatureSource

    cif, core, ref = _column(df, "cif"), _column(df, "core_name"), _column(df, "refcode")
    by_ref: dict[str, str] = {}
    if (ref != "").any():
        for n in list_names("2019-ASR"):
            by_ref.setdefault(n.split("_")[0].upper(), n)
    resolved = core.where(core != "", ref.map(lambda r: _core_name(r, by_ref)))
    refs = cif.where(cif != "", resolved.map(lambda n: f"core-mof:2019-ASR/{n}" if n else ""))
    ids = _column(df, "id")
    for alt in (core, ref, cif.map(lambda c: Path(c).stem if c else "")):
        ids = ids.where(ids != "", alt)
    ids = ids.where(ids != "", pd.Series([f"row{i + 1}" for i in range(len(df))], index=df.index))
    has_ref = (refs != "").to_numpy()
    parts = []
    if has_ref.any():
        parts.append(FeatureSource().cifs(pd.Series(refs.to_numpy()[has_ref],
                                                    index=ids.to_numpy()[has_ref])))
    if (~has_ref).any():
        recs = df[~has_ref].copy()
        recs["id"] = ids.to_numpy()[~has_ref]
        parts.append(featurize_inputs(recs))
    out = pd.concat(parts, sort=False) if parts else pd.DataFrame()
    out = out.reindex(pd.Index(ids.to_numpy(), name="id"))
    # the structure reference travels with the features: graph models build their own input
    out["cif_path"] = refs.to_numpy()
    missing = out["status"].isna() if "status" in out else pd.Series(True, index=out.index)
    out.loc[missing, "status"] = "error"
    out.loc[missing, "error"] = "structure not found (refcode/core_name not in CoRE 2019-ASR)"
    return out


def measured_targets(df: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """The label of every declared target whose column the file has (names case-insensitive;
    ``Td_C`` in degrees Celsius stands in for a missing ``Td_K``)."""
    cols = {c.lower(): c for c in df.columns}
    if "td_c" in cols and "td_k" not in cols:
        df = df.assign(Td_K=pd.to_numeric(df[cols["td_c"]], errors="coerce") + 273.15)
        cols["td_k"] = "Td_K"
    out = pd.DataFrame(index=ids)
    for t in TARGETS.values():
        if t.column.lower() in cols:
            out[t.name] = t.labeller(df[cols[t.column.lower()]]).to_numpy()
    return out


def score_blind(path: Path, models: dict[str, ModelBundle]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-row predictions with the measured values, metrics table by target and domain)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", np.nan)
    X = blind_inputs(df)
    truth = measured_targets(df, X.index)
    preds = predict_frame(X, models=models, tct=False).set_index("id")
    rows = []
    for target in truth.columns:
        if target not in models:
            continue
        t = TARGETS[target]
        col = t.output
        dom = preds.get(f"{target}_in_domain", preds["in_domain"]).astype(bool)
        for label, mask in (("all", dom | ~dom), ("in domain", dom), ("out of domain", ~dom)):
            sel = mask & truth[target].notna() & preds[col].notna()
            y, p = truth.loc[sel, target].to_numpy(), preds.loc[sel, col].to_numpy(float)
            if t.task == "classification":
                m = classification_metrics(y, p)
            else:
                m = regression_metrics(y, p, preds.loc[sel, f"{target}_lo"],
                                       preds.loc[sel, f"{target}_hi"])
            rows.append({"target": target, "rows": label, **m})
    merged = preds.join(truth.add_prefix("measured_"))
    return merged.reset_index(), pd.DataFrame(rows)
