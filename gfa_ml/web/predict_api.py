"""``POST /predict``: CIF uploads and/or JSON records in, exactly what `gfa predict` writes out.

Uploads and records are checked by the CLI's own code (:mod:`gfa_ml.web.uploads`) and predicted by
``workflows.predict_table``, so the columns, ids, statuses and one-line errors are the CLI's.
A request where nothing could be predicted gets 422 with the failing rows' reasons.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from gfa_ml.config import using
from gfa_ml.io.atomic import write_csv_atomic
from gfa_ml.web.parse import ParseError
from gfa_ml.web.state import ServerState
from gfa_ml.web.uploads import Upload, bad, parse_request, read_inputs, request_body

router = APIRouter()

_BODY = request_body()


def _predict(state: ServerState, upload: Upload, prior: float = 0.5) -> pd.DataFrame:
    from gfa_ml.workflows import predict_table

    recs, items = read_inputs(state, upload)
    try:
        features = state.featurize(items, any(
            type(b.model).needs_structures for b in state.bundles.values())) if items else None
    except ParseError as exc:
        raise bad(422, str(exc)) from None
    with state.lock, using(state.settings):
        out = predict_table(recs, items, state.bundles, records_source="records",
                            featurize=lambda _items, _keep: features, tct=state.tct,
                            prior=prior)
    if out["status"].eq("error").all():
        reasons = "; ".join(f"{r.id}: {r.error}" for r in out.head(5).itertuples())
        raise bad(422, f"nothing predicted: {reasons}")
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
        raise bad(400, f"format {format!r}: use json or csv")
    if not 0.0 < prior < 1.0:
        raise bad(400, f"prior {prior}: a base rate strictly between 0 and 1")
    state: ServerState = request.app.state.gfa
    upload = await parse_request(request, state)
    out = await run_in_threadpool(_predict, state, upload, prior)
    if format == "csv":
        return Response(as_csv(out), media_type="text/csv", headers={
            "content-disposition": 'attachment; filename="predictions.csv"'})
    rows = out.astype(object).where(out.notna(), None).to_dict(orient="records")
    return Response(json.dumps({"columns": list(out.columns), "note": state.note,
                                "predictions": rows}, allow_nan=False),
                    media_type="application/json")
