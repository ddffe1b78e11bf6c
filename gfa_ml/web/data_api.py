"""``GET /health``, ``/materials``, ``/models``, ``/screens``: read-only JSON over the curated
table, the saved models and screen outputs."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, HTTPException, Request, Response

from gfa_ml.web import catalog
from gfa_ml.web.state import ServerState

router = APIRouter()


def _state(request: Request) -> ServerState:
    return request.app.state.gfa


@router.get("/health", tags=["meta"])
def health(request: Request) -> dict:
    """Alive, and which model version serves each target."""
    import gfa_ml

    state = _state(request)
    return {"status": "ok", "version": gfa_ml.__version__,
            "models": {t: f"{b.meta.model} {b.meta.version}" for t, b in state.bundles.items()},
            "tct": state.tct.meta.version if state.tct is not None else None}


@router.get("/materials", tags=["data"])
def materials(family: str = "", q: str = "", include_excluded: bool = False) -> dict:
    """The curated measured table (kelvin), filtered by ``family`` and free text ``q``; each
    row carries ``source_link`` (DOI or URL) and ``source_location`` (table/section)."""
    df = catalog.materials(family, q, include_excluded)
    return {"n": len(df), "materials": catalog.rows(df)}


@router.get("/models", tags=["models"])
def models(request: Request) -> dict:
    """Saved versions per target and model, with data version and cross-validated metrics;
    ``serving`` names the versions this server loaded."""
    state = _state(request)
    return {"models": catalog.model_versions(state.settings.paths.models, state.bundles)}


@router.get("/screens", tags=["screen"])
def screens(request: Request) -> dict:
    """`gfa screen` output folders under the screen root."""
    return {"screens": catalog.screen_dirs(_state(request).settings)}


def _folder(request: Request, folder: str):
    try:
        return catalog.screen_dir(_state(request).settings, folder)
    except catalog.OutsideRoot as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/screens/ranked", tags=["screen"])
def ranked(request: Request, folder: str, format: str = "json") -> object:
    """A screen's ranked table (``folder`` relative to the screen root); ``?format=csv`` is
    its ``ranked.csv`` as written, every column."""
    if format not in ("json", "csv"):
        raise HTTPException(400, f"format {format!r}: use json or csv")
    path = _folder(request, folder) / "ranked.csv"
    if format == "csv":
        return Response(path.read_text(), media_type="text/csv", headers={
            "content-disposition": 'attachment; filename="ranked.csv"'})
    df = pd.read_csv(path)
    return {"folder": folder, "n": len(df), "ranked": catalog.rows(df)}


@router.get("/screens/cif", tags=["screen"])
def cif(request: Request, folder: str, id: str) -> Response:
    """The CIF of one ranked structure (a copy in the screen folder, a CoRE MOF entry, or a
    file under the screen root)."""
    from gfa_ml.screen.report import safe_name

    state = _state(request)
    text = catalog.screen_cif(state.settings, _folder(request, folder), id)
    if text is None:
        raise HTTPException(404, f"{id}: no CIF for this structure under the screen root")
    return Response(text, media_type="chemical/x-cif", headers={
        "content-disposition": f'attachment; filename="{safe_name(id)}.cif"'})
