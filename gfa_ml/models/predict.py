"""Predict every target for new materials: ``predict_frame`` (Python) behind ``gfa predict``.

Output columns are a stable contract read by other tools (the screening report among them):
``PREDICT_COLUMNS`` first, in that order (each declared target's columns, then the shared
ones; ``predict_columns()`` also holds targets declared after import); explanation columns
(``<target>_top_features``) and per-target domain flags follow when asked for.

Every value column is its own model's best estimate with its own row-wise 90 % interval
(:mod:`gfa_ml.models.serving`, the code ``gfa evaluate`` scores through); what the models say
together is shown beside them, never by editing them (:mod:`gfa_ml.models.agreement`).

``status`` is ``ok`` (every target predicted from a complete description), ``partial`` (some
target has no trained model, the input lacked part of the features, or holds chemistry a model
never saw: :mod:`gfa_ml.models.completeness`; ``error`` says what) or ``error`` (nothing
predicted). ``in_domain`` is True only if the material is inside the applicability domain of
every model that served it; the per-target flags say which ones it is outside.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.models.agreement import agreement, at_prior, p_window, plausibility
from gfa_ml.models.completeness import mark_incomplete
from gfa_ml.models.serving import Served, serve_target
from gfa_ml.models.store import ModelBundle, ModelFileError, latest_dir, load_bundle
from gfa_ml.models.targets import TARGETS, by_role, classifier

#: what the models say together (:mod:`gfa_ml.models.agreement`): the classifier's yes/no call
#: and its threshold, the base rate p_meltable is stated at, whether p_meltable comes from an
#: incomplete description (``meltable_partial``), the regressors' own P(Tm < Td) and
#: window Td − Tm (with its 90 % interval), whether the two sides agree, implausibility flags
ANSWER_COLUMNS = ("meltable_call", "meltable_threshold", "p_meltable_prior", "meltable_partial",
                  "p_window", "agreement", "melt_window_K", "melt_window_K_lo",
                  "melt_window_K_hi", "flags")
TEXT_ANSWER_COLUMNS = ("meltable_call", "agreement", "flags")
_SHARED_COLUMNS = (*ANSWER_COLUMNS, "in_domain", "nearest_known", "status", "error", "Tg_tct_K",
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


def _metal_symbols(cell: object) -> object:
    """``Cu(I);Zn`` -> ``Cu;Zn`` (the state was read by the featurizer); unreadable kept."""
    from gfa_ml.data.columns import split_multi
    from gfa_ml.featurize.oxidation import MetalSpellingError, parse_metal

    try:
        return ";".join(parse_metal(m)[0] for m in split_multi(cell))
    except MetalSpellingError:
        return cell


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
            if "metals" in df.columns:  # `Cu(I)`, `Cu+` read; downstream code sees `Cu`
                df["metals"] = df["metals"].map(_metal_symbols)
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
    return mark_incomplete(df)


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


def _note(out: pd.DataFrame, idx: pd.Index, note: str | pd.Series) -> None:
    """Append ``note`` (one text, or one per row of ``idx``) to the rows' ``error`` column."""
    if not len(idx):
        return
    prev = out.loc[idx, "error"].fillna("").astype(str)
    new = pd.Series(note, index=idx) if isinstance(note, str) else note.reindex(idx)
    out.loc[idx, "error"] = np.where(prev != "", prev + "; " + new, new)


def _note_missing(
    out: pd.DataFrame, Xok: pd.DataFrame, missing: np.ndarray, bundle: ModelBundle, name: str,
    served: str = "",
) -> None:
    """A model that returns NaN for a featurized row must say why, never leave a silent gap
    (``served``: what filled the value instead, if anything)."""
    if not missing.any():
        return
    reasons = bundle.model.nan_reasons(Xok).reindex(Xok.index).fillna("")
    tail = f"; served by {served}" if served else ""
    notes = pd.Series([f"{name}: {bundle.meta.model} gave no value ({r or 'no reason given'})"
                       f"{tail}" for r in reasons[missing]], index=Xok.index[missing])
    _note(out, Xok.index[missing], notes)


def _predict_target(
    out: pd.DataFrame, Xok: pd.DataFrame, bundle: ModelBundle, name: str, used: pd.DataFrame,
) -> Served:
    """Fill one target's value (and 90 % interval) for the featurized rows. Rows holding
    chemistry the model never saw are ``partial`` (wider interval, reason in ``error``); rows
    the model cannot serve go to its backup, recorded in ``used``."""
    target = TARGETS[name]
    served = serve_target(bundle, Xok, Xok["status"].eq("partial").to_numpy())
    new = served.unseen.ne("").to_numpy()
    _note(out, Xok.index[new], served.unseen[new])
    out.loc[Xok.index[new], "status"] = "partial"
    backup = bundle.backup
    if backup is not None:
        used.loc[Xok.index[served.own_missing], name] = _label(name, backup)
    _note_missing(out, Xok, served.own_missing, bundle, name,
                  _label(name, backup) if backup else "")
    out.loc[Xok.index, target.output] = served.value
    if target.task == "regression":
        out.loc[Xok.index, f"{name}_lo"] = served.lo
        out.loc[Xok.index, f"{name}_hi"] = served.hi
    return served


def _answer(out: pd.DataFrame, idx: pd.Index, models: dict[str, ModelBundle],
            served: dict[str, Served], prior: float) -> None:
    """The answer columns (see ``ANSWER_COLUMNS``) for the rows ``idx``."""
    cls, melt, dec = classifier(), by_role("melting"), by_role("decomposition")
    s = get_settings().models
    if cls is not None and cls.name in served:
        sv = served[cls.name]
        p, thr = sv.value, models[cls.name].meta.threshold
        out.loc[idx, "meltable_call"] = np.where(np.isfinite(p), np.where(p >= thr, "yes", "no"),
                                                 "")
        out.loc[idx, "meltable_threshold"] = float(at_prior(np.array([thr]), prior)[0])
        out.loc[idx, "p_meltable_prior"] = prior
        out.loc[idx, "meltable_partial"] = sv.partial
        out.loc[idx, cls.output] = at_prior(p, prior)
    if melt is not None and dec is not None and melt.name in served and dec.name in served:
        tm, td = served[melt.name], served[dec.name]
        pw = p_window(tm.value, td.value, tm.halfwidth, td.halfwidth,
                      models[melt.name].meta.coverage)
        out.loc[idx, "p_window"] = pw
        w, hw = td.value - tm.value, np.hypot(tm.halfwidth, td.halfwidth)
        out.loc[idx, "melt_window_K"] = w
        out.loc[idx, "melt_window_K_lo"] = w - hw
        out.loc[idx, "melt_window_K_hi"] = w + hw
        if cls is not None and cls.name in served:
            p = pd.to_numeric(out.loc[idx, cls.output], errors="coerce").to_numpy(float)
            out.loc[idx, "agreement"] = agreement(
                p, out.loc[idx, "meltable_call"].to_numpy(), pw, tm.value, td.value,
                s.window_decided)
    ranges = {TARGETS[n].output: (TARGETS[n].label, *map(float, b.meta.label_range))
              for n, b in models.items() if TARGETS[n].task == "regression"}
    cols = {r: (t.output if (t := by_role(r)) is not None and t.name in served else "")
            for r in ("glass", "melting", "glass_ratio")}
    out.loc[idx, "flags"] = plausibility(out.loc[idx], ranges, s.plausibility_margin,
                                         cols["glass"], cols["melting"], cols["glass_ratio"])


def _note_untrained(out: pd.DataFrame, ok: np.ndarray, models: dict[str, ModelBundle]) -> None:
    """Rows predicted without a model for some target are ``partial``, and say which."""
    absent = [t for t in TARGETS if t not in models]
    if not absent or not ok.any():
        return
    note = (f"no trained model for {', '.join(absent)} (columns left empty; "
            f"`gfa train --target {','.join(absent)}`)")
    out.loc[out.index[ok], "status"] = "partial"
    _note(out, out.index[ok], note)


def predict_frame(
    inputs: object, models: dict[str, ModelBundle] | None = None, explain: bool = False,
    tct: bool | ModelBundle | None = True, prior: float = 0.5,
) -> pd.DataFrame:
    """One row per input with ``PREDICT_COLUMNS`` (see module docstring).

    ``inputs``: CIF items/paths, a records frame or a ready feature frame (``featurize_inputs``).
    Rows whose featurization failed keep ``status=error`` and NaN predictions.
    ``tct``: the fitted TCT model to fill ``Tg_tct_K`` (True: the latest saved one, see
    :func:`load_tct`; None: there is none, the reason says so; False: not requested).
    ``prior``: the base rate of melters p_meltable is stated at (0.5 = equal prior odds, how
    the classifier is calibrated).
    """
    if not 0.0 < prior < 1.0:
        raise ValueError(f"prior must lie strictly between 0 and 1, got {prior}")
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
    for col in TEXT_ANSWER_COLUMNS:
        out[col] = ""
    out["meltable_partial"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    used = pd.DataFrame({t: _label(t, b) for t, b in models.items()}, index=X.index)
    extra: dict[str, pd.Series] = {}
    served: dict[str, Served] = {}
    Xok = X[ok]
    for name, bundle in models.items():
        if Xok.empty:
            continue
        served[name] = _predict_target(out, Xok, bundle, name, used)
        if bundle.domain is not None:
            extra[f"{name}_in_domain"] = served[name].domain["in_domain"].reindex(X.index)
        if explain and hasattr(bundle.model, "contributions"):
            from gfa_ml.models.explain import top_reasons

            extra[f"{name}_top_features"] = top_reasons(
                bundle.model.contributions(Xok), Xok
            ).reindex(X.index)
    domains = {n: sv.domain for n, sv in served.items() if models[n].domain is not None}
    if domains:
        # the anchor target's domain (measured materials) when it has a model, else the first
        anchor = [n for n in domains if TARGETS[n].domain_anchor]
        dom = domains[anchor[0] if anchor else next(iter(domains))]
        inside = np.logical_and.reduce([d["in_domain"].to_numpy(dtype=bool)
                                        for d in domains.values()])
        out.loc[ok, "in_domain"] = inside
        out.loc[ok, "nearest_known"] = dom["nearest_known"].to_numpy()
    _note_untrained(out, ok, models)
    if served:
        _answer(out, Xok.index, models, served, prior)
    out["models_used"] = ["; ".join(r) for r in used.itertuples(index=False)]
    if tct is not False:
        out[["Tg_tct_K", "Tg_tct_reason"]] = _tct(X, load_tct() if tct is True else tct)
    else:
        out["Tg_tct_reason"] = "not requested"
    out = out.reset_index()
    numeric = [c for c in (*_target_columns(), *ANSWER_COLUMNS, "Tg_tct_K")
               if c not in (*TEXT_ANSWER_COLUMNS, "meltable_partial")]
    for col in numeric:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    for col in TEXT_ANSWER_COLUMNS:
        out[col] = out[col].fillna("").astype(str)
    out["in_domain"] = out["in_domain"].astype(bool)
    out["meltable_partial"] = out["meltable_partial"].astype("boolean")
    for key, series in extra.items():
        out[key] = series.to_numpy()
    return out[columns + list(extra)]
