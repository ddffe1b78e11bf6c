"""Fitted models on disk: ``models/<target>/<model>/v<N>/`` with ``model.joblib`` + ``meta.json``.

``meta.json`` is human-readable (data version, git commit, CV metrics, feature columns) and holds
the SHA-256 of ``model.joblib``, so a truncated or corrupted file is caught *before* unpickling
and reported in one line. Only load model files you trust: joblib files are pickles.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import joblib

from gfa_ml.config import get_settings
from gfa_ml.io.atomic import atomic_path, write_text_atomic
from gfa_ml.models.base import GFAModel

#: 2: row-wise conformal intervals (``interval``) replace the constant half-widths
FORMAT_VERSION = 2
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"


class ModelFileError(RuntimeError):
    """A model directory that cannot be used (missing, corrupted, incompatible)."""


@dataclass
class ModelMeta:
    target: str
    model: str
    version: str = ""
    variant: str = ""
    data_version: str = ""
    #: featurizer cache version the feature columns were computed with
    feature_version: str = ""
    git_commit: str = ""
    created: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    feature_columns: list[str] = field(default_factory=list)
    #: a regressor's difficulty-aware conformal interval (:class:`gfa_ml.models.conformal.
    #: IntervalModel` as a dict: σ(distance) and the quantiles for full, partial and
    #: new-material rows); empty for a classifier
    interval: dict[str, float] = field(default_factory=dict)
    #: a classifier's yes/no threshold (max. balanced accuracy, chosen on inner folds)
    threshold: float = 0.5
    #: labels the model was trained on: range per regressor (plausibility flags), and the
    #: metals, ligand classes and donor elements its labelled materials hold (a new row with
    #: chemistry outside them is served as ``partial``); see :mod:`gfa_ml.models.completeness`
    label_range: tuple[float, float] = (float("nan"), float("nan"))
    seen: dict[str, list[str]] = field(default_factory=dict)
    coverage: float = 0.9
    cv_metrics: dict[str, float] = field(default_factory=dict)
    train_ids: list[str] = field(default_factory=list)
    #: materials that entered as lower bounds only (a melter's Tm under its Td)
    bound_ids: list[str] = field(default_factory=list)
    mlflow_run_id: str = ""
    sha256: str = ""
    format_version: int = FORMAT_VERSION


@dataclass
class ModelBundle:
    """A fitted model plus everything ``gfa predict`` needs to use it honestly."""

    meta: ModelMeta
    model: GFAModel
    domain: Any = None  # ApplicabilityDomain | None
    #: serves the rows this model returns no value for (e.g. a GNN given a CIF it cannot
    #: turn into a graph), so one bad structure costs a column, not the prediction
    backup: ModelBundle | None = None


def models_root() -> Path:
    return get_settings().paths.models


def _versions(target: str, model: str, root: Path | None = None) -> list[Path]:
    base = (root or models_root()) / target / model
    found = [p for p in base.glob("v*") if p.is_dir() and re.fullmatch(r"v\d+", p.name)]
    return sorted(found, key=lambda p: int(p.name[1:]))


def latest_dir(target: str, model: str, root: Path | None = None) -> Path | None:
    found = _versions(target, model, root)
    return found[-1] if found else None


def save_bundle(bundle: ModelBundle, root: Path | None = None) -> Path:
    """Write the next version directory for (target, model); returns it."""
    found = _versions(bundle.meta.target, bundle.meta.model, root)
    nxt = int(found[-1].name[1:]) + 1 if found else 1
    out = (root or models_root()) / bundle.meta.target / bundle.meta.model / f"v{nxt}"
    out.mkdir(parents=True, exist_ok=False)
    with atomic_path(out / MODEL_FILE) as tmp:
        joblib.dump({"model": bundle.model, "domain": bundle.domain}, tmp, compress=3)
    bundle.meta.version = out.name
    bundle.meta.sha256 = hashlib.sha256((out / MODEL_FILE).read_bytes()).hexdigest()
    write_text_atomic(json.dumps(asdict(bundle.meta), indent=1, default=str), out / META_FILE)
    return out


def load_bundle(path: str | Path) -> ModelBundle:
    """Load a model directory (or its ``model.joblib``); one-line ``ModelFileError`` on failure."""
    path = Path(path)
    d = path.parent if path.is_file() else path
    hint = "retrain it with `gfa train`"
    meta_path, model_path = d / META_FILE, d / MODEL_FILE
    if not meta_path.is_file() or not model_path.is_file():
        raise ModelFileError(f"{d}: not a model directory (needs {MODEL_FILE} and {META_FILE})")
    try:
        meta = ModelMeta(**json.loads(meta_path.read_text()))
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"{meta_path}: unreadable model metadata ({exc}); {hint}") from None
    if meta.format_version != FORMAT_VERSION:
        raise ModelFileError(f"{d}: model format {meta.format_version}, expected "
                             f"{FORMAT_VERSION}; {hint}")
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    if meta.sha256 and digest != meta.sha256:
        raise ModelFileError(f"{model_path}: corrupted model file (checksum mismatch); {hint}")
    try:
        obj = joblib.load(model_path)
        return ModelBundle(meta=meta, model=obj["model"], domain=obj["domain"])
    except Exception as exc:  # any unpickling failure means the same thing to the user
        msg = " ".join(str(exc).split())[:120]
        raise ModelFileError(f"{model_path}: corrupted or incompatible model file ({msg}); "
                             f"{hint}") from None
