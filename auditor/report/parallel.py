"""Unit-by-unit report work in a few forked processes that share the report context.

The context of a 1,000-unit run is a few hundred MB of dicts: it is never pickled per task. It is set
here before the pool forks, so every worker inherits it copy-on-write (gc.freeze keeps the collector from
touching, and so copying, its pages), and a task carries only a unit id. A worker is replaced after
TASKS_PER_WORKER tasks, so whatever a renderer keeps per document cannot grow with the district.
A task must not run Typst: a process forked after Typst ran hangs in its next compile (report/pdf.py gives
Typst spawned workers of its own).
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from auditor.report.model import ReportContext

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_WORKERS = 2
TASKS_PER_WORKER = 50
MIN_TASKS = 50  # below this a pool costs more (fork, imports warmed twice) than it saves

_CTX: ReportContext | None = None
_FN: Callable[[ReportContext, Any], Any] | None = None


def _run(arg: Any) -> Any:
    assert _CTX is not None and _FN is not None
    return _FN(_CTX, arg)


def map_units(ctx: ReportContext, fn: Callable[[ReportContext, T], R], args: Sequence[T], *,
              workers: int = DEFAULT_WORKERS, min_tasks: int | None = None) -> list[R]:
    """[fn(ctx, a) for a in args], in order. fn must be a module-level function. Runs in this process when
    workers < 2, when there are fewer than min_tasks args, or where fork is not available."""
    global _CTX, _FN
    if workers < 2 or len(args) < max(2, MIN_TASKS if min_tasks is None else min_tasks) or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(ctx, a) for a in args]
    _CTX, _FN = ctx, fn  # set before the fork: the workers inherit them
    gc.collect()
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=TASKS_PER_WORKER) as pool:
            return pool.map(_run, args, chunksize=1)
    finally:
        _CTX = _FN = None
        gc.unfreeze()
