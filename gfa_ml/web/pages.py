"""Server-rendered pages (Jinja2, autoescaped): Predict, Known glasses, Screen results, Suggest,
Models.

Data reach the page's scripts as JSON inside ``<script type="application/json">`` (``tojson``
escapes ``<``, ``>`` and ``&``), and the scripts write user strings with ``textContent`` only.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from gfa_ml.web import catalog

router = APIRouter(prefix="/ui", include_in_schema=False)
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True, undefined=jinja2.StrictUndefined)
#: column headings chemists read (other prediction columns keep their names)
HEADINGS = {"p_meltable": "P(melts before decomposing), equal prior odds", "Tg_over_Tm": "Tg/Tm"}
#: the Screen results table: the columns a chemist reads first (ranked.csv holds all of them)
SCREEN_COLUMNS = ("rank", "id", "p_meltable", "meltable_call", "p_window", "Tm_K", "Td_K",
                  "Tg_K", "in_domain", "status", "metals", "linkers", "agreement", "flags",
                  "error")


def _page(name: str, **context: object) -> HTMLResponse:
    return HTMLResponse(_ENV.get_template(name).render(page=name.split(".")[0], **context))


def _targets() -> list[dict]:
    """What the Predict page shows per target (value, interval, heading), then the melt window."""
    from gfa_ml.models.targets import TARGETS

    shown = [{"name": t.name, "output": t.output, "task": t.task, "unit": t.unit,
              "digits": t.digits, "anchor": t.domain_anchor,
              "heading": HEADINGS.get(t.output, f"{t.label} ({t.unit})" if t.unit else t.label),
              "interval": t.task == "regression"} for t in TARGETS.values()]
    # the Tm and Td models' own answer beside the classifier's (never edited to agree)
    shown.append({"name": "melt_window", "output": "melt_window_K", "task": "regression",
                  "unit": "K", "digits": 1, "anchor": False, "heading": "Td − Tm (K)",
                  "interval": True})
    shown.append({"name": "p_window", "output": "p_window", "task": "classification",
                  "unit": "P", "digits": 2, "anchor": False,
                  "heading": "P(Tm < Td) from the Tm and Td models", "interval": False})
    return shown


@router.get("/predict", response_class=HTMLResponse)
def predict_page(request: Request) -> HTMLResponse:
    state = request.app.state.gfa
    web = state.settings.web
    return _page("predict.html.j2", meta={
        "targets": _targets(), "note": state.note, "max_files": web.max_files,
        "max_mb": web.max_upload_bytes / 1e6})


@router.get("/glasses", response_class=HTMLResponse)
def glasses_page() -> HTMLResponse:
    df = catalog.materials()
    values = [("Tm_K", "Tm (K)"), ("Td_K", "Td (K)"), ("Tg_K", "Tg (K)"),
              ("dHf_kJ_mol", "ΔHf (kJ/mol)")]
    return _page("glasses.html.j2", rows=catalog.rows(df), values=values,
                 families=sorted(df["family"].dropna().unique()),
                 plot=catalog.rows(df.dropna(subset=["Tm_K", "Tg_K"])[
                     ["id", "name", "family", "Tm_K", "Tg_K"]]))


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request, folder: str = "") -> HTMLResponse:
    settings = request.app.state.gfa.settings
    found = catalog.screen_dirs(settings)
    if not folder:
        return _page("screen.html.j2", screens=found, folder="", error="", table=None)
    try:
        ranked = pd.read_csv(catalog.screen_dir(settings, folder) / "ranked.csv")
    except catalog.OutsideRoot as exc:
        return _page("screen.html.j2", screens=found, folder=folder, error=str(exc), table=None)
    shown = [c for c in SCREEN_COLUMNS if c in ranked.columns]
    plot = [c for c in ("id", "p_meltable", "Tm_K", "Tm_K_lo", "Tm_K_hi", "Td_K", "Td_K_lo",
                        "Td_K_hi", "status") if c in ranked.columns]
    return _page("screen.html.j2", screens=found, folder=folder, error="",
                 table={"columns": shown, "rows": catalog.rows(ranked[shown])},
                 plot=catalog.rows(ranked[plot]))


@router.get("/suggest", response_class=HTMLResponse)
def suggest_page(request: Request) -> HTMLResponse:
    from gfa_ml.suggest.acquisition import STRATEGIES

    settings = request.app.state.gfa.settings
    return _page("suggest.html.j2", meta={
        "screens": catalog.screen_dirs(settings), "strategies": list(STRATEGIES),
        "strategy": settings.suggest.default_strategy, "budget": settings.suggest.budget,
        "max_files": settings.web.max_files})


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request) -> HTMLResponse:
    state = request.app.state.gfa
    return _page("models.html.j2",
                 models=catalog.model_versions(state.settings.paths.models, state.bundles))
