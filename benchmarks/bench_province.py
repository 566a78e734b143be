"""Benchmark: scoring and reports of a province-sized audit (issue 17 part 5).

Usage: python benchmarks/bench_province.py [UNITS] [--out DIR] [--reuse] [--no-pdf] [--pdf-timeout S] [--rss-limit-mb M]

Builds the sample district scaled to UNITS units (default 1000: the sample crawled once, its units copied in
the store with their ground truth, auditor/sample/scale.py), then runs each step in a child process and
measures its wall time and peak RSS (polled from /proc, and the child's own getrusage):
score (match + checks + scores), reports (html + xlsx + csv + json), pdf, and the workspace scorecard
(one unit's page through the Flask test client: median of several requests after a warm-up). A step
above --rss-limit-mb or its timeout is stopped and reported as such (the PDF of the monolithic report
needed 11 GB at 1,000 units). The audit's defect findings are compared with the scaled ground truth.

Ends with exactly one line:
province: units U; score S s; reports R s; pdf P s; peak RSS M MB; scorecard G ms; findings vs truth +X -Y
Targets (issue 17): score ≤ 30 s, reports ≤ 30 s, pdf ≤ 120 s, each step ≤ 1 GB, scorecard ≤ 300 ms, +0 -0.
They are printed figures, never assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SCORECARD_REQUESTS = 7


# ------------------------------------------------------------------ report writing (one place to swap)
def write_reports(session, run_id: int, out: Path) -> list[Path]:
    """html + xlsx + csv + json through auditor.report.output.write_reports (as `auditor report` does)."""
    from auditor.report.output import write_reports as write
    from auditor.report.report_context import build_report_context

    return write(build_report_context(session, run_id), out, ["html", "xlsx", "csv", "json"]).paths


def write_pdf_report(session, run_id: int, out: Path) -> list[Path]:
    """The district summary PDF and one PDF per unit, rendered by the forked pool (auditor/report/pdf.py)."""
    from auditor.report.output import write_reports as write
    from auditor.report.report_context import build_report_context

    return write(build_report_context(session, run_id), out, ["pdf"]).paths


# ------------------------------------------------------------------ steps (run in a child process each)
def step_score(db: str, as_of: str) -> dict:
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import run_audit
    from auditor.store.db import open_db

    with open_db(db, migrate=False)() as session:
        run_id = run_audit(session, load_catalog(), load_scheme("default"), WorkingCalendar(),
                           date.fromisoformat(as_of))
    return {"run": run_id}


def step_reports(db: str, run_id: int, out: str) -> dict:
    from auditor.store.db import open_db

    target = Path(out) / "reports"
    target.mkdir(parents=True, exist_ok=True)
    with open_db(db, migrate=False)() as session:
        files = write_reports(session, run_id, target)
    return {"files": len(files), "index_bytes": (target / "index.html").stat().st_size
            if (target / "index.html").exists() else None}


def step_pdf(db: str, run_id: int, out: str) -> dict:
    from auditor.store.db import open_db

    target = Path(out) / "pdf"
    target.mkdir(parents=True, exist_ok=True)
    with open_db(db, migrate=False)() as session:
        files = write_pdf_report(session, run_id, target)
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def step_scorecard(db: str, unit_id: str) -> dict:
    import re

    from auditor.store.db import open_db
    from auditor.web.accounts import create_user
    from auditor.web.app import create_app

    factory = open_db(db, migrate=False)
    with factory() as session:
        create_user(session, "bench-admin", "bench-admin-pw", "admin", replace=True, min_length=1)
        session.commit()
    app = create_app(factory=factory, data_dir=tempfile.mkdtemp(prefix="bench-web-"))
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": "bench-admin", "password": "bench-admin-pw", "csrf_token": token})
    url = f"/units/{unit_id}/scorecard"
    t0 = time.perf_counter()
    first = client.get(url)
    warm = time.perf_counter() - t0
    times = []
    for _ in range(SCORECARD_REQUESTS):
        t0 = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t0)
        if r.status_code != 200:
            return {"error": f"HTTP {r.status_code}"}
    return {"status": first.status_code, "warmup_ms": round(warm * 1000, 1),
            "median_ms": round(statistics.median(times) * 1000, 1), "bytes": len(first.data)}


STEPS = {"score": step_score, "reports": step_reports, "pdf": step_pdf, "scorecard": step_scorecard}


def child_main(step: str, args: list[str]) -> None:
    fn = STEPS[step]
    result = fn(*[int(a) if a.isdigit() else a for a in args])
    result["self_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result), flush=True)


# ------------------------------------------------------------------ the parent: run, watch, compare
@dataclass
class Measured:
    step: str
    seconds: float
    rss_mb: float
    result: dict
    stopped: str = ""  # why the step was stopped (memory limit, timeout)

    def figure(self) -> str:
        return f"{self.seconds:.1f}" + (f" ({self.stopped})" if self.stopped else "")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_step(step: str, *args: object, timeout: float, rss_limit_mb: float) -> Measured:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")])
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--step", step, *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, stopped = 0.0, ""
    while proc.poll() is None:
        peak = max(peak, _rss_mb(proc.pid))
        elapsed = time.perf_counter() - t0
        if peak > rss_limit_mb or elapsed > timeout:
            stopped = f"stopped at {peak:.0f} MB" if peak > rss_limit_mb else f"stopped after {elapsed:.0f} s"
            proc.kill()
            break
        time.sleep(0.1)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    result: dict = {}
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
    if not result and not stopped:
        stopped = "failed: " + (err.strip().splitlines() or ["no output"])[-1][:200]
    peak = max(peak, float(result.get("self_rss_mb", 0.0)))
    return Measured(step, seconds, peak, result, stopped)


def compare_with_truth(db: str, run_id: int, truth_path: Path) -> tuple[int, int, Counter, Counter]:
    from sqlalchemy import select

    from auditor.sample.scale import compare, defect_keys, finding_key
    from auditor.store.db import open_db
    from auditor.store.models import Finding

    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    with open_db(db, migrate=False)() as session:
        rows = session.execute(select(Finding.rule, Finding.unit_id, Finding.site_id, Finding.entry_id,
                                      Finding.evidence, Finding.days_late, Finding.channels_missing, Finding.title)
                               .where(Finding.audit_run_id == run_id, Finding.status == "defect"))
        found = Counter(finding_key(*r) for r in rows)
    return compare(defect_keys(truth), found)


def _checkpoint(db: str) -> None:
    """Fold the SQLite write-ahead log into the file, so a copy of the file is the whole store."""
    from sqlalchemy import text

    from auditor.store.db import open_db

    with open_db(db, migrate=False)() as session:
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--step":
        child_main(sys.argv[2], sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("units", nargs="?", type=int, default=1000)
    ap.add_argument("--out", default=None, help="folder for the store and reports (default: a temp folder)")
    ap.add_argument("--no-pdf", action="store_true", help="skip the PDF step")
    ap.add_argument("--pdf-timeout", type=float, default=600.0)
    ap.add_argument("--timeout", type=float, default=900.0, help="limit of the other steps, seconds")
    ap.add_argument("--rss-limit-mb", type=float, default=3000.0, help="a step above this is stopped")
    ap.add_argument("--reuse", action="store_true",
                    help="start from the scaled store an earlier run left in --out (scaled-UNITS.db), not a new crawl")
    args = ap.parse_args()

    from auditor.sample.scale import ScaledSample, ScaleResult, build_scaled_sample

    out = Path(args.out or tempfile.mkdtemp(prefix="bench-province-")).resolve()
    t0 = time.perf_counter()
    pristine = out / f"scaled-{args.units}.db"
    if args.reuse and pristine.exists() and (out / "ground-truth.json").exists():
        for stale in ("audit.db-wal", "audit.db-shm"):
            (out / stale).unlink(missing_ok=True)
        shutil.copy(pristine, out / "audit.db")
        from sqlalchemy import func, select

        from auditor.store.db import open_db
        from auditor.store.models import Channel, Item, Unit

        url = f"sqlite:///{out / 'audit.db'}"
        with open_db(url)() as session:  # brings a store of another code version to this one's schema (indexes)
            counts = [session.scalar(select(func.count()).select_from(m)) or 0 for m in (Unit, Item, Channel)]
        built = ScaledSample(url, out / "ground-truth.json", out / "registry.yaml",
                             ScaleResult(counts[0], 0, counts[1], counts[2]), 0.0, 0.0)
        print(f"setup: reused {pristine}", flush=True)
    else:
        built = build_scaled_sample(out, args.units)
        _checkpoint(built.db_url)
        shutil.copy(out / "audit.db", pristine)  # --reuse starts from here (another code version, no re-crawl)
    r = built.result
    print(f"setup: {r.units} units ({r.copies} new copies of the sample), {r.items:,} items, {r.channels:,} columns "
          f"({'in the reused store' if args.reuse and not r.copies else 'copied'}); "
          f"crawl {built.crawl_seconds:.1f} s, copy {built.scale_seconds:.1f} s, total {time.perf_counter() - t0:.1f} s; "
          f"store {out / 'audit.db'}", flush=True)
    as_of = json.loads(built.truth_path.read_text(encoding="utf-8"))["as_of"]
    limits = {"timeout": args.timeout, "rss_limit_mb": args.rss_limit_mb}
    score = run_step("score", built.db_url, as_of, **limits)
    print(f"score: {score.figure()} s, peak RSS {score.rss_mb:.0f} MB", flush=True)
    run_id = score.result.get("run")
    if run_id is None:
        print(f"province: units {r.units}; score {score.figure()} s; reports - s; pdf - s; "
              f"peak RSS {score.rss_mb:.0f} MB; scorecard - ms; findings vs truth +? -?")
        return
    plus, minus, extra, missed = compare_with_truth(built.db_url, run_id, built.truth_path)
    for key in list(extra)[:10]:
        print(f"  not seeded: {key}")
    for key in list(missed)[:10]:
        print(f"  not found:  {key}")
    reports = run_step("reports", built.db_url, run_id, str(out), **limits)
    print(f"reports: {reports.figure()} s, peak RSS {reports.rss_mb:.0f} MB, {reports.result}", flush=True)
    if args.no_pdf:
        pdf = Measured("pdf", float("nan"), 0.0, {}, "skipped")
    else:
        pdf = run_step("pdf", built.db_url, run_id, str(out), timeout=args.pdf_timeout,
                       rss_limit_mb=args.rss_limit_mb)
        print(f"pdf: {pdf.figure()} s, peak RSS {pdf.rss_mb:.0f} MB, {pdf.result}", flush=True)
    unit_id = "mzj-c001" if r.units > 12 else "mzj"
    card = run_step("scorecard", built.db_url, unit_id, **limits)
    print(f"scorecard: {card.result} ({card.figure()} s in all, peak RSS {card.rss_mb:.0f} MB)", flush=True)
    peak = max(m.rss_mb for m in (score, reports, pdf, card))
    pdf_s = "-" if args.no_pdf else pdf.figure()
    print(f"province: units {r.units}; score {score.figure()} s; reports {reports.figure()} s; pdf {pdf_s} s; "
          f"peak RSS {peak:.0f} MB; scorecard {card.result.get('median_ms', '-')} ms; "
          f"findings vs truth +{plus} -{minus}")


if __name__ == "__main__":
    main()
