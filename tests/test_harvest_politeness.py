"""Politeness and access control: robots.txt (and its per-site override), 403/429/WAF as "blocked",
retries with backoff, and a site slower than DOWNLOAD_TIMEOUT recorded with its elapsed time."""

from __future__ import annotations

import time

import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.harvest.middlewares import backoff_delay
from auditor.sample.render.common import EPOCH, Page
from auditor.sample.server import SamplePortal
from auditor.stages import crawl, load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import ColumnHealth, CrawlRun, Item, LinkCheck, SiteProbe
from auditor.store.models_harvest import PageFetch, SiteHealth
from factories.crawl import crawl_plan, crawl_registry

WAF = ("<html><head><title>访问被拦截</title></head><body><h1>网站防火墙</h1>"
       "<p>您的访问请求可能对网站造成安全威胁，已被安全狗拦截。请开启JavaScript后重试。</p></body></html>")
FAST = {"RETRY_BACKOFF_BASE": 0.01, "AUDITOR_PROBES": 2}


class Overlay:
    """A rendered sample site with some paths answered differently (robots, blocks, slowness)."""

    def __init__(self, site, overrides, delay_paths=(), delay=0.0):
        self._site = site
        self.overrides = overrides
        self.delay_paths = set(delay_paths)
        self.delay = delay

    def __getattr__(self, name):
        return getattr(self._site, name)

    def resolve(self, target, method="GET", form=None):
        path = target.split("?", 1)[0]
        if path in self.delay_paths:
            time.sleep(self.delay)
        page = self.overrides.get(path)
        return page if page is not None else self._site.resolve(target, method, form)


def _html(status, text):
    return Page(status, "text/html; charset=utf-8", text.encode("utf-8"), EPOCH)


def _run(tmp_path, portal, plan, name, settings, edit=None):
    data = crawl_registry(portal, plan)
    if edit:
        edit(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    url = resolve_db_url(str(tmp_path / f"{name}.db"))
    factory = open_db(url)
    run_id = crawl(factory, url, load_registry_for(path, load_catalog()), str(path), settings=settings)
    return factory, run_id


def test_robots_obeyed_by_default_and_overridable_per_site(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        site = portal.sites["mz"]
        portal.sites["mz"] = Overlay(site, {"/robots.txt": Page(200, "text/plain", b"User-agent: *\nDisallow: /xxgk/\n",
                                                                EPOCH)})
        details = set(site.item_paths.values())
        factory, run_id = _run(tmp_path, portal, plan, "obey", FAST)
        fetched = {p for _, m, p, _ in portal.requests_for("mz") if p in details}
        with factory() as s:
            shjz = s.scalar(select(ColumnHealth).where(ColumnHealth.url == portal.urls["mz"] + site.column_url("shjz")))
            assert shjz.status == "blocked" and "robots" in shjz.error
            assert s.scalar(select(func.count(Item.id))) == 0  # nothing listed: not "missing", blocked
        assert fetched == set()

        def ignore(data):
            data["sites"][0]["robots"] = "ignore"
            data["sites"][0]["robots_reason"] = "区政府办公室书面授权第三方评估（2026-03）"

        portal.clear_log()
        factory, run_id = _run(tmp_path, portal, plan, "ignore", FAST, edit=ignore)
        fetched = {p for _, m, p, _ in portal.requests_for("mz") if p in details}
        with factory() as s:
            assert s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None))) == 39
            run = s.get(CrawlRun, run_id)
            assert run.stats["robots_ignored/mz"] == "区政府办公室书面授权第三方评估（2026-03）"
            sh = s.scalar(select(SiteHealth).where(SiteHealth.crawl_run_id == run_id, SiteHealth.site_id == "mz"))
            assert sh.robots == "ignore" and sh.robots_reason.startswith("区政府办公室")
        assert fetched == details


def test_403_429_and_waf_pages_are_blocked_never_content(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        site = portal.sites["mz"]
        paths = [site.item_paths[("shjz", f"t-{i:03d}")] for i in (10, 11, 12)]
        overrides = {paths[0]: _html(403, "<html><body>403 Forbidden</body></html>"),
                     paths[1]: _html(429, "<html><body>Too Many Requests</body></html>"),
                     paths[2]: _html(200, WAF),
                     site.column_url("kong"): _html(403, "<html><body>403 Forbidden</body></html>"),
                     "/": _html(200, WAF), "/index.html": _html(200, WAF)}
        portal.sites["mz"] = Overlay(site, overrides)
        factory, run_id = _run(tmp_path, portal, plan, "blocked", {**FAST, "RETRY_TIMES": 2})
        tries_429 = [st for _, m, p, st in portal.requests_for("mz") if p == paths[1]]
    assert tries_429 == [429, 429, 429]  # retried (with backoff), then given up
    base = portal.urls["mz"]
    with factory() as s:
        by_url = {i.canonical_url: i for i in s.scalars(select(Item))}
        for p in paths:  # listed, so not missing; but no WAF text or error page taken as its content
            item = by_url[base + p]
            assert item.fetched_at is None and item.title == "" and item.list_title
        checks = {c.url: c for c in s.scalars(select(LinkCheck).where(LinkCheck.kind == "detail"))}
        assert {checks[base + p].error.split(":")[0] for p in paths} == {"blocked"}
        assert [checks[base + p].http_status for p in paths] == [403, 429, 200]
        statuses = {h.url: h.status for h in s.scalars(select(ColumnHealth))}
        assert statuses[base + site.column_url("kong")] == "blocked"
        assert statuses[base + site.column_url("shjz")] == "ok"
        probes = list(s.scalars(select(SiteProbe).where(SiteProbe.site_id == "mz")))
        assert len(probes) == 2 and all(p.error.startswith("blocked") for p in probes)
        sh = s.scalar(select(SiteHealth).where(SiteHealth.site_id == "mz"))
        assert sh.status == "blocked" and sh.blocked >= 4
        assert s.scalar(select(func.count(PageFetch.id)).where(PageFetch.outcome == "blocked")) >= 4
        run = s.get(CrawlRun, run_id)
        assert run.stats.get("retry/count", 0) >= 2 and run.stats.get("retry/backoff_seconds", 0) > 0


def test_slow_site_is_recorded_with_its_elapsed_time(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        site = portal.sites["mz"]
        portal.sites["mz"] = Overlay(site, {}, delay_paths={"/", "/index.html"}, delay=2.5)
        factory, run_id = _run(tmp_path, portal, plan, "slow", {**FAST, "DOWNLOAD_TIMEOUT": 1, "AUDITOR_PROBES": 3})
    with factory() as s:
        probes = list(s.scalars(select(SiteProbe).where(SiteProbe.site_id == "mz")))
        assert len(probes) == 3  # several probes per site and run, each recorded
        for p in probes:
            assert not p.ok and "Timeout" in p.error
            assert p.elapsed_ms is not None and p.elapsed_ms >= 1000  # at least DOWNLOAD_TIMEOUT
        sh = s.scalar(select(SiteHealth).where(SiteHealth.site_id == "mz", SiteHealth.crawl_run_id == run_id))
        assert sh.status == "unreachable" and sh.probes == 3 and sh.probes_slow == 3
        assert len(sh.details["probe_ms"]) == 3 and sh.max_elapsed_ms >= 1000
        # the rest of the site answered: its content is harvested
        assert s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None))) == 39


def test_backoff_delays_grow_and_honour_retry_after():
    assert [backoff_delay(n, 0.5, 30) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delay(10, 0.5, 30) == 30
    assert backoff_delay(1, 0.5, 30, retry_after="7") == 7.0
    assert backoff_delay(1, 0.5, 30, retry_after="Wed, 21 Oct 2015 07:28:00 GMT") == 0.5
