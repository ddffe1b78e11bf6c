"""Predict every target for new materials: ``predict_frame`` (Python) behind ``gfa predict``.

Output columns are a stable contract read by other tools (the screening report among them):
``PREDICT_COLUMNS`` first, in that order (each declared target's columns, then the shared
ones; ``predict_columns()`` also holds targets declared after import); explanation columns
(``<target>_top_features``) and per-target domain flags follow when asked for.

``status`` is ``ok`` (every target predicted), ``partial`` (some target has no trained model or
the input lacked part of the features; ``error`` says what) or ``error`` (nothing predicted).
``in_domain`` is True only if the material is inside the applicability domain of every model
that served it; the per-target flags say which ones it is outside.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.models.store import ModelBundle, ModelFileError, latest_dir, load_bundle
from gfa_ml.models.targets import TARGETS

#: the melt window Td − Tm of the reconciled answer (:mod:`gfa_ml.models.coherence`), its 90 %
#: interval, and the note when the regressors alone disagree with p_meltable
WINDOW_COLUMNS = ("melt_window_K", "melt_window_K_lo", "melt_window_K_hi", "melt_conflict")
_SHARED_COLUMNS = (*WINDOW_COLUMNS, "in_domain", "nearest_known", "status", "error", "Tg_tct_K",
                   "Tg_tct_reason", "models_used")


def _target_columns() -> list[str]:
    return [c for t in TARGETS.values() for c in t.prediction_columns]


def predict_columns() -> list[str]:
    """``id``, every declared target's value (and interval) columns, then the shared ones."""
    return ["id", *_target_columns(), *_SHARED_COLUMNS]


PREDICT_COLUMNS: list[str] = predict_columns()


def load_models(
    model: str | None = None, root: Path | None = None, targets: Iterable[str] = TARGETS,
    fallback: str | None = None,
) -> dict[str, ModelBundle]:
    """Latest saved bundle per target for ``model`` (default from config), or one directory.

    ``model`` may be a registered name (``xgb``, ``rf``, ``gnn``) or the path of a saved model
    directory (then only its target is served). A target with no saved ``model`` version is
    served by ``fallback`` (default: the configured default model; ``""`` = none), so e.g.
    ``--model gnn`` still fills every column and the ranking score; ``bundle.meta.model`` says
    which model served. The fallback is also each bundle's ``backup`` for the rows the requested
    model returns no value for. Targets never trained at all are simply absent.
    """
    if model and Path(model).exists():
        b = load_bundle(model)
        return {b.meta.target: b}
    default = get_settings().models.default_model
    name = model or default
    fallback = default if fallback is None else fallback
    targets = list(targets)
    dirs = {t: d for t in targets if (d := latest_dir(t, name, root)) is not None}
    if not dirs:
        raise ModelFileError(f"no trained {name!r} models under "
                             f"{root or get_settings().paths.models}; run `gfa train` first")
    backups = {}
    if fallback and fallback != name:
        backups = {t: d for t in targets if (d := latest_dir(t, fallback, root)) is not None}
        dirs = {**backups, **dirs}
    bundles = {t: load_bundle(dirs[t]) for t in targets if t in dirs}
    for t, b in bundles.items():
        if t in backups and backups[t] != dirs[t]:
            b.backup = load_bundle(backups[t])
    return bundles


def _label(target: str, bundle: ModelBundle) -> str:
    """One ``models_used`` entry, e.g. ``Tg_K=gnn v1`` (a fallback is visible in every row)."""
    return f"{target}={bundle.meta.model} {bundle.meta.version}".strip()


def fallback_note(requested: str | None, models: dict[str, ModelBundle]) -> str:
    """One line for people when ``requested`` could not serve every target ('' if it could)."""
    name = requested or get_settings().models.default_model
    if Path(name).exists():
        return ""
    other = {t: b.meta.model for t, b in models.items() if b.meta.model != name}
    if not other:
        return ""
    by = ", ".join(sorted(set(other.values())))
    return f"no {name} model for {', '.join(other)}: served by {by} (see column models_used)"


def featurize_inputs(inputs: object, keep_cif: bool = False) -> pd.DataFrame:
    """A feature frame (index = id, with ``status``/``error``) from any supported input.

    Accepted: a feature frame (has declared feature columns), a records frame (``id``, ``metal``
    or ``metals``, ``ligand_smiles`` ...), or an iterable of CIF items / paths. ``keep_cif``
    adds a ``cif_text`` column to CIF inputs, for models that build their own structure
    representation (the crystal-graph network).
    """
    from gfa_ml.featurize import feature_labels, featurize_many, featurize_records
    from gfa_ml.featurize.batch import as_cif

    if isinstance(inputs, pd.DataFrame):
        df = inputs.copy()
        if "id" in df.columns:
            df = df.set_index(df["id"].astype(str), drop=False)
        repeated = df.index[df.index.duplicated()].unique()
        if len(repeated):
            raise ValueError(f"id {repeated[0]!r} is used more than once ({len(repeated)} "
                             "repeated id(s)): each material needs its own id")
        # the --records format's singular names -> the measured-table names every model reads
        for alias, canonical in (("metal", "metals"), ("oxidation_state", "oxidation_states")):
            if alias in df.columns and canonical not in df.columns:
                df = df.rename(columns={alias: canonical})
        if not any(c in df.columns for c in feature_labels()):
            feats = featurize_records(df.reset_index(drop=True)).set_index("id")
            feats.index = df.index
            df = df.drop(columns=[c for c in ("status", "error") if c in df.columns])
            df = df.join(feats, rsuffix="_feat")
        df = df.drop(columns=["id"], errors="ignore")
    else:
        n_jobs = get_settings().models.n_jobs
        items = list(inputs)  # type: ignore[call-overload]
        if keep_cif:  # read each CIF file once: its text feeds both featurizer and graph model
            items = [as_cif(it) or it for it in items]
        df = featurize_many(items, n_jobs=n_jobs, cache=True, progress=False)
        if keep_cif:
            df["cif_text"] = [it[1] if isinstance(it, tuple) else "" for it in items]
        df = df.set_index(df["id"].astype(str)).drop(columns=["id"])
    df.index.name = "id"
    for col, default in (("status", "ok"), ("error", "")):
        if col not in df.columns:
            df[col] = default
    df["status"] = df["status"].fillna("ok").astype(str)
    df["error"] = df["error"].fillna("").astype(str)
    return df


#: ``Tg_tct_reason`` when no fitted TCT model is saved (prediction never fits one itself)
NO_TCT_MODEL = "no fitted TCT model (`gfa train --model tct --target Tg`)"


def load_tct(root: Path | None = None) -> ModelBundle | None:
    """The latest fitted TCT model (a ``tct`` bundle like any other model's), None if none."""
    from gfa_ml.models.registry import get_model_class

    (target,) = get_model_class("tct").targets
    found = latest_dir(target, "tct", root)
    return None if found is None else load_bundle(found)


def _tct(frame: pd.DataFrame, bundle: ModelBundle | None) -> pd.DataFrame:
    """Tg from topological constraint theory where the fitted TCT model can serve the material."""
    out = pd.DataFrame({"Tg_tct_K": np.nan, "Tg_tct_reason": NO_TCT_MODEL}, index=frame.index)
    if bundle is None:
        return out
    try:
        from gfa_ml.tct.predict import SERVED_NOTE

        res = bundle.model.predict_table(frame)
        tg = pd.to_numeric(res["Tg_tct_K"], errors="coerce").to_numpy()
        out["Tg_tct_K"] = tg
        out["Tg_tct_reason"] = np.where(np.isfinite(tg), SERVED_NOTE,
                                        res["reason"].fillna("").astype(str).to_numpy())
    except Exception as exc:  # noqa: BLE001 - TCT failing must not cost the ML predictions
        out["Tg_tct_reason"] = f"tct failed: {' '.join(str(exc).split())[:150]}"
    return out


def _note_missing(
    out: pd.DataFrame, Xok: pd.DataFrame, missing: np.ndarray, bundle: ModelBundle, name: str,
    served: str = "",
) -> None:
    """A model that returns NaN for a featurized row must say why, never leave a silent gap
    (``served``: what filled the value instead, if anything)."""
    if not missing.any():
        return
    reasons = bundle.model.nan_reasons(Xok).reindex(Xok.index).fillna("")
    for idx, reason in zip(Xok.index[missing], reasons[missing], strict=True):
        note = f"{name}: {bundle.meta.model} gave no value ({reason or 'no reason given'})"
        note += f"; served by {served}" if served else ""
        prev = out.at[idx, "error"]
        out.at[idx, "error"] = f"{prev}; {note}" if prev else note


def _halfwidths(bundle: ModelBundle, partial: np.ndarray) -> np.ndarray:
    """90 % half-width per row: partial rows get their own, wider one (NaN = not calibrated,
    from a model trained before partial rows existed; better no interval than a false one).
    A two-fidelity model (Td) predicts on the measured scale: never narrower than its
    measured rows' own half-width."""
    m = bundle.meta
    half = np.where(partial, m.halfwidth_partial, m.halfwidth).astype(float)
    return np.fmax(half, m.halfwidth_measured) if np.isfinite(m.halfwidth_measured) else half


def _predict_target(
    out: pd.DataFrame, ok: np.ndarray, Xok: pd.DataFrame, bundle: ModelBundle, name: str,
    used: pd.DataFrame,
) -> None:
    """Fill one target's value (and 90 % interval) for the featurized rows; rows the model
    cannot serve go to its backup, recorded in ``used`` (model label per row and target)."""
    target = TARGETS[name]
    lo_bound, hi_bound = target.bounds
    partial = (Xok["status"] == "partial").to_numpy()
    pred = np.asarray(bundle.model.predict(Xok), dtype=float)
    half = _halfwidths(bundle, partial)
    missing = ~np.isfinite(pred)
    backup = bundle.backup
    if missing.any() and backup is not None:
        pred[missing] = np.asarray(backup.model.predict(Xok[missing]), dtype=float)
        half[missing] = _halfwidths(backup, partial)[missing]
        used.loc[Xok.index[missing], name] = _label(name, backup)
    _note_missing(out, Xok, missing, bundle, name, _label(name, backup) if backup else "")
    out.loc[ok, target.output] = np.clip(pred, lo_bound, hi_bound)
    if target.task == "regression":
        out.loc[ok, f"{name}_lo"] = np.clip(pred - half, lo_bound, hi_bound)
        out.loc[ok, f"{name}_hi"] = np.clip(pred + half, lo_bound, hi_bound)


def _reconcile(out: pd.DataFrame, models: dict[str, ModelBundle]) -> None:
    """p_meltable, Tm and Td made one answer (:mod:`gfa_ml.models.coherence`); the window and
    its interval are filled wherever Tm and Td exist."""
    from gfa_ml.models.coherence import reconcile

    cls = [n for n, t in TARGETS.items() if t.task == "classification" and n in models]
    tm, td = (TARGETS[n] for n in ("Tm_K", "Td_K"))
    if not cls or tm.name not in models or td.name not in models:
        return
    num = {c: pd.to_numeric(out[c], errors="coerce").to_numpy(float)
           for c in (tm.output, td.output, f"{tm.name}_lo", f"{tm.name}_hi", f"{td.name}_lo",
                     f"{td.name}_hi", TARGETS[cls[0]].output)}
    half_tm = (num[f"{tm.name}_hi"] - num[f"{tm.name}_lo"]) / 2
    half_td = (num[f"{td.name}_hi"] - num[f"{td.name}_lo"]) / 2
    r = reconcile(num[TARGETS[cls[0]].output], num[tm.output], num[td.output], half_tm,
                  half_td, models[tm.name].meta.coverage)
    for t, half, col in ((tm, half_tm, "Tm_K"), (td, half_td, "Td_K")):
        lo_b, hi_b = t.bounds
        out[t.output] = np.clip(r[col].to_numpy(), lo_b, hi_b)
        out[f"{t.name}_lo"] = np.clip(r[col].to_numpy() - half, lo_b, hi_b)
        out[f"{t.name}_hi"] = np.clip(r[col].to_numpy() + half, lo_b, hi_b)
    for col in WINDOW_COLUMNS:
        out[col] = r[col].to_numpy()


def _note_untrained(out: pd.DataFrame, ok: np.ndarray, models: dict[str, ModelBundle]) -> None:
    """Rows predicted without a model for some target are ``partial``, and say which."""
    absent = [t for t in TARGETS if t not in models]
    if not absent or not ok.any():
        return
    note = (f"no trained model for {', '.join(absent)} (columns left empty; "
            f"`gfa train --target {','.join(absent)}`)")
    idx = out.index[ok]
    out.loc[idx, "status"] = "partial"
    prev = out.loc[idx, "error"].astype(str)
    out.loc[idx, "error"] = np.where(prev != "", prev + "; " + note, note)


def predict_frame(
    inputs: object, models: dict[str, ModelBundle] | None = None, explain: bool = False,
    tct: bool | ModelBundle | None = True,
) -> pd.DataFrame:
    """One row per input with ``PREDICT_COLUMNS`` (see module docstring).

    ``inputs``: CIF items/paths, a records frame or a ready feature frame (``featurize_inputs``).
    Rows whose featurization failed keep ``status=error`` and NaN predictions.
    ``tct``: the fitted TCT model to fill ``Tg_tct_K`` (True: the latest saved one, see
    :func:`load_tct`; None: there is none, the reason says so; False: not requested).
    """
    models = load_models() if models is None else models
    columns = predict_columns()
    X = featurize_inputs(inputs, keep_cif=any(
        type(b.model).needs_structures for b in models.values()))
    ok = X["status"].ne("error").to_numpy()
    out = pd.DataFrame(index=X.index, columns=columns[1:], dtype=object)
    for col in columns[1:]:
        out[col] = np.nan
    out["status"], out["error"] = X["status"], X["error"]
    out["in_domain"], out["nearest_known"] = False, ""
    used = pd.DataFrame({t: _label(t, b) for t, b in models.items()}, index=X.index)
    extra: dict[str, pd.Series] = {}
    domains: dict[str, pd.DataFrame] = {}
    Xok = X[ok]
    for name, bundle in models.items():
        if Xok.empty:
            continue
        _predict_target(out, ok, Xok, bundle, name, used)
        if bundle.domain is not None:
            domains[name] = bundle.domain.assess(Xok)
            extra[f"{name}_in_domain"] = domains[name]["in_domain"].reindex(X.index)
        if explain and hasattr(bundle.model, "contributions"):
            from gfa_ml.models.explain import top_reasons

            extra[f"{name}_top_features"] = top_reasons(
                bundle.model.contributions(Xok), Xok
            ).reindex(X.index)
    if domains:
        # the anchor target's domain (measured materials) when it has a model, else the first
        anchor = [n for n in domains if TARGETS[n].domain_anchor]
        dom = domains[anchor[0] if anchor else next(iter(domains))]
        inside = np.logical_and.reduce([d["in_domain"].to_numpy(dtype=bool)
                                        for d in domains.values()])
        out.loc[ok, "in_domain"] = inside
        out.loc[ok, "nearest_known"] = dom["nearest_known"].to_numpy()
    _note_untrained(out, ok, models)
    _reconcile(out, models)
    out["models_used"] = ["; ".join(r) for r in used.itertuples(index=False)]
    if tct is not False:
        out[["Tg_tct_K", "Tg_tct_reason"]] = _tct(X, load_tct() if tct is True else tct)
    else:
        out["Tg_tct_reason"] = "not requested"
    out = out.reset_index()
    out["melt_conflict"] = out["melt_conflict"].fillna("").astype(str)
    for col in (*_target_columns(), "Tg_tct_K", *WINDOW_COLUMNS[:3]):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["in_domain"] = out["in_domain"].astype(bool)
    for key, series in extra.items():
        out[key] = series.to_numpy()
    return out[columns + list(extra)]
