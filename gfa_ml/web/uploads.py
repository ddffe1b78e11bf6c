"""What a request sends to ``POST /predict`` and ``POST /suggest``: CIF uploads and/or JSON
records (plus form fields), read and checked by the CLI's own code.

Uploads are read as ``gfa predict FILE`` reads them (``iter_inputs`` splits multi-block files,
ids from file names) and records as ``gfa predict --records`` reads a file (``read_records``),
so the ids, checks and one-line errors are the CLI's.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd
from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from gfa_ml.featurize.records import RecordsError, read_records
from gfa_ml.structures.inputs import CifItem, InputError, cif_stem, is_cif_name, iter_inputs
from gfa_ml.web.state import ServerState

_RECORD = {"type": "object", "required": ["id", "metal", "ligand_smiles"],
           "properties": {"id": {"type": "string"}, "metal": {"type": "string"},
                          "ligand_smiles": {"type": "string"}},
           "additionalProperties": {"type": ["string", "number", "null"]}}


def request_body(fields: dict[str, dict] | None = None) -> dict:
    """OpenAPI ``requestBody``: CIF files and records, plus ``fields`` (name -> JSON schema)."""
    fields = fields or {}
    return {"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": "CIF files (.cif or .cif.gz)"},
            "records": {"type": "string", "description": "JSON list of records"}, **fields}}},
        "application/json": {"schema": {"type": "object", "properties": {
            "records": {"type": "array", "items": _RECORD}, **fields}}},
    }}}


def bad(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


@dataclass
class Upload:
    """A parsed request: records (list of dicts), files (name, bytes), other fields."""

    records: list = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)


def _file_name(raw: str | None) -> str:
    """The bare file name of an upload (any folder part a client sends is dropped)."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    if not name or not is_cif_name(Path(name)) or "\x00" in name:
        raise bad(400, f"{raw or '(no name)'}: not a .cif or .cif.gz file")
    return name


def _records_list(records: object) -> list:
    if records is None:
        return []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise bad(400, "records must be a JSON list of objects {id, metal, ligand_smiles}")
    return records


async def parse_request(request: Request, state: ServerState,
                        fields: tuple[str, ...] = ()) -> Upload:
    """Records and uploaded files from JSON or a multipart form, and the named ``fields``."""
    web = state.settings.web
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise bad(400, "the request body is not valid JSON") from None
        records = body.get("records") if isinstance(body, dict) else body
        extra = {f: body[f] for f in fields if isinstance(body, dict) and f in body}
        return Upload(_records_list(records), [], extra)
    if not ctype.startswith("multipart/form-data"):
        raise bad(415, "send CIF files as multipart/form-data (field 'files') or records as "
                  "JSON {\"records\": [{\"id\", \"metal\", \"ligand_smiles\"}]}")
    try:
        form = await request.form(max_files=web.max_files, max_fields=20)
    except StarletteHTTPException as exc:  # the multipart parser's limits and syntax errors
        raise bad(400, f"{exc.detail} (at most {web.max_files} files per request)") from None
    files = []
    for part in form.getlist("files"):
        if not isinstance(part, UploadFile):
            raise bad(400, "field 'files' must hold files")
        files.append((_file_name(part.filename), await part.read()))
    raw = form.get("records")
    records: list = []
    if isinstance(raw, str) and raw.strip():
        try:
            records = _records_list(json.loads(raw))
        except ValueError:
            raise bad(400, "field 'records' is not a JSON list of records") from None
    extra = {f: v for f in fields if isinstance(v := form.get(f), str) and v.strip()}
    return Upload(records, files, extra)


def _records_frame(records: list, tmp: Path) -> pd.DataFrame:
    """Records checked by ``read_records`` exactly as `gfa predict --records` checks a file."""
    path = tmp / "records.csv"
    cells = [{k: "" if v is None else str(v) for k, v in r.items()} for r in records]
    pd.DataFrame(cells).to_csv(path, index=False)
    try:
        return read_records(path)
    except RecordsError as exc:
        raise bad(400, str(exc).replace(str(path), "records")) from None


def _cif_items(files: list[tuple[str, bytes]], tmp: Path) -> list[CifItem]:
    """Each upload read as `gfa predict FILE` reads it (ids from names, blocks split)."""
    stems = pd.Series([cif_stem(Path(name)) for name, _ in files])
    if stems.duplicated().any():
        raise bad(400, f"id {stems[stems.duplicated()].iloc[0]!r} names two inputs (the same "
                  "file name twice): give each material its own id")
    folder = tmp / "cifs"
    folder.mkdir()
    for name, data in files:
        (folder / name).write_bytes(data)
    try:
        items = list(iter_inputs([str(folder / name) for name, _ in files]))
    except InputError as exc:
        raise bad(400, str(exc).replace(f"{folder}/", "")) from None
    return [it._replace(source=Path(it.source).name) for it in items]


def read_inputs(state: ServerState, upload: Upload) -> tuple[pd.DataFrame | None, list[CifItem]]:
    """The records frame (None without records) and CIF items of a request, checked: at least
    one input, at most ``web.max_records`` records, one id per material."""
    web = state.settings.web
    if not upload.records and not upload.files:
        raise bad(400, "give CIF files and/or records (id, metal, ligand_smiles)")
    if len(upload.records) > web.max_records:
        raise bad(413, f"{len(upload.records)} records: at most {web.max_records} per request "
                  "(web.max_records)")
    with tempfile.TemporaryDirectory(prefix="gfa_serve_") as tmp:
        recs = _records_frame(upload.records, Path(tmp)) if upload.records else None
        items = _cif_items(upload.files, Path(tmp)) if upload.files else []
    ids = pd.Series([*(recs["id"] if recs is not None else []), *(it.id for it in items)])
    if ids.duplicated().any():
        raise bad(400, f"id {ids[ids.duplicated()].iloc[0]!r} names two inputs (a record and a "
                  "CIF, or the same structure twice): give each material its own id")
    return recs, items
