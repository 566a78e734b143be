"""Scheduled operation: the schedule file, a fake clock, locks, run history, and one real pipeline job."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from auditor.errors import ConfigError
from auditor.ops.locks import LockBusy, acquire, locked
from auditor.ops.schedule import Stages, due_jobs, load_schedule, run_due, run_job
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models_ops import OpsLock, OpsRun

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "tests" / "badinput" / "registry" / "valid_for_crawl.yaml"
CST = timezone(timedelta(hours=8))


def _schedule(tmp: Path, jobs: list[dict], tz: str = "Asia/Shanghai") -> Path:
    (tmp / "registry.yaml").write_text(REGISTRY.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp / "schedule.yaml"
    path.write_text(yaml.safe_dump({"timezone": tz, "jobs": jobs}, allow_unicode=True), encoding="utf-8")
    return path


class FakeStages:
    """Records the calls; stands in for crawl/score/report/notify so the scheduler is tested alone."""

    def __init__(self, fail_crawl: bool = False) -> None:
        self.calls: list[tuple] = []
        self.fail_crawl = fail_crawl
        self.during_crawl = None  # callable run while 'crawling' (to test overlap)

    def stages(self) -> Stages:
        def crawl(factory, db_url, registry, units, settings):
            self.calls.append(("crawl", Path(registry).name, tuple(units or ())))
            if self.during_crawl:
                self.during_crawl()
            if self.fail_crawl:
                from auditor.errors import AuditorError

                raise AuditorError("crawl run 7 failed (exit -9)")
            return 41

        def score(factory, scheme, as_of):
            self.calls.append(("score", scheme, as_of))
            return 42

        def report(factory, audit_id, out, formats):
            self.calls.append(("report", audit_id, tuple(formats)))
            return []

        def notify(factory, **kw):
            self.calls.append(("notify", kw["audit_run_id"], kw["crawl_run_id"]))

        return Stages(crawl, score, report, notify)


@pytest.fixture
def db(tmp_path):
    url = resolve_db_url(str(tmp_path / "ops.db"))
    return open_db(url), url


def test_schedule_file_is_validated_with_line_and_key(tmp_path):
    path = _schedule(tmp_path, [{"id": "a", "registry": "registry.yaml", "cron": "61 2 * * *"}])
    with pytest.raises(ConfigError) as exc:
        load_schedule(path)
    assert "jobs.0.cron" in str(exc.value) and "invalid cron expression" in str(exc.value)
    path.write_text("timezone: Mars/Olympus\njobs:\n- {id: a, registry: registry.yaml, cron: '0 2 * * *', "
                    "colour: red}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_schedule(path)
    text = str(exc.value)
    assert "unknown time zone 'Mars/Olympus'" in text and "jobs.0.colour: Extra inputs are not permitted" in text
    path.write_text("jobs:\n- {id: a, registry: nowhere.yaml, cron: '0 2 * * *'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="registry file .*nowhere.yaml.* not found"):
        load_schedule(path)


def test_cli_rejects_a_bad_schedule_without_traceback(tmp_path):
    path = _schedule(tmp_path, [{"id": "a", "registry": "registry.yaml", "cron": "every night"}])
    proc = subprocess.run([sys.executable, "-m", "auditor.cli", "--db", str(tmp_path / "a.db"), "ops", "validate",
                           str(path)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "jobs.0.cron" in proc.stderr


def test_due_jobs_follow_cron_in_the_schedule_timezone(tmp_path):
    path = _schedule(tmp_path, [
        {"id": "nightly", "registry": "registry.yaml", "cron": "30 2 * * *"},
        {"id": "czj-weekdays", "registry": "registry.yaml", "units": ["mzj"], "cron": "0 9 * * 1-5"}])
    loaded = load_schedule(path)
    since = datetime(2026, 10, 2, 0, 0, tzinfo=CST)  # a Friday, Beijing time
    until = since + timedelta(days=3)
    fired = [(t.astimezone(CST).strftime("%a %d %H:%M"), j.id) for t, j in due_jobs(loaded, since, until)]
    assert fired == [("Fri 02 02:30", "nightly"), ("Fri 02 09:00", "czj-weekdays"), ("Sat 03 02:30", "nightly"),
                     ("Sun 04 02:30", "nightly")]


def test_fake_clock_runs_each_due_job_through_every_stage(tmp_path, db):
    factory, url = db
    path = _schedule(tmp_path, [{"id": "nightly", "registry": "registry.yaml", "cron": "30 2 * * *",
                                 "report": {"out": "out", "formats": ["html"]}},
                                {"id": "unit", "registry": "registry.yaml", "units": ["mzj"], "cron": "0 9 * * *",
                                 "notify": False, "report": None}])
    loaded, fake = load_schedule(path), FakeStages()
    clock = iter([datetime(2026, 10, 2, 2, 30, tzinfo=CST) + timedelta(minutes=i) for i in range(100)])
    ids = run_due(factory, url, loaded, datetime(2026, 10, 1, 23, 0, tzinfo=CST),
                  datetime(2026, 10, 2, 10, 0, tzinfo=CST), stages=fake.stages(), clock=lambda: next(clock))
    assert len(ids) == 2
    assert fake.calls == [("crawl", "registry.yaml", ()), ("score", "default", date(2026, 10, 2)),
                          ("report", 42, ("html",)), ("notify", 42, 41),
                          ("crawl", "registry.yaml", ("mzj",)), ("score", "default", date(2026, 10, 2))]
    with factory() as s:
        runs = list(s.scalars(select(OpsRun).order_by(OpsRun.id)))
        assert [(r.job_id, r.status, r.trigger, r.crawl_run_id, r.audit_run_id) for r in runs] == [
            ("nightly", "complete", "cron", 41, 42), ("unit", "complete", "cron", 41, 42)]
        assert set(runs[0].timings) == {"crawl", "score", "report", "notify"}
        assert runs[0].scheduled_for == datetime(2026, 10, 1, 18, 30)  # stored in UTC
        assert s.scalar(select(OpsLock)) is None  # every lock released


def test_runs_for_the_same_registry_never_overlap(tmp_path, db):
    factory, url = db
    path = _schedule(tmp_path, [{"id": "a", "registry": "registry.yaml", "cron": "0 2 * * *", "report": None},
                                {"id": "b", "registry": "registry.yaml", "cron": "0 2 * * *", "report": None}])
    loaded, outer, inner = load_schedule(path), FakeStages(), FakeStages()
    nested: list[int] = []
    # while job a is crawling, job b fires for the same registry: it must be skipped, not run
    outer.during_crawl = lambda: nested.append(run_job(factory, url, loaded, loaded.schedule.job("b"),
                                                       trigger="cron", stages=inner.stages()))
    first = run_job(factory, url, loaded, loaded.schedule.job("a"), stages=outer.stages())
    assert inner.calls == []
    with factory() as s:
        assert s.get(OpsRun, nested[0]).status == "skipped"
        assert "is locked by" in s.get(OpsRun, nested[0]).error
        assert s.get(OpsRun, first).status == "complete"
    # and once a has finished, b runs
    again = run_job(factory, url, loaded, loaded.schedule.job("b"), stages=inner.stages())
    with factory() as s:
        assert s.get(OpsRun, again).status == "complete"


def test_a_failed_crawl_is_recorded_and_still_notified(tmp_path, db):
    factory, url = db
    path = _schedule(tmp_path, [{"id": "a", "registry": "registry.yaml", "cron": "0 2 * * *", "report": None}])
    loaded, fake = load_schedule(path), FakeStages(fail_crawl=True)
    run_id = run_job(factory, url, loaded, loaded.schedule.job("a"), stages=fake.stages())
    with factory() as s:
        run = s.get(OpsRun, run_id)
        assert run.status == "failed" and "crawl run 7 failed" in run.error
    assert [c[0] for c in fake.calls] == ["crawl", "score", "notify"]


def test_lock_of_a_dead_process_is_taken_over_but_a_live_one_is_not(db):
    factory, _ = db
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # a pid that is certainly gone
    acquire(factory, "crawl:x", pid=proc.pid)
    lease = acquire(factory, "crawl:x")  # dead holder: taken over
    with pytest.raises(LockBusy, match="is locked by"):
        acquire(factory, "crawl:x")  # this process holds it now
    lease.release()
    with locked(factory, "crawl:x"):
        with factory() as s:
            assert s.get(OpsLock, "crawl:x").pid > 0
    with factory() as s:
        assert s.get(OpsLock, "crawl:x") is None


def test_expired_lease_is_taken_over(db):
    factory, _ = db
    t0 = datetime(2026, 1, 1, 0, 0)
    acquire(factory, "crawl:y", now=t0, ttl=timedelta(hours=1))
    with pytest.raises(LockBusy):
        acquire(factory, "crawl:y", now=t0 + timedelta(minutes=59))
    acquire(factory, "crawl:y", now=t0 + timedelta(hours=2))


def test_ops_runs_json_lists_the_history(tmp_path, db):
    factory, url = db
    path = _schedule(tmp_path, [{"id": "a", "registry": "registry.yaml", "cron": "0 2 * * *", "report": None}])
    loaded = load_schedule(path)
    run_job(factory, url, loaded, loaded.schedule.job("a"), stages=FakeStages().stages())
    proc = subprocess.run([sys.executable, "-m", "auditor.cli", "--db", url, "ops", "runs", "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["job"], r["status"], r["crawl_run"], r["audit_run"]) for r in rows] == [("a", "complete", 41, 42)]
    assert set(rows[0]["timings"]) == {"crawl", "score", "notify"}


def test_a_real_job_runs_the_whole_pipeline_on_a_small_site(tmp_path, db):
    """crawl → match → score → report through auditor.stages, on factories.crawl's small generated site."""
    from auditor.sample.server import SamplePortal
    from auditor.store.models import AuditRun, CrawlRun
    from factories.crawl import crawl_plan, crawl_registry

    factory, url = db
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        (tmp_path / "registry.yaml").write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True),
                                                encoding="utf-8")
        path = tmp_path / "schedule.yaml"
        path.write_text("jobs:\n- {id: t, registry: registry.yaml, cron: '0 2 * * *', notify: false,\n"
                        "   report: {out: out, formats: [html, json]}}\n", encoding="utf-8")
        loaded = load_schedule(path)
        run_id = run_job(factory, url, loaded, loaded.schedule.job("t"), as_of=date(2026, 6, 30))
    with factory() as s:
        run = s.get(OpsRun, run_id)
        assert run.status == "complete", run.error
        assert s.get(CrawlRun, run.crawl_run_id).status == "complete"
        assert s.get(AuditRun, run.audit_run_id).status == "complete"
    assert (tmp_path / "out" / f"audit-run-{run.audit_run_id}.json").is_file()
    assert (tmp_path / "out" / "index.html").is_file()
