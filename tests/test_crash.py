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
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.ops.recovery import recover_interrupted
from auditor.pipeline import crawl, load_registry_for
from auditor.sample.plan import DistrictPlan, PlanColumn, PlanSite
from auditor.sample.server import SamplePortal, _handler
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import AuditRun, CrawlRun, Finding, Item, ItemListing, Match, Score

ROOT = Path(__file__).resolve().parents[1]
N_ITEMS = 400
HOLD_AFTER = 350
DEADLINE = 300  # seconds; only a broken test waits this long


class GatedPortal(SamplePortal):
    """Answers the first `hold_after` requests, then holds every answer until `gate` is set."""

    def __init__(self, plan: DistrictPlan, hold_after: int) -> None:
        super().__init__(plan)
        self.gate = threading.Event()
        self.hold_after = hold_after
        self.served = 0
        self._count_lock = threading.Lock()

    def _serve(self, key, resolve):  # noqa: ANN001
        portal, base = self, _handler(key, resolve, self._log)

        class Gated(base):  # type: ignore[misc, valid-type]
            def _answer(self, method, form=None):  # noqa: ANN001
                with portal._count_lock:
                    portal.served += 1
                    n = portal.served
                if n > portal.hold_after:
                    portal.gate.wait()
                return super()._answer(method, form)

        from http.server import ThreadingHTTPServer

        server = ThreadingHTTPServer(("127.0.0.1", 0), Gated)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def stop(self) -> None:
        self.gate.set()
        super().stop()


def _plan() -> DistrictPlan:
    import sys as _sys

    _sys.path.insert(0, str(Path(__file__).parent))
    from test_crawl import _item

    items = [_item(i, uid=f"k-{i:04d}", title=f"关于第{i}批最低生活保障对象名单的公示", index_no=f"113301/2026-{i:05d}")
             for i in range(N_ITEMS)]
    return DistrictPlan(sites=[PlanSite(key="mz", name="云溪区民政局", style="static_paging", columns=[
        PlanColumn(key="shjz", name="社会救助", path=["首页", "社会救助"], kind="catalog", items=items)])], feeds=[])


def _registry(portal: SamplePortal) -> dict:
    url = portal.urls["mz"]
    return {"district": {"id": "t", "name": "测试区"},
            "sites": [{"id": "mz", "name": "民政局", "url": url + "/", "owner": "mzj"}],
            "units": [{"id": "mzj", "name": "云溪区民政局", "kind": "department", "level": "区级",
                       "domains": {"lead": ["社会救助"]}, "contact": {"email": "mzj@example.gov.cn"},
                       "channels": [{"type": "website", "site": "mz", "columns": [
                           {"name": "社会救助", "url": url + portal.sites["mz"].column_url("shjz"),
                            "domain": "社会救助"}]}]}]}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("AUDITOR_DB", None)
    return env


def _wait_for(condition, what: str) -> None:  # noqa: ANN001
    """Poll a condition; the deadline only turns a hang into a failure, it asserts nothing about speed."""
    end = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.fixture
def site(tmp_path):
    plan = _plan()
    portal = GatedPortal(plan, HOLD_AFTER)
    with portal:
        reg = tmp_path / "registry.yaml"
        reg.write_text(yaml.safe_dump(_registry(portal), allow_unicode=True), encoding="utf-8")
        url = resolve_db_url(str(tmp_path / "crash.db"))
        yield portal, reg, url, open_db(url)


def _start_cli_crawl(url: str, reg: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "auditor.cli", "--db", url, "crawl", "--registry", str(reg)],
                            cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _items_committed(factory) -> int:  # noqa: ANN001
    with factory() as s:
        return s.scalar(select(func.count(Item.id))) or 0


def test_kill_9_of_the_whole_crawl_is_recovered_and_the_next_crawl_completes(site, tmp_path):
    portal, reg, url, factory = site
    proc = _start_cli_crawl(url, reg, tmp_path)
    try:
        _wait_for(lambda: portal.served > HOLD_AFTER and _items_committed(factory) > 0, "a half-done crawl")
        os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its crawler child: nobody left to finish the run
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    _wait_for(lambda: not _children(proc.pid), "the crawler child to be gone")
    portal.gate.set()
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


def test_kill_9_of_the_crawler_child_marks_the_run_failed(site, tmp_path):
    portal, reg, url, factory = site
    proc = _start_cli_crawl(url, reg, tmp_path)
    _wait_for(lambda: portal.served > HOLD_AFTER and _children(proc.pid), "a half-done crawl")
    for child in _children(proc.pid):
        os.kill(child, signal.SIGKILL)
    out, err = proc.communicate(timeout=DEADLINE)
    portal.gate.set()
    assert proc.returncode == 1
    assert "Traceback" not in err and "error: crawl run 1 failed" in err
    with factory() as s:
        assert [r.status for r in s.scalars(select(CrawlRun))] == ["failed"]
    assert not recover_interrupted(factory, registry_path=str(reg), held_lock=True)  # nothing left running
    second = crawl(factory, url, load_registry_for(reg, load_catalog()), str(reg))
    with factory() as s:
        assert s.get(CrawlRun, second).status == "complete"
        assert s.scalar(select(func.count(Item.id))) == N_ITEMS


SCORER = r"""
import sys, time
from datetime import date
from pathlib import Path
import auditor.scoring.engine as engine
from auditor.catalog.loader import load_catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.scoring.rules import load_scheme
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


def test_kill_9_during_scoring_leaves_no_half_written_run(site, tmp_path):
    portal, reg, url, factory = site
    portal.gate.set()
    crawl(factory, url, load_registry_for(reg, load_catalog()), str(reg))
    flag = tmp_path / "parked"
    proc = subprocess.Popen([sys.executable, "-c", SCORER, url, str(flag)], cwd=tmp_path, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for(lambda: flag.exists() or proc.poll() is not None, "the scoring run to reach its checks")
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
    from auditor.scoring.engine import run_audit
    from auditor.scoring.rules import load_scheme

    with factory() as s:
        new = run_audit(s, load_catalog(), load_scheme("default"), WorkingCalendar(), date(2026, 6, 30))
    with factory() as s:
        assert [(r.id, r.status) for r in s.scalars(select(AuditRun).order_by(AuditRun.id))] == [
            (killed, "interrupted"), (new, "complete")]
        assert s.scalar(select(func.count(Finding.id)).where(Finding.audit_run_id == new)) > 0
    # `auditor report` without --run picks the latest *complete* run, never the killed one
    proc = subprocess.run([sys.executable, "-m", "auditor.cli", "--db", url, "report", "--format", "json",
                           "--out", str(tmp_path / "out")], cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / f"audit-run-{new}.json").is_file()
