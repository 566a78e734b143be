"""`auditor demo`: serve the sample district on 127.0.0.1 and run crawl → match → score → report on it."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.catalog.loader import load_catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.report import pdf
from auditor.report.output import write_reports
from auditor.report.report_context import build_report_context
from auditor.sample.generate import build_sample, count_detail_pages
from auditor.sample.registry import write_registry
from auditor.sample.server import SamplePortal
from auditor.scheme import load_scheme
from auditor.scoring.engine import run_audit
from auditor.stages import UnitSummary, crawl, load_registry_for, summarise
from auditor.store.db import open_db, resolve_db_url


@dataclass
class DemoResult:
    out: Path
    db_url: str
    audit_run_id: int
    crawl_run_id: int
    summary: list[UnitSummary]
    xlsx: Path
    pdf: Path | None
    pages: int
    seconds: float
    crawl_seconds: float
    registry: Path
    accounts: list[tuple[str, str, str, str | None]]
    pdf_note: str = ""  # why no PDF was written (no Chinese font, no Typst, --no-pdf)


def run_demo(out: Path, *, scheme_name: str = "default", progress_factory: Callable[[str], Any] | None = None,
             crawl_settings: dict | None = None, with_pdf: bool = True) -> DemoResult:
    """Run the whole audit on a fresh sample district; everything it writes goes under `out`."""
    t0 = time.monotonic()
    progress = progress_factory or (lambda label: nullcontext(lambda text: None))
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("audit.db", "audit.db-wal", "audit.db-shm"):
        (out / stale).unlink(missing_ok=True)
    shutil.rmtree(out / "units", ignore_errors=True)
    catalog = load_catalog()
    cal = WorkingCalendar()
    scheme = load_scheme(scheme_name)
    sample = build_sample(catalog, cal)
    (out / "ground-truth.json").write_text(json.dumps(sample.truth.to_json(), ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    db_url = resolve_db_url(str(out / "audit.db"))
    factory = open_db(db_url)
    with SamplePortal(sample.plan) as portal:
        registry_path = write_registry(sample, portal, out / "registry.yaml")
        registry = load_registry_for(registry_path, catalog)
        t_crawl = time.monotonic()
        with progress("抓取示例区县站点 crawling the sample district") as update:
            # the sample portal is on loopback: lift the polite 1 request/s per host of real crawls
            fast = {"AUDITOR_HOST_RATE": 1000.0, **(crawl_settings or {})}
            crawl_id = crawl(factory, db_url, registry, str(registry_path), settings=fast,
                             progress=lambda p, i: update(f"{p} pages, {i} items"))
        crawl_seconds = time.monotonic() - t_crawl
    with progress("匹配与评分 matching and scoring") as update:
        with factory() as session:
            run_id = run_audit(session, catalog, scheme, cal, sample.as_of)
    with progress("生成报告 writing reports") as update:
        with factory() as session:
            ctx = build_report_context(session, run_id)
            summary = summarise(session, run_id)
        done = write_reports(ctx, out, ["html", "xlsx", "csv", "json"] + (["pdf"] if with_pdf else []),
                             progress=update)
        xlsx = out / f"audit-run-{run_id}.xlsx"
        pdf_path = out / pdf.district_pdf_name(ctx) if with_pdf and "pdf" not in done.skipped else None
        pdf_note = done.skipped.get("pdf", "") if with_pdf else "not requested (--no-pdf)"
    from auditor.web.accounts import create_demo_accounts

    with factory() as session:
        accounts = create_demo_accounts(session)
    return DemoResult(out=out, db_url=db_url, audit_run_id=run_id, crawl_run_id=crawl_id, summary=summary,
                      xlsx=xlsx, pdf=pdf_path, pages=count_detail_pages(sample), seconds=time.monotonic() - t0,
                      crawl_seconds=crawl_seconds, registry=registry_path, accounts=accounts, pdf_note=pdf_note)
