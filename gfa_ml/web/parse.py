"""CIFs are read in a worker process the server kills after ``web.parse_timeout_s``: a
pathological CIF (a huge cell, a parser stuck in a loop) costs its own request, never the
server. The worker is forked from the fork server with the featurizer preloaded, so it starts
in milliseconds; it runs under the server's settings and feature cache."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

import pandas as pd

from gfa_ml.config import Settings, using
from gfa_ml.io.processes import pool_context


class ParseError(RuntimeError):
    """The CIFs of a request could not be read as a whole (one-line message)."""


def _child(conn: Connection, items: list, keep_cif: bool, settings: Settings,
           env: dict[str, str]) -> None:
    from gfa_ml.config import get_settings
    from gfa_ml.models.predict import featurize_inputs

    os.environ.update(env)  # the fork server may predate the server's GFA_HOME / GFA_CACHE
    get_settings.cache_clear()
    try:
        with using(settings):
            conn.send(("ok", featurize_inputs(items, keep_cif)))
    except Exception as exc:  # noqa: BLE001 - reported to the request in one line
        conn.send(("error", f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"))
    finally:
        conn.close()


class WorkerFeaturizer:
    """``featurize(items, keep_cif)`` for :func:`gfa_ml.workflows.predict_table`, in a worker."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.timeout_s = settings.web.parse_timeout_s
        self.ctx = pool_context(["gfa_ml.models.predict", "gfa_ml.web.warm"])

    def __call__(self, items: list, keep_cif: bool) -> pd.DataFrame:
        recv, send = self.ctx.Pipe(duplex=False)
        env = {k: v for k, v in os.environ.items() if k.startswith("GFA_")}
        proc = self.ctx.Process(target=_child, args=(send, items, keep_cif, self.settings, env))
        proc.start()
        send.close()
        try:
            if not recv.poll(self.timeout_s):
                raise ParseError(f"reading the CIF(s) took longer than {self.timeout_s:g} s "
                                 "(web.parse_timeout_s): stopped; send the files one by one to "
                                 "find the slow one")
            kind, value = recv.recv()
        except EOFError:
            raise ParseError("the CIF reader stopped without an answer (out of memory?)") from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            recv.close()
        if kind == "error":
            raise ParseError(value)
        return value
