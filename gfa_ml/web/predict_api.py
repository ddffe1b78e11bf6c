"""``POST /predict``: CIF uploads and/or JSON records in, exactly what `gfa predict` writes out.

Uploads and records are checked by the CLI's own code (``iter_inputs`` reads each CIF file,
splitting multi-block files; ``read_records`` checks records) and predicted by
``workflows.predict_table``, so the columns, ids, statuses and one-line errors are the CLI's.
A request where nothing could be predicted gets 422 with the failing rows' reasons.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath

import pandas as pd
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from gfa_ml.config import using
from gfa_ml.featurize.records import RecordsError, read_records
from gfa_ml.io.atomic import write_csv_atomic
from gfa_ml.structures.inputs import CifItem, InputError, cif_stem, is_cif_name, iter_inputs
from gfa_ml.web.parse import ParseError
from gfa_ml.web.state import ServerState

router = APIRouter()

_RECORD = {"type": "object", "required": ["id", "metal", "ligand_smiles"],
           "properties": {"id": {"type": "string"}, "metal": {"type": "string"},
                          "ligand_smiles": {"type": "string"}},
           "additionalProperties": {"type": ["string", "number", "null"]}}
_BODY = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "CIF files (.cif or .cif.gz)"},
        "records": {"type": "string", "description": "JSON list of records"}}}},
    "application/json": {"schema": {"type": "object", "properties": {
        "records": {"type": "array", "items": _RECORD}}}},
}}}


def _bad(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


def _file_name(raw: str | None) -> str:
    """The bare file name of an upload (any folder part a client sends is dropped)."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    if not name or not is_cif_name(Path(name)) or "\x00" in name:
        raise _bad(400, f"{raw or '(no name)'}: not a .cif or .cif.gz file")
    return name


async def _parse_request(request: Request, state: ServerState) -> tuple[list, list[tuple[str,
                                                                                      bytes]]]:
    """(records as a list of dicts, uploaded files as (name, bytes)) from JSON or a form."""
    web = state.settings.web
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            raise _bad(400, "the request body is not valid JSON") from None
        records = body.get("records") if isinstance(body, dict) else body
        return _records_list(records), []
    if not ctype.startswith("multipart/form-data"):
        raise _bad(415, "send CIF files as multipart/form-data (field 'files') or records as "
                   "JSON {\"records\": [{\"id\", \"metal\", \"ligand_smiles\"}]}")
    try:
        form = await request.form(max_files=web.max_files, max_fields=20)
    except StarletteHTTPException as exc:  # the multipart parser's limits and syntax errors
        raise _bad(400, f"{exc.detail} (at most {web.max_files} files per request)") from None
    files = []
    for part in form.getlist("files"):
        if not isinstance(part, UploadFile):
            raise _bad(400, "field 'files' must hold files")
        files.append((_file_name(part.filename), await part.read()))
    raw = form.get("records")
    records: list = []
    if isinstance(raw, str) and raw.strip():
        try:
            records = _records_list(json.loads(raw))
        except ValueError:
            raise _bad(400, "field 'records' is not a JSON list of records") from None
    return records, files


def _records_list(records: object) -> list:
    if records is None:
        return []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _bad(400, "records must be a JSON list of objects {id, metal, ligand_smiles}")
    return records


def _records_frame(records: list, tmp: Path) -> pd.DataFrame:
    """Records checked by ``read_records`` exactly as `gfa predict --records` checks a file."""
    path = tmp / "records.csv"
    cells = [{k: "" if v is None else str(v) for k, v in r.items()} for r in records]
    pd.DataFrame(cells).to_csv(path, index=False)
    try:
        return read_records(path)
    except RecordsError as exc:
        raise _bad(400, str(exc).replace(str(path), "records")) from None


def _cif_items(files: list[tuple[str, bytes]], tmp: Path) -> list[CifItem]:
    """Each upload read as `gfa predict FILE` reads it (ids from names, blocks split)."""
    stems = pd.Series([cif_stem(Path(name)) for name, _ in files])
    if stems.duplicated().any():
        raise _bad(400, f"id {stems[stems.duplicated()].iloc[0]!r} names two inputs (the same "
                   "file name twice): give each material its own id")
    folder = tmp / "cifs"
    folder.mkdir()
    for name, data in files:
        (folder / name).write_bytes(data)
    try:
        items = list(iter_inputs([str(folder / name) for name, _ in files]))
    except InputError as exc:
        raise _bad(400, str(exc).replace(f"{folder}/", "")) from None
    return [it._replace(source=Path(it.source).name) for it in items]


def _predict(state: ServerState, records: list, files: list[tuple[str, bytes]],
             prior: float = 0.5) -> pd.DataFrame:
    from gfa_ml.workflows import predict_table

    web = state.settings.web
    if not records and not files:
        raise _bad(400, "give CIF files and/or records (id, metal, ligand_smiles)")
    if len(records) > web.max_records:
        raise _bad(413, f"{len(records)} records: at most {web.max_records} per request "
                   "(web.max_records)")
    with tempfile.TemporaryDirectory(prefix="gfa_serve_") as tmp:
        recs = _records_frame(records, Path(tmp)) if records else None
        items = _cif_items(files, Path(tmp)) if files else []
    ids = pd.Series([*(recs["id"] if recs is not None else []), *(it.id for it in items)])
    if ids.duplicated().any():
        raise _bad(400, f"id {ids[ids.duplicated()].iloc[0]!r} names two inputs (a record and a "
                   "CIF, or the same structure twice): give each material its own id")
    try:
        features = state.featurize(items, any(
            type(b.model).needs_structures for b in state.bundles.values())) if items else None
    except ParseError as exc:
        raise _bad(422, str(exc)) from None
    with state.lock, using(state.settings):
        out = predict_table(recs, items, state.bundles, records_source="records",
                            featurize=lambda _items, _keep: features, tct=state.tct,
                            prior=prior)
    if out["status"].eq("error").all():
        reasons = "; ".join(f"{r.id}: {r.error}" for r in out.head(5).itertuples())
        raise _bad(422, f"nothing predicted: {reasons}")
    return out


def as_csv(frame: pd.DataFrame) -> str:
    """The bytes `gfa predict -o` writes for this frame (the same writer)."""
    with tempfile.TemporaryDirectory(prefix="gfa_serve_") as tmp:
        path = Path(tmp) / "predictions.csv"
        write_csv_atomic(frame, path)
        return path.read_text()


@router.post("/predict", tags=["predict"], openapi_extra=_BODY,
             summary="Predict P(melts before decomposing), Tm, Td, Tg, Tg/Tm (90 % intervals), "
                     "the Tm/Td models' own P(Tm < Td), their agreement and domain flags")
async def predict(request: Request, format: str = "json", prior: float = 0.5) -> Response:
    """CIF files (multipart field ``files``) and/or records (JSON ``{"records": [...]}``, or
    multipart field ``records`` holding that list). Returns the `gfa predict` columns, in its
    order (``columns``) and one object per material (``predictions``); ``?format=csv`` returns
    the CSV `gfa predict -o` writes. ``p_meltable`` is P(melts before decomposing) at equal
    prior odds; ``?prior=0.1`` states it at a base rate of 10 % melters (`gfa predict
    --prior`)."""
    if format not in ("json", "csv"):
        raise _bad(400, f"format {format!r}: use json or csv")
    if not 0.0 < prior < 1.0:
        raise _bad(400, f"prior {prior}: a base rate strictly between 0 and 1")
    state: ServerState = request.app.state.gfa
    records, files = await _parse_request(request, state)
    out = await run_in_threadpool(_predict, state, records, files, prior)
    if format == "csv":
        return Response(as_csv(out), media_type="text/csv", headers={
            "content-disposition": 'attachment; filename="predictions.csv"'})
    rows = out.astype(object).where(out.notna(), None).to_dict(orient="records")
    return Response(json.dumps({"columns": list(out.columns), "note": state.note,
                                "predictions": rows}, allow_nan=False),
                    media_type="application/json")
