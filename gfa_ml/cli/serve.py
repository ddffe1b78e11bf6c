"""``gfa serve``: the web app and REST API on this machine (or, with a token, the lab's)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from gfa_ml.cli.render import err_console, say


def serve(
    host: str = typer.Option(None, "--host", help="Address to listen on. Anything but "
                             "127.0.0.1 / localhost needs --token.  [default: 127.0.0.1]"),
    port: int = typer.Option(None, "--port", help="Port.  [default: 8000]"),
    token: str = typer.Option(None, "--token", envvar="GFA_TOKEN", show_envvar=True,
                              help="Access token every request must carry (Authorization: "
                              "Bearer TOKEN, or open a page once with ?token=TOKEN)."),
    model: str | None = typer.Option(None, "--model", "-m", metavar="NAME|DIR",
                                     help="Model served (latest version of each target), as in "
                                     "gfa predict.  [default: xgb]"),
    screen_root: Path | None = typer.Option(None, "--screen-root", metavar="DIR",
                                            help="Folder whose gfa screen outputs the Screen "
                                            "results page may open (nothing outside it is "
                                            "served).  [default: the project folder]"),
) -> None:
    """Start the web app and REST API: Predict, Known glasses, Screen results and Models pages;
    API docs at /docs. Models are loaded once, at start-up; CIFs are read in worker processes
    with a time limit, uploads are size-limited (settings: web).

    Example (then open http://127.0.0.1:8000):

        gfa serve
    """
    import uvicorn

    from gfa_ml.config import overridden
    from gfa_ml.models.store import ModelFileError
    from gfa_ml.web.app import create_app
    from gfa_ml.web.security import BindError, check_bind

    settings = overridden(web={"host": host, "port": port, "token": token,
                               "screen_root": screen_root.resolve() if screen_root else None})
    web = settings.web
    try:
        check_bind(web.host, web.token)
        app = create_app(settings, model)
    except (BindError, ModelFileError) as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    say(f"gfa serve: http://{web.host}:{web.port}/ (API docs: /docs); Ctrl+C stops it")
    uvicorn.run(app, host=web.host, port=web.port, log_level="warning")
