"""``POST /suggest``: which candidates to make and measure next — what `gfa suggest` answers.

Candidates are a `gfa screen` folder under the screen root (field ``folder``), uploaded CIFs
and/or typed records (read as ``POST /predict`` reads them). The round is run by
:func:`gfa_ml.suggest.batch.suggest`, the code behind the CLI, and logged as an MLflow run.
``?format=csv`` returns the suggestions with every column, ``?format=template`` the lab template
(`gfa suggest --template`) to fill with DSC/TGA results and feed to `gfa data add`.
"""

from __future__ import annotations

import json

import pandas as pd
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from gfa_ml.config import using
from gfa_ml.suggest.acquisition import STRATEGIES, StrategyError, check_strategy
from gfa_ml.suggest.batch import Round, SuggestError, log_round, suggest
from gfa_ml.suggest.candidates import CandidateError, Candidates, from_screen
from gfa_ml.web import catalog
from gfa_ml.web.parse import ParseError
from gfa_ml.web.predict_api import as_csv
from gfa_ml.web.state import ServerState
from gfa_ml.web.uploads import Upload, bad, parse_request, read_inputs, request_body

router = APIRouter()
FIELDS = ("folder", "budget", "strategy", "prior", "include_known")
_BODY = request_body({
    "folder": {"type": "string", "description": "a `gfa screen` folder under the screen root"},
    "budget": {"type": "integer", "minimum": 1},
    "strategy": {"type": "string", "enum": list(STRATEGIES)},
    "prior": {"type": "number"}, "include_known": {"type": "boolean"}})


def _options(state: ServerState, fields: dict[str, object]) -> dict[str, object]:
    """Budget, strategy, prior and include_known from the request, checked."""
    s = state.settings.suggest
    try:
        budget = int(fields.get("budget", s.budget))  # type: ignore[call-overload]
        prior = float(fields.get("prior", 0.5))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise bad(400, "budget must be a whole number and prior a number") from None
    if not 1 <= budget <= state.settings.web.max_records:
        raise bad(400, f"budget {budget}: between 1 and {state.settings.web.max_records}")
    if not 0.0 < prior < 1.0:
        raise bad(400, f"prior {prior}: a base rate strictly between 0 and 1")
    try:
        strategy = check_strategy(str(fields.get("strategy", s.default_strategy)))
    except StrategyError as exc:
        raise bad(400, str(exc)) from None
    known = str(fields.get("include_known", "false")).lower() in ("true", "1", "yes", "on")
    return {"budget": budget, "prior": prior, "strategy": strategy, "include_known": known}


def _candidates(state: ServerState, upload: Upload) -> Candidates:
    """A screen folder under the screen root, or the uploaded CIFs and records."""
    from gfa_ml.models.predict import featurize_inputs

    folder = str(upload.fields.get("folder", "") or "")
    if folder and (upload.records or upload.files):
        raise bad(400, "give a screen folder or CIF files / records, not both")
    try:
        if folder:
            try:
                path = catalog.screen_dir(state.settings, folder)
            except catalog.OutsideRoot as exc:
                raise bad(404, str(exc)) from None
            return from_screen(path, lambda items: state.featurize(items, False),
                               within=catalog.screen_root(state.settings))
        recs, items = read_inputs(state, upload)
        frames, sources = [], []
        if recs is not None:
            frames.append(featurize_inputs(recs))
            sources.append(pd.Series("records", index=recs["id"].to_numpy()))
        if items:
            frames.append(state.featurize(items, False))
            sources.append(pd.Series({it.id: it.source for it in items}))
    except (CandidateError, ParseError) as exc:
        raise bad(422, str(exc)) from None
    feats = pd.concat(frames)
    return Candidates(feats, pd.concat(sources).reindex(feats.index), "uploads")


def _round(state: ServerState, upload: Upload,
           options: dict) -> tuple[Round, Candidates, pd.DataFrame]:
    """The round (logged to MLflow), its candidates and the measured table it was run against."""
    from gfa_ml.data.measured import load_measured, training_table

    with using(state.settings):
        cands = _candidates(state, upload)
        table = training_table(load_measured())
        try:
            with state.lock:
                rnd = suggest(cands, state.bundles, table, **options)
        except SuggestError as exc:
            raise bad(422, str(exc)) from None
        log_round(rnd, str(upload.fields.get("folder", "") or cands.label))
    return rnd, cands, table


@router.post("/suggest", tags=["suggest"], openapi_extra=_BODY,
             summary="Which candidates to make and measure next, with the reason for each")
async def suggest_endpoint(request: Request, format: str = "json") -> Response:
    """Fields (JSON body or form): ``folder`` (a screen folder under the screen root) or CIF
    ``files`` / ``records``; ``budget`` (default 5), ``strategy`` (exploit, explore, balanced,
    random; default the one the retrospective benchmark chose), ``prior`` (base rate p is
    stated at, default 0.5 = equal prior odds), ``include_known`` (also suggest compositions
    already measured). Returns ``suggestions`` (one object per pick, with ``reason``),
    ``left_out`` (reason -> count), ``n_candidates`` and the MLflow ``run_id``."""
    if format not in ("json", "csv", "template"):
        raise bad(400, f"format {format!r}: use json, csv or template")
    state: ServerState = request.app.state.gfa
    upload = await parse_request(request, state, FIELDS)
    options = _options(state, upload.fields)
    rnd, cands, table = await run_in_threadpool(_round, state, upload, options)
    if format == "csv":
        return Response(as_csv(rnd.suggestions), media_type="text/csv", headers={
            "content-disposition": 'attachment; filename="suggestions.csv"'})
    if format == "template":
        from gfa_ml.suggest.template import lab_template, round_note

        lab = lab_template(rnd.suggestions, cands.features, table,
                           round_note(rnd.strategy, rnd.run_id))
        return Response(as_csv(lab), media_type="text/csv", headers={
            "content-disposition": 'attachment; filename="lab_template.csv"'})
    s = rnd.suggestions
    left = rnd.left_out_counts()
    body = {"strategy": rnd.strategy, "budget": rnd.budget, "n_candidates": rnd.n_candidates,
            "left_out": {str(k): int(v) for k, v in left.items()}, "run_id": rnd.run_id,
            "columns": list(s.columns), "suggestions": catalog.rows(s), "note": state.note}
    return Response(json.dumps(body, allow_nan=False), media_type="application/json")
