"""Run one function over chunks on a local process pool or a dask.distributed cluster.

Both back ends take the *same* picklable per-chunk function and yield results as chunks finish,
with a bounded number of chunks in flight (CIF text is streamed, never all held in memory).
The function (it carries the trained models) is shipped to each worker once: a pool
initializer locally, a broadcast ``scatter`` on dask. The local pool starts workers from a
``forkserver`` with the featurizer and model code preloaded: workers start fast and never
inherit the driver's threads (a fork of a process whose OpenMP pool is live, e.g. after xgboost
ran in it, deadlocks in the child). Chunks the caller marks ``inline`` (cheap ones: cached
features, predictions only) run in the calling process; a back end is only started once a chunk
needs one, so a fully cached re-screen starts no workers at all.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from gfa_ml.io.processes import pool_context

EXECUTORS = ("local", "dask")


class ExecutorError(RuntimeError):
    """The executor could not start or lost its workers (one-line message)."""


@dataclass(frozen=True)
class ExecutorSpec:
    """Where chunks run: ``local`` (n worker processes) or ``dask`` (a scheduler address, or an
    existing ``distributed.Client`` passed in directly, e.g. a LocalCluster in tests)."""

    kind: str = "local"
    n_workers: int = 2
    scheduler: str | None = None
    client: Any = None

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ExecutorError(f"unknown executor {self.kind!r}; choose local or dask")
        if self.kind == "dask" and self.scheduler is None and self.client is None:
            raise ExecutorError("--executor dask needs --scheduler tcp://HOST:8786")

    def describe(self) -> str:
        if self.kind == "local":
            return f"local process pool ({self.n_workers} workers)"
        return f"dask.distributed ({self.scheduler or 'in-process client'})"


def map_chunks(
    fn: Callable[[Any], Any],
    chunks: Iterable[Any],
    spec: ExecutorSpec,
    inline: Callable[[Any], bool] | None = None,
    in_flight_per_worker: int = 2,
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(chunk, fn(chunk))`` as chunks complete (order not kept).

    An exception raised by ``fn`` is yielded in place of the result, so the caller decides
    what a failed chunk means; infrastructure failures raise :class:`ExecutorError`.
    """
    backend: _LocalBackend | _DaskBackend | None = None
    try:
        for chunk in chunks:
            if inline is not None and inline(chunk):
                yield chunk, _guarded(fn, chunk)
                continue
            if backend is None:
                start = _LocalBackend if spec.kind == "local" else _DaskBackend
                backend = start(fn, spec)
            backend.submit(chunk)
            while backend.pending >= backend.slots * in_flight_per_worker:
                yield from backend.completed()
        while backend is not None and backend.pending:
            yield from backend.completed()
    finally:
        if backend is not None:
            backend.close()


def _guarded(fn: Callable[[Any], Any], chunk: Any) -> Any:
    try:
        return fn(chunk)
    except Exception as exc:  # noqa: BLE001 - handed to the caller per chunk
        return exc


#: imported once in the fork server, so each worker starts with them loaded
PRELOAD = ["gfa_ml.screen.task", "gfa_ml.featurize", "gfa_ml.models.predict"]


def _context() -> multiprocessing.context.BaseContext:
    return pool_context(PRELOAD)


_INSTALLED: Callable[[Any], Any] | None = None
_SINGLE_THREADED = False


def _single_threaded() -> None:
    """Keep a worker on one BLAS/OpenMP thread: the workers already use every core."""
    global _SINGLE_THREADED
    if not _SINGLE_THREADED:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
        _SINGLE_THREADED = True


def _install(fn: Callable[[Any], Any]) -> None:
    """Pool initializer: unpickle the per-chunk function (models included) once per worker."""
    global _INSTALLED
    _single_threaded()
    _INSTALLED = fn


def _run_installed(chunk: Any) -> Any:
    assert _INSTALLED is not None, "worker started without a chunk function"
    return _INSTALLED(chunk)


def _apply(fn: Callable[[Any], Any], chunk: Any) -> Any:
    _single_threaded()
    return fn(chunk)


class _LocalBackend:
    """A process pool on this machine."""

    def __init__(self, fn: Callable[[Any], Any], spec: ExecutorSpec):
        self.slots = max(1, spec.n_workers)
        self.pool = ProcessPoolExecutor(max_workers=self.slots, mp_context=_context(),
                                        initializer=_install, initargs=(fn,))
        self.futures: dict[Future, Any] = {}

    @property
    def pending(self) -> int:
        return len(self.futures)

    def submit(self, chunk: Any) -> None:
        self.futures[self.pool.submit(_run_installed, chunk)] = chunk

    def completed(self) -> Iterator[tuple[Any, Any]]:
        done, _ = wait(self.futures, return_when=FIRST_COMPLETED)
        for fut in done:
            chunk = self.futures.pop(fut)
            try:
                result = fut.result()
            except BrokenProcessPool as exc:
                raise ExecutorError(f"a worker process died ({exc}); finished chunks are saved; "
                                    "rerun with --resume") from None
            except Exception as exc:  # noqa: BLE001 - handed to the caller per chunk
                result = exc
            yield chunk, result

    def close(self) -> None:
        for fut in self.futures:
            fut.cancel()
        self.pool.shutdown(wait=False, cancel_futures=True)


class _DaskBackend:
    """A dask.distributed cluster (scheduler address or an existing client)."""

    def __init__(self, fn: Callable[[Any], Any], spec: ExecutorSpec):
        from distributed import Client, as_completed

        self.own = spec.client is None
        try:
            self.client = spec.client or Client(spec.scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach dask scheduler {spec.scheduler}: {exc}") from None
        self.slots = max(1, sum(self.client.nthreads().values()))
        # the function (models included) goes to every worker once, not with every chunk
        self.fn = self.client.scatter(fn, broadcast=True, hash=False)
        self.queue = as_completed()
        self.futures: dict[str, tuple[Any, Any]] = {}  # key -> (future, chunk)

    @property
    def pending(self) -> int:
        return len(self.futures)

    def submit(self, chunk: Any) -> None:
        # pure=False: a resumed run must recompute, never reuse a cached result by key
        fut = self.client.submit(_apply, self.fn, chunk, pure=False)
        self.futures[fut.key] = (fut, chunk)
        self.queue.add(fut)

    def completed(self) -> Iterator[tuple[Any, Any]]:
        fut = next(self.queue)
        _, chunk = self.futures.pop(fut.key)
        try:
            result = fut.result()
        except Exception as exc:  # noqa: BLE001 - handed to the caller per chunk
            result = exc
        fut.release()
        yield chunk, result

    def close(self) -> None:
        if self.futures:
            self.client.cancel([f for f, _ in self.futures.values()])
        if self.own:
            self.client.close()
