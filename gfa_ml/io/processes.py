"""Process pools that survive OpenMP: workers come from a fork server, never a plain fork.

Forking a parent that has already run OpenMP code (xgboost, torch, BLAS) can leave the child's
thread pool locked, and the worker hangs; a fork server is started clean and preloads the modules
the workers need, so start-up stays cheap.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence


def pool_context(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ctx
