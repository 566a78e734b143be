"""A stopped crawl run resumes without losing or duplicating items, and without re-fetching what it stored."""

from __future__ import annotations

import signal
import time

import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.harvest.launch import _spawn, resume_crawl, run_crawl
from auditor.sample.server import SamplePortal
from auditor.stages import load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Attachment, ColumnHealth, CrawlRun, Item, ItemListing, LinkCheck, SiteProbe
from auditor.store.models_harvest import PageFetch
from auditor.store.sync import sync_registry
from factories.crawl import crawl_plan, crawl_registry

SLOW = {"DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "AUTOTHROTTLE_ENABLED": False,
        "AUDITOR_COMMIT_EVERY": 3}


def _setup(tmp_path, portal, plan):
    url = resolve_db_url(str(tmp_path / "resume.db"))
    factory = open_db(url)
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
    registry = load_registry_for(path, load_catalog())
    with factory() as s:
        sync_registry(s, registry)
        s.commit()
    return factory, url, str(path)


def _stored_details(factory, run_id):
    with factory() as s:
        return set(s.scalars(select(PageFetch.url).where(PageFetch.crawl_run_id == run_id,
                                                         PageFetch.kind == "detail", PageFetch.http_status == 200)))


def _check_complete(factory, run_id, portal, stored_before, sessions=1):
    site = portal.sites["mz"]
    live = {p for (col, uid), p in site.item_paths.items() if uid != "t-003"}
    base = portal.urls["mz"]
    refetched = {p for key, m, p, status in portal.requests_for("mz") if m == "GET" and p in live and status == 200}
    assert not refetched & {u[len(base):] for u in stored_before}  # stored pages are not fetched again
    with factory() as s:
        assert s.scalar(select(func.count(Item.id))) == 40  # nothing duplicated …
        assert s.scalar(select(func.count(ItemListing.id))) == 40
        assert s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None))) == 39  # … nothing lost
        assert set(s.scalars(select(Item.last_seen_run))) == {run_id}
        assert sorted(h.status for h in s.scalars(select(ColumnHealth).where(
            ColumnHealth.crawl_run_id == run_id))) == ["failed", "ok", "ok"]  # health once per column
        run = s.get(CrawlRun, run_id)
        assert run.status == "complete" and run.stats["sessions"] == sessions
        # the same link checks and probes as an uninterrupted run: each attachment checked once, each site
        # probed exactly AUDITOR_PROBES times
        checked = list(s.scalars(select(LinkCheck.url).where(LinkCheck.crawl_run_id == run_id,
                                                             LinkCheck.kind == "attachment")))
        stored = set(s.scalars(select(Attachment.url)))
        assert sorted(checked) == sorted(stored) and stored
        probes = list(s.scalars(select(SiteProbe.site_id).where(SiteProbe.crawl_run_id == run_id)))
        assert sorted(probes) == sorted(["down", "mz"] * 3)


def test_crawl_stopped_midway_resumes(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        factory, url, path = _setup(tmp_path, portal, plan)
        run_id = run_crawl(factory, url, registry_path=path, settings={**SLOW, "CLOSESPIDER_ITEMCOUNT": 70})
        with factory() as s:
            assert s.get(CrawlRun, run_id).status == "interrupted"
        stored = _stored_details(factory, run_id)
        assert 0 < len(stored) < 39, len(stored)  # really stopped midway
        portal.clear_log()
        assert resume_crawl(factory, url, run_id, settings={"AUDITOR_COMMIT_EVERY": 3}) == run_id
        _check_complete(factory, run_id, portal, stored, sessions=2)


def test_crawl_killed_midway_resumes(tmp_path):
    plan = crawl_plan("col_art", "gbk")
    with SamplePortal(plan) as portal:
        factory, url, path = _setup(tmp_path, portal, plan)
        from auditor.harvest.launch import crawl_settings
        from auditor.vocabulary import utcnow

        with factory() as s:
            run = CrawlRun(started_at=utcnow(), status="running", registry_path=path, stats={})
            s.add(run)
            s.commit()
            run_id = run.id
        child = _spawn(url, run_id, "audit", None, crawl_settings(path, SLOW)).proc
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None and len(_stored_details(factory, run_id)) < 6:
            time.sleep(0.05)
        assert child.poll() is None, "the crawl ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait()
        stored = _stored_details(factory, run_id)
        assert 0 < len(stored) < 39
        portal.clear_log()
        resume_crawl(factory, url, run_id)
        _check_complete(factory, run_id, portal, stored)
