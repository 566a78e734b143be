"""Benchmark: re-scoring a crawled database under each shipped scheme (match + checks + scores +
history + upcoming), without re-crawling.

Usage: python benchmarks/bench_scoring.py [DB]   (default: runs the demo once into a temp folder)
Prints wall time per scheme and per stage (matching, context, each check, aggregation, store).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from auditor.catalog.loader import load_catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.scheme import load_scheme, shipped_schemes
from auditor.scoring import engine
from auditor.store.db import open_db, resolve_db_url

AS_OF = date(2026, 11, 20)


def _timed(name: str, fn, timings: dict):
    def wrapper(*a, **kw):
        t0 = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0
    return wrapper


def main() -> None:
    if len(sys.argv) > 1:
        db = resolve_db_url(sys.argv[1])
    else:
        from auditor.demo import run_demo

        out = Path(tempfile.mkdtemp(prefix="bench-scoring-"))
        t0 = time.perf_counter()
        db = run_demo(out).db_url
        print(f"demo (setup): {time.perf_counter() - t0:.1f} s")
    catalog, cal = load_catalog(), WorkingCalendar()
    factory = open_db(db)
    for name in shipped_schemes():
        scheme = load_scheme(name)
        timings: dict[str, float] = {}
        originals = {"run_matching": engine.run_matching, "build_context": engine.build_context,
                     "aggregate": engine.aggregate, "_store": engine._store}
        checks = dict(engine.CHECKS)
        try:
            for attr, fn in originals.items():
                setattr(engine, attr, _timed(attr, fn, timings))
            for check, fn in checks.items():
                engine.CHECKS[check] = _timed(f"check:{check}", fn, timings)
            t0 = time.perf_counter()
            with factory() as session:
                run_id = engine.run_audit(session, catalog, scheme, cal, AS_OF)
            total = time.perf_counter() - t0
        finally:
            for attr, fn in originals.items():
                setattr(engine, attr, fn)
            engine.CHECKS.update(checks)
        print(f"scheme {name}: audit run {run_id} in {total:.2f} s")
        for stage, seconds in sorted(timings.items(), key=lambda t: -t[1]):
            print(f"  {stage:<24} {seconds:7.3f} s")


if __name__ == "__main__":
    main()
