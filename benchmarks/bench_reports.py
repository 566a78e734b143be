"""Benchmark: report output at province scale (issue 17 part 5, the reports half).

A synthetic but realistic report context of N units (default 1,000): the demo is run once (crawl, match,
score, no PDF) into a work directory, its audit run's report context is built from the store, then every
unit is replicated with distinct ids (the first copy keeps the real ids, so the workspace can serve it)
until there are N. Scores, findings, matches, columns and sites are the demo's, so each replicated
unit is as big as a real sample unit; only the district-wide rankings are recomputed.

Each step runs in a child process, so its peak RSS (wait4 ru_maxrss: the largest single process of the
step, PDF pool workers included) is its own:
  context  – replicate the context only (the baseline every other step carries)
  reports  – html, xlsx, csv, json through write_reports, one context for all four, each timed
  pdf      – the district summary PDF and one PDF per unit (wall time, and CPU seconds over the workers:
             on a shared machine the second says what two idle cores would take; CPU-s per unit PDF, and
             which library subsets the CJK font: "fonttools" means libharfbuzz-subset0 is missing and every
             unit costs about 12 CPU-s instead of 0.5)
  web      – one unit's scorecard from the workspace (Flask test client), context cached as in production

    PYTHONPATH=. python benchmarks/bench_reports.py [--units 1000] [--work DIR] [--steps reports,pdf,web]

Ends with one line:
`reports: units U; html+xlsx+csv+json R s; pdf P s; peak RSS M MB; index.html K KB` (then the scorecard).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.report.model import ReportContext, Scorecard

STEPS = ("context", "reports", "pdf", "web")
FORMATS = ["html", "xlsx", "csv", "json"]


# ---------------------------------------------------------------------------- the context
def demo_store(work: Path) -> tuple[str, int]:
    """The demo's store under work/demo (run once, in a child process, then reused); returns its database
    URL and audit run id. A child, because a child's ru_maxrss starts from its parent's at the fork."""
    demo = work / "demo"
    marker = demo / "bench-run.json"
    if not marker.is_file():
        code = ("import json, sys; from pathlib import Path; from auditor.demo import run_demo; "
                "r = run_demo(Path(sys.argv[1]), with_pdf=False); "
                "(Path(sys.argv[1]) / 'bench-run.json').write_text(json.dumps("
                "{'db_url': r.db_url, 'audit_run_id': r.audit_run_id}))")
        subprocess.run([sys.executable, "-c", code, str(demo)], check=True, stdout=subprocess.DEVNULL)
    info = json.loads(marker.read_text(encoding="utf-8"))
    return info["db_url"], info["audit_run_id"]


@dataclass
class _Copies:
    """The replicated rows as they accumulate, copy after copy."""

    n: int
    cells: dict[str, list]
    units: list = field(default_factory=list)
    cards: dict = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    upcoming: dict[str, list] = field(default_factory=dict)
    matrix_units: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    matches: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    sites: list = field(default_factory=list)
    trend: list = field(default_factory=list)


def replicate(base: ReportContext, n: int) -> ReportContext:
    """The base context with its units copied (ids suffixed -k for copies k ≥ 1) until there are n units.

    One deepcopy per copy keeps the sharing of the real context (a scorecard holds the same finding rows
    as ctx.findings, the same row as ctx.units), so memory grows as a real 1,000-unit context does. The
    report's shapes are frozen dataclasses: a copied row is `replace`d and its scorecard re-pointed."""
    from auditor.report.model import LevelSpan
    from auditor.report.report_context import _distribution

    parts = {"units": base.units, "cards": base.scorecards, "findings": [
        f for f in base.findings if f.unit_id in base.scorecards], "matches": base.matches,
        "columns": base.columns, "sites": base.sites, "trend": base.trend.units,
        "upcoming": base.upcoming.units,
        "cells": {r.domain: r.cells for r in base.matrix.rows}}
    acc = _Copies(n, {r.domain: [] for r in base.matrix.rows})
    for k in range(-(-n // len(base.units))):
        c = parts if k == 0 else copy.deepcopy(parts)
        ids = {u.id: (u.id if k == 0 else f"{u.id}-{k}") for u in c["units"]}
        _copy_units(c, k, ids, acc)
        _rename_rows(c, k, ids, acc)
    levels = _rerank(base, acc)
    ordered = [u for lv in levels for u in lv.units]
    order = {u.id: i for i, u in enumerate(ordered)}
    acc.matrix_units.sort(key=lambda u: order[u.id])
    return replace(
        base, units=ordered, levels=levels, scorecards=acc.cards, findings=acc.findings + base.unassigned_findings,
        matches=acc.matches, columns=acc.columns, sites=acc.sites,
        upcoming=replace(base.upcoming, units=acc.upcoming),
        trend=replace(base.trend, units=sorted(acc.trend, key=lambda t: order[t.id])),
        totals=replace(base.totals, units=len(acc.units)),
        distribution=_distribution([r for r in ordered if r.assessment != "unassessed"]),
        matrix=replace(base.matrix, units=acc.matrix_units,
                       groups=[LevelSpan(lv.level, lv.label, len(lv.units)) for lv in levels if lv.units],
                       rows=[replace(r, cells=sorted(acc.cells[r.domain], key=lambda c: order[c.unit_id]))
                             for r in base.matrix.rows]))


def _copy_units(c: dict[str, Any], k: int, ids: dict[str, str], acc: _Copies) -> None:
    """Copy k's unit rows, scorecards, upcoming rows and heat-map cells under their new ids (up to acc.n)."""
    from auditor.report.model import MatrixUnit
    from auditor.report.report_context import unit_page

    for u in c["units"]:
        if len(acc.units) == acc.n:
            break
        old = u.id
        u = replace(u, id=ids[old], page=unit_page(ids[old]), name=f"{u.name}{k}" if k else u.name)
        acc.units.append(u)
        acc.names[u.id] = u.name
        acc.cards[u.id] = replace(c["cards"][old], unit=u, anchor="u-" + u.page.rsplit(".", 1)[0])
        acc.upcoming[u.id] = c["upcoming"].get(old, [])
        acc.matrix_units.append(MatrixUnit(u.id, u.name, u.page, u.name[-8:]))
        for domain, row in c["cells"].items():
            acc.cells[domain] += [replace(cell, unit_id=u.id) for cell in row if cell.unit_id == old]


def _rename_rows(c: dict[str, Any], k: int, ids: dict[str, str], acc: _Copies) -> None:
    """Copy k's findings, matches, columns, sites and trend rows of the kept units, under the new ids."""
    from auditor.report.report_context import unit_page

    kept = {old for old, new in ids.items() if new in acc.cards}
    renamed: dict[int, Any] = {}  # id(old row) → its copy under the new unit id
    for f in c["findings"]:
        if f.unit_id in kept:
            new = renamed[id(f)] = replace(f, unit_id=ids[f.unit_id], unit_name=acc.names[ids[f.unit_id]],
                                           key=f"{f.key}#{k}" if k else f.key)
            acc.findings.append(new)
    for rows, out in ((c["matches"], acc.matches), (c["columns"], acc.columns)):
        for r in rows:
            if r.unit_id in kept:
                new = renamed[id(r)] = replace(r, unit_id=ids[r.unit_id], unit_name=acc.names[ids[r.unit_id]])
                out.append(new)
    for r in c["sites"]:
        if r.owner_unit_id in kept:
            new = renamed[id(r)] = replace(r, owner_unit_id=ids[r.owner_unit_id])
            acc.sites.append(new)
    for old in kept:
        card = acc.cards[ids[old]]
        acc.cards[ids[old]] = _repoint(card, renamed)
    acc.trend += [replace(t, id=ids[t.id], page=unit_page(ids[t.id])) for t in c["trend"] if t.id in kept]


def _repoint(card: Scorecard, renamed: dict[int, Any]) -> Scorecard:
    """The scorecard holding the renamed copies of its rows (findings, defect groups, new defects, matches,
    columns, sites) in place of the originals."""
    def rows(items: list) -> list:
        return [renamed[id(r)] for r in items]

    changes = card.changes
    if changes is not None:
        changes = replace(changes, new=rows(changes.new))
    return replace(card, missing=rows(card.missing), late=rows(card.late), channel_gaps=rows(card.channel_gaps),
                   site_problems=rows(card.site_problems), other_defects=rows(card.other_defects),
                   defect_groups=[replace(g, findings=rows(g.findings)) for g in card.defect_groups],
                   unverified=rows(card.unverified), notes=rows(card.notes), changes=changes,
                   matches=rows(card.matches), columns=rows(card.columns), sites=rows(card.sites))


def _rerank(base: ReportContext, acc: _Copies) -> list:
    """The district-wide rankings of the copied units, level by level; each scorecard gets its new row."""
    from auditor.report.report_context import _level

    levels = []
    for lv in base.levels:
        members = sorted((u for u in acc.units if u.level == lv.level),
                         key=lambda r: (r.rank is None, -(r.score or 0), r.id))
        ranked = sum(r.rank is not None for r in members)
        rank = iter(range(1, ranked + 1))
        members = [replace(r, rank=next(rank), rank_of=ranked) if r.rank is not None else r for r in members]
        for r in members:
            acc.cards[r.id] = replace(acc.cards[r.id], unit=r)
        levels.append(_level(lv.level, members))
    return levels


def load_context(db_url: str, run_id: int, n: int) -> ReportContext:
    from auditor.report.report_context import build_report_context
    from auditor.store.db import open_db

    with open_db(db_url)() as session:
        base = build_report_context(session, run_id)
    return replicate(base, n)


# ---------------------------------------------------------------------------- the steps (in a child)
def step_context(ctx: ReportContext, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    return {"units": len(ctx.units), "findings": len(ctx.findings), "matches": len(ctx.matches),
            "columns": len(ctx.columns)}


def _legacy_write_reports(ctx: ReportContext, out: Path, formats: list[str]) -> None:
    """The per-format writers of the code before write_reports (to measure a baseline with the same bench)."""
    from auditor.report import export, render

    run_id = ctx.run.id
    for fmt in formats:
        {"html": lambda: render.write_html(ctx, out),
         "xlsx": lambda: export.write_xlsx(ctx, out / f"audit-run-{run_id}.xlsx"),
         "csv": lambda: export.write_csv(ctx, out),
         "json": lambda: export.write_json(ctx, out / f"audit-run-{run_id}.json")}[fmt]()


def step_reports(ctx: ReportContext, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    try:
        from auditor.report.output import write_reports
    except ImportError:
        write_reports = _legacy_write_reports
    times, cpu = {}, {}
    for fmt in FORMATS:
        t, c = time.monotonic(), _cpu()
        write_reports(ctx, out, [fmt])
        times[fmt], cpu[fmt] = round(time.monotonic() - t, 2), round(_cpu() - c, 2)
    index = out / "index.html"
    return {"times": times, "cpu": cpu, "seconds": round(sum(times.values()), 2),
            "cpu_seconds": round(sum(cpu.values()), 2), "index_kb": round(index.stat().st_size / 1024),
            "files": sum(1 for _ in out.rglob("*") if _.is_file())}


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (pool workers)."""
    import resource

    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def step_pdf(ctx: ReportContext, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    from auditor.report.pdf import write_pdf

    t, cpu0 = time.monotonic(), _cpu()
    try:
        written = write_pdf(ctx, out, per_unit=True, workers=args.pdf_workers)
    except TypeError:  # the code before per-unit streaming: one process, no workers
        written = write_pdf(ctx, out, per_unit=True)
    cpu = _cpu() - cpu0
    try:
        from auditor.report.pdf import font_subsetter
        engine = f"WeasyPrint, fonts subset by {font_subsetter()}"
    except ImportError:  # Typst since issue 17: it subsets fonts itself
        engine = "Typst"
    return {"seconds": round(time.monotonic() - t, 2), "render_cpu_s": round(cpu, 1),
            "cpu_s_per_unit": round(cpu / max(len(written) - 1, 1), 3), "engine": engine,
            "files": len(written), "district_kb": round(written[0].stat().st_size / 1024),
            "unit_kb": round(sum(p.stat().st_size for p in written[1:]) / 1024 / max(len(written) - 1, 1))}


def step_web(ctx: ReportContext, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One unit's scorecard through the workspace, with the 1,000-unit context in its cache (as after the
    first request of the day); the unit is a real one of the demo store, so access checks run as usual."""
    from auditor.store.db import open_db
    from auditor.web.app import create_app

    app = create_app(factory=open_db(args.db_url), secret_key="bench", testing=True)
    app.extensions["report_contexts"].put(args.run_id, ctx)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"username": "eval", "password": "eval-demo", "csrf_token": token})
    assert r.status_code == 302, r.status_code
    unit = ctx.units[len(ctx.units) // 3].id.split("-")[0]
    client.get(f"/units/{unit}/scorecard")  # templates compiled once
    times = []
    for _ in range(5):
        t = time.monotonic()
        r = client.get(f"/units/{unit}/scorecard")
        times.append(time.monotonic() - t)
        assert r.status_code == 200, r.status_code
    return {"ms": round(sorted(times)[len(times) // 2] * 1000), "unit": unit, "kb": round(len(r.data) / 1024)}


def child(args: argparse.Namespace) -> None:
    t = time.monotonic()
    ctx = load_context(args.db_url, args.run_id, args.units)
    built = round(time.monotonic() - t, 2)
    out = Path(args.work) / f"out-{args.child}"
    result = globals()[f"step_{args.child}"](ctx, out, args)
    print("RESULT " + json.dumps(result | {"context_s": built}), flush=True)


def run_step(step: str, args: argparse.Namespace, db_url: str, run_id: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", step, "--work", str(args.work), "--units", str(args.units),
           "--db-url", db_url, "--run-id", str(run_id), "--pdf-workers", str(args.pdf_workers)]
    t = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise SystemExit(f"step {step} failed ({proc.returncode}):\n{stdout[-2000:]}")
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[7:]) | {"rss_mb": round(usage.ru_maxrss / 1024), "wall_s": round(time.monotonic() - t, 1),
                                     "cpu_s": round(usage.ru_utime + usage.ru_stime, 1)}
    print(f"{step}: {result}", flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--work", default=None, help="work directory (kept; the demo store in it is reused)")
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--pdf-workers", type=int, default=2)
    ap.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    ap.add_argument("--db-url", help=argparse.SUPPRESS)
    ap.add_argument("--run-id", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    args.work = Path(args.work or tempfile.mkdtemp(prefix="bench-reports-")).resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    db_url, run_id = demo_store(args.work)
    res = {s: run_step(s, args, db_url, run_id) for s in args.steps.split(",")}
    rss = max(r["rss_mb"] for r in res.values())
    rep, pdf = res.get("reports", {}), res.get("pdf", {})
    if pdf:  # the machine may be shared: CPU seconds over the workers is what two idle cores would take
        print(f"pdf: {pdf['seconds']} s wall, {pdf['render_cpu_s']} CPU-s over {args.pdf_workers} workers "
              f"(≈ {pdf['render_cpu_s'] / max(args.pdf_workers, 1):.0f} s on {args.pdf_workers} idle cores); "
              f"{pdf['files']} files; {pdf.get('cpu_s_per_unit')} CPU-s per unit PDF (district summary included), "
              f"{pdf.get('unit_kb')} KB each; typeset by {pdf.get('engine')}")
    if rep:
        print(f"reports CPU: {rep['cpu_seconds']} CPU-s ({rep['cpu']}); wall {rep['times']}")
    print(f"reports: units {args.units}; html+xlsx+csv+json {rep.get('seconds', 'n/a')} s; "
          f"pdf {pdf.get('seconds', 'n/a')} s; peak RSS {rss} MB; index.html {rep.get('index_kb', 'n/a')} KB")
    if "web" in res:
        print(f"scorecard: {res['web']['ms']} ms per request (unit {res['web']['unit']}, {args.units}-unit context)")


if __name__ == "__main__":
    main()
