"""MLflow bookkeeping for ``gfa train | evaluate | compare``: one run each, quietly.

Default store: ``sqlite:///<repo>/mlruns.db`` (``get_settings().paths.tracking_uri``);
``--tracking-uri`` or ``MLFLOW_TRACKING_URI`` points elsewhere (a server, another file).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gfa_ml.config import get_settings

EXPERIMENT = "gfa"


def git_commit() -> str:
    """Commit of the checkout (``+dirty`` with local changes), or ``unknown`` outside git."""
    home = get_settings().paths.home
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=home, capture_output=True, text=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=home,
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (sha + ("+dirty" if dirty else "")) if sha else "uncommitted"


def _quiet() -> None:
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    for name in ("mlflow", "alembic", "urllib3", "git"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _artifact_root(uri: str) -> str | None:
    """Artifacts beside a sqlite store (``<dir>/mlruns``), not in the current directory."""
    if uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///") :]).parent / "mlruns").resolve().as_uri()
    return None


@contextlib.contextmanager
def mlflow_run(
    name: str, tracking_uri: str | None = None, nested: bool = False,
    params: dict[str, Any] | None = None, tags: dict[str, str] | None = None,
) -> Iterator[Any]:
    """Start a (nested) run with git commit, params and tags already logged."""
    import mlflow

    _quiet()
    if not nested:
        uri = tracking_uri or get_settings().paths.tracking_uri
        mlflow.set_tracking_uri(uri)
        if mlflow.get_experiment_by_name(EXPERIMENT) is None:
            mlflow.create_experiment(EXPERIMENT, artifact_location=_artifact_root(uri))
        mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_name=name, nested=nested) as run:
        mlflow.set_tags({"git_commit": git_commit(), **(tags or {})})
        if params:
            mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        yield run


def log_metrics(metrics: dict[str, float], prefix: str = "", step: int | None = None) -> None:
    import mlflow

    clean = {
        f"{prefix}{k}".replace("/", "_").replace(":", "_"): float(v)
        for k, v in metrics.items()
        if isinstance(v, int | float) and math.isfinite(v)
    }
    if clean:
        mlflow.log_metrics(clean, step=step)


def log_artifacts(path: Path, artifact_path: str | None = None) -> None:
    import mlflow

    if path.is_dir():
        mlflow.log_artifacts(str(path), artifact_path)
    elif path.is_file():
        mlflow.log_artifact(str(path), artifact_path)


def register_model(run_id: str, artifact_path: str, target: str) -> str:
    """Register the logged model directory under ``gfa-<target>``; returns the version."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    name = f"gfa-{target}"
    with contextlib.suppress(Exception):
        client.create_registered_model(name)
    source = f"{client.get_run(run_id).info.artifact_uri}/{artifact_path}"
    mv = client.create_model_version(name=name, source=source, run_id=run_id)
    return str(mv.version)
