"""Read-only views the API and pages share: the curated table, saved model versions, screen
output folders (resolved only under the configured screen root)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from gfa_ml.config import Settings


def clean(value: object) -> object:
    """JSON-safe cell: NaN -> None, numpy scalars -> Python."""
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def rows(frame: pd.DataFrame) -> list[dict]:
    return [{k: clean(v) for k, v in r.items()} for r in frame.to_dict(orient="records")]


def source_link(doi: str, url: str) -> str:
    """Where a value was read: its DOI, else its http(s) URL ('' if neither is usable)."""
    doi, url = str(doi or "").strip(), str(url or "").strip()
    if doi:
        return "https://doi.org/" + quote(doi, safe="/:.()-_;")
    return url if url.lower().startswith(("https://", "http://")) else ""


def materials(family: str = "", q: str = "", include_excluded: bool = False) -> pd.DataFrame:
    """Rows of the curated table (+ lab additions), filtered by family and a free-text search
    over id, name, formula, metals and ligands; ``source_link`` added."""
    from gfa_ml.data.measured import load_measured

    df = load_measured()
    if not include_excluded:
        df = df[df["exclude_reason"].fillna("").str.strip() == ""]
    if family:
        df = df[df["family"].str.lower() == family.strip().lower()]
    if q:
        hay = df[["id", "name", "formula", "metals", "ligands"]].fillna("").agg(" ".join, axis=1)
        df = df[hay.str.contains(q.strip(), case=False, regex=False)]
    df = df.assign(source_link=[source_link(d, u) for d, u in
                                zip(df["source_doi"], df["source_url"], strict=True)])
    return df.reset_index(drop=True)


def model_versions(root: Path, serving: dict | None = None) -> list[dict]:
    """Every saved version (``models/<target>/<model>/vN/meta.json``), newest first per model,
    with its data version and cross-validated metrics; ``meta.json`` is read, nothing is
    unpickled. ``serving``: the bundles a server loaded (flagged ``serving``)."""
    used = {(t, b.meta.model, b.meta.version) for t, b in (serving or {}).items()}
    from gfa_ml.models.targets import TARGETS

    found = []
    for meta_path in root.glob("*/*/v*/meta.json"):
        target = meta_path.parents[2].name
        if target not in TARGETS:
            continue
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        found.append({
            "target": target, "model": meta.get("model", ""), "version": meta_path.parent.name,
            "data_version": meta.get("data_version", ""), "created": meta.get("created", ""),
            "git_commit": meta.get("git_commit", ""), "n_train": len(meta.get("train_ids", [])),
            "cv_metrics": {k: clean(v) for k, v in meta.get("cv_metrics", {}).items()},
            "serving": (target, meta.get("model", ""), meta_path.parent.name) in used,
        })
    return sorted(found, key=lambda m: (m["target"], m["model"], -int(m["version"][1:])))


class OutsideRoot(ValueError):
    """A screen folder outside the configured root, or one that is not a screen output."""


def screen_root(settings: Settings) -> Path:
    return (settings.web.screen_root or settings.paths.home).resolve()


def screen_dir(settings: Settings, rel: str) -> Path:
    """The screen output folder ``rel`` (relative to the root), only if it lies under the
    root (symlinks resolved) and holds a ``ranked.csv``."""
    root = screen_root(settings)
    path = (root / rel).resolve()
    if not path.is_relative_to(root) or not (path / "ranked.csv").is_file():
        raise OutsideRoot(f"{rel}: not a gfa screen output folder under the screen root")
    return path


def screen_dirs(settings: Settings, depth: int = 3) -> list[str]:
    """Screen output folders (holding ranked.csv) up to ``depth`` levels below the root."""
    root = screen_root(settings)
    found = []
    for level in range(depth + 1):
        for hit in root.glob("/".join(["*"] * level + ["ranked.csv"])):
            rel = hit.parent.relative_to(root)
            if not any(part.startswith(".") for part in rel.parts):
                found.append(rel.as_posix() or ".")
    return sorted(found)


def screen_cif(settings: Settings, folder: Path, id_: str) -> str | None:
    """CIF text of a ranked structure: its copy in ``cifs/``, a CoRE MOF structure, or a file
    under the screen root; None otherwise (a ranked.csv never points the server elsewhere)."""
    from gfa_ml.screen.report import safe_name
    from gfa_ml.screen.sources import read_cifs
    from gfa_ml.structures.core_mof import SOURCE_PREFIX

    copy = folder / "cifs" / f"{safe_name(id_)}.cif"
    if copy.is_file():
        return copy.read_text(errors="replace")
    ranked = pd.read_csv(folder / "ranked.csv", usecols=["id", "source"], dtype=str,
                         keep_default_na=False)
    hit = ranked[ranked["id"] == id_]
    if hit.empty:
        return None
    source = hit["source"].iloc[0]
    if not source.startswith(SOURCE_PREFIX):
        path = Path(source) if Path(source).is_absolute() else folder / source
        if not path.resolve().is_relative_to(screen_root(settings)):
            return None
        source = str(path.resolve())
    return read_cifs([(id_, source)]).get(id_)
