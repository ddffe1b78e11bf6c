"""The FastAPI application: API routers, pages, static files, and the safety middleware."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from starlette.middleware.trustedhost import TrustedHostMiddleware

from gfa_ml.config import Settings, get_settings
from gfa_ml.web.security import BodyLimit, TokenGuard
from gfa_ml.web.state import ServerState, load_state

STATIC = Path(__file__).parent / "static"


def vendored(name: str) -> Path | None:
    """JS shipped by an installed package (no CDN, no build step): ``plotly.min.js``."""
    if name != "plotly.min.js":
        return None
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(settings: Settings | None = None, model: str | None = None,
               state: ServerState | None = None) -> FastAPI:
    """The server, its models loaded now (once): ``ModelFileError`` if none are trained."""
    from gfa_ml.web import data_api, pages, predict_api, suggest_api

    settings = settings or get_settings()
    app = FastAPI(title="gfa_ml", version=__import__("gfa_ml").__version__,
                  description="Will this framework melt before it decomposes, and form a glass? "
                  "The REST API of `gfa serve`: the same predictions, data and models as the "
                  "`gfa` CLI.")
    app.state.gfa = state or load_state(settings, model)
    app.include_router(predict_api.router)
    app.include_router(suggest_api.router)
    app.include_router(data_api.router)
    app.include_router(pages.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/predict")

    shipped = {p.name: p for p in STATIC.iterdir() if p.is_file()}

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        path = vendored(name) or shipped.get(name)
        if path is None or not path.is_file():
            raise HTTPException(404, f"{name}: no such file")
        return FileResponse(path)

    app.add_middleware(BodyLimit, limit=settings.web.max_upload_bytes)
    if settings.web.token:
        app.add_middleware(TokenGuard, token=settings.web.token)
    else:  # a localhost server answers localhost names only (no DNS rebinding)
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.web.allowed_hosts))
    return app
