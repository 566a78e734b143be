"""kill -9 in the middle of a crawl and of a scoring run: the database stays consistent, the next run completes.

"In the middle" is made certain, not timed: the crawl is killed while the sample server holds back
every answer after the first 350 (and after the pipeline's first batch commit), and the scoring run
is killed while a check it runs is parked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date

from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.ops.recovery import recover_interrupted
from auditor.stages import crawl, load_registry_for
from auditor.store.models import AuditRun, CrawlRun, Finding, Item, ItemListing, Match, Score

# The gated site, its registry and the CLI helpers are the `crash_kit` fixture of tests/conftest.py.


def test_kill_9_of_the_whole_crawl_is_recovered_and_the_next_crawl_completes(crash_kit):
    kit = crash_kit
    reg, url, factory = kit.reg, kit.url, kit.factory
    N_ITEMS = kit.n_items
    kit.kill_crawl_midway()
    with factory() as s:
        assert [r.status for r in s.scalars(select(CrawlRun))] == ["running"]
        partial = s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None)))
    assert partial < N_ITEMS  # detail pages of the killed run: some, never all

    report = recover_interrupted(factory, registry_path=str(reg), held_lock=True)
    assert report.crawl_runs == [1]
    registry = load_registry_for(reg, load_catalog())
    second = crawl(factory, url, registry, str(reg))
    with factory() as s:
        assert [(r.id, r.status) for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))] == [
            (1, "interrupted"), (second, "complete")]
        assert s.scalar(select(func.count(Item.id))) == N_ITEMS
        assert s.scalar(select(func.count(func.distinct(Item.canonical_url)))) == N_ITEMS
        assert s.scalar(select(func.count(ItemListing.id))) == N_ITEMS
        assert s.scalar(select(func.count(Item.id)).where(Item.last_seen_run == second)) == N_ITEMS
        assert s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None))) == N_ITEMS


def test_kill_9_of_the_crawler_child_marks_the_run_failed(crash_kit):
    kit = crash_kit
    portal, reg, url, factory = kit.portal, kit.reg, kit.url, kit.factory
    proc = kit.start_cli_crawl()
    kit.wait_for(lambda: portal.served > kit.hold_after and kit.children(proc.pid), "a half-done crawl")
    for child in kit.children(proc.pid):
        os.kill(child, signal.SIGKILL)
    out, err = proc.communicate(timeout=kit.deadline)
    portal.gate.set()
    assert proc.returncode == 1
    assert "Traceback" not in err and "error: crawl run 1 failed" in err
    with factory() as s:
        assert [r.status for r in s.scalars(select(CrawlRun))] == ["failed"]
    assert not recover_interrupted(factory, registry_path=str(reg), held_lock=True)  # nothing left running
    second = crawl(factory, url, load_registry_for(reg, load_catalog()), str(reg))
    with factory() as s:
        assert s.get(CrawlRun, second).status == "complete"
        assert s.scalar(select(func.count(Item.id))) == kit.n_items


SCORER = r"""
import sys, time
from datetime import date
from pathlib import Path
import auditor.scoring.engine as engine
from auditor.catalog.loader import load_catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.scheme import load_scheme
from auditor.store.db import open_db

real = engine.CHECKS["timeliness"]
def parked(ctx):
    real(ctx)  # the work is done (matches flushed, checks computed) but nothing is committed yet
    Path(sys.argv[2]).write_text("parked")
    time.sleep(3600)
engine.CHECKS["timeliness"] = parked
factory = open_db(sys.argv[1])
with factory() as session:
    engine.run_audit(session, load_catalog(), load_scheme("default"), WorkingCalendar(), date(2026, 6, 30))
"""


def test_kill_9_during_scoring_leaves_no_half_written_run(crash_kit, tmp_path):
    kit = crash_kit
    portal, reg, url, factory = kit.portal, kit.reg, kit.url, kit.factory
    portal.gate.set()
    crawl(factory, url, load_registry_for(reg, load_catalog()), str(reg))
    flag = tmp_path / "parked"
    proc = subprocess.Popen([sys.executable, "-c", SCORER, url, str(flag)], cwd=tmp_path, env=kit.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        kit.wait_for(lambda: flag.exists() or proc.poll() is not None, "the scoring run to reach its checks")
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    with factory() as s:
        runs = list(s.scalars(select(AuditRun)))
        assert [r.status for r in runs] == ["running"]  # never shown as complete
        killed = runs[0].id
        for table in (Match, Finding, Score):
            assert s.scalar(select(func.count()).select_from(table).where(table.audit_run_id == killed)) == 0
    assert recover_interrupted(factory, audit_lock_held=True).audit_runs == [killed]
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import run_audit

    with factory() as s:
        new = run_audit(s, load_catalog(), load_scheme("default"), WorkingCalendar(), date(2026, 6, 30))
    with factory() as s:
        assert [(r.id, r.status) for r in s.scalars(select(AuditRun).order_by(AuditRun.id))] == [
            (killed, "interrupted"), (new, "complete")]
        assert s.scalar(select(func.count(Finding.id)).where(Finding.audit_run_id == new)) > 0
    # `auditor report` without --run picks the latest *complete* run, never the killed one
    proc = kit.cli("report", "--format", "json", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / f"audit-run-{new}.json").is_file()


def test_scoring_right_after_kill_9_of_a_crawl_refuses_unless_told(crash_kit):
    """The issue's trap: an audit right after a killed crawl must not report a clean district.

    `auditor score` refuses (exit 1, one line naming the run, its status and the flag); with
    --allow-incomplete-crawl every entry the unfinished run's columns should hold is unverified, nothing is
    "missing", and the unit is 未完整评估 — not a 100 优秀 audit."""
    kit = crash_kit
    kit.kill_crawl_midway()
    refused = kit.cli("score", "--as-of", "2026-06-30")
    with kit.factory() as s:
        crawl_status = s.get(CrawlRun, 1).status
        assert list(s.scalars(select(AuditRun))) == []  # nothing half-made
    assert crawl_status == "interrupted"  # the killed CLI's pid is gone: recovered by `score` itself
    assert refused.returncode == 1, refused.stdout
    assert "Traceback" not in refused.stderr
    error = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "crawl run 1 is interrupted" in error[0] and "--allow-incomplete-crawl" in error[0]

    allowed = kit.cli("score", "--as-of", "2026-06-30", "--allow-incomplete-crawl")
    assert allowed.returncode == 0, allowed.stderr
    with kit.factory() as s:
        run = s.scalar(select(AuditRun).where(AuditRun.status == "complete"))
        findings = list(s.scalars(select(Finding).where(Finding.audit_run_id == run.id)))
        overall = s.scalar(select(Score).where(Score.audit_run_id == run.id, Score.unit_id == "mzj",
                                               Score.dimension.is_(None), Score.domain.is_(None)))
    assert run.summary["incomplete_crawl_runs"] == [{"id": 1, "status": "interrupted"}]
    assert not [f for f in findings if f.rule == "missing"]
    unverified = [f for f in findings if f.check == "completeness" and f.status == "unverified"
                  and f.rule == "unverified"]
    assert unverified and all(f.evidence["incomplete_crawl_runs"][0]["id"] == 1 for f in unverified)
    assert overall.rank is None and overall.details["assessment"] == "unassessed"
    # graded on nothing it could not see: 未完整评估, or 不合格 by a veto on what it did see (the gated site's
    # home page shows no date: home_stale)
    assert overall.details["grade"] == ("不合格" if overall.details["veto"] else "未完整评估")
    assert "未完整评估" in allowed.stdout and "云溪区民政局" in allowed.stdout
    assert "warning: crawl run 1 is interrupted" in allowed.stderr
    report = kit.cli("report", "--format", "html", "--out", str(kit.cwd / "html"))
    assert report.returncode == 0, report.stderr
    index = (kit.cwd / "html" / "index.html").read_text(encoding="utf-8")
    assert "抓取批次 #1 未完成（interrupted）" in index and "未完整评估" in index
