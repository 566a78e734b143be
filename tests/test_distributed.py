"""Distributed mode: two crawler processes share one crawl run through a real redis-server."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.harvest.launch import run_crawl
from auditor.sample.server import SamplePortal
from auditor.stages import load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import ColumnHealth, CrawlRun, Item, ItemListing
from auditor.store.sync import sync_registry
from factories.crawl import crawl_plan, crawl_registry


def test_two_processes_fetch_every_page_once_and_store_every_item_once(tmp_path, redis_url):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
        url = resolve_db_url(str(tmp_path / "dist.db"))
        factory = open_db(url)
        with factory() as s:
            sync_registry(s, load_registry_for(path, load_catalog()))
            s.commit()
        run_id = run_crawl(factory, url, registry_path=str(path), workers=2,
                           settings={"AUDITOR_DISTRIBUTED": redis_url, "AUDITOR_COMMIT_EVERY": 5})
        site = portal.sites["mz"]
        probes = {"/", site.home_url}
        fetched = Counter((m, p) for key, m, p, _ in portal.requests_for("mz")
                          if p != "/robots.txt" and p not in probes)
        home = Counter(p for key, m, p, _ in portal.requests_for("mz") if p in probes)
    details = set(site.item_paths.values())
    assert {p for m, p in fetched if m == "GET"} >= details  # every detail page fetched …
    assert [k for k, n in fetched.items() if n > 1] == []  # … and every page (lists, details, files) once
    assert sum(home.values()) == 3  # one process probed the site (3 probes), not both
    with factory() as s:
        run = s.get(CrawlRun, run_id)
        assert run.status == "complete" and run.stats["workers"] == 2
        assert run.stats["scheduler/enqueued/redis"] >= 39  # details went through the shared queue
        assert s.scalar(select(func.count(Item.id))) == 40
        assert s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None))) == 39
        assert s.scalar(select(func.count(ItemListing.id))) == 40
        assert sorted(h.status for h in s.scalars(select(ColumnHealth))) == ["failed", "ok", "ok"]


def test_workers_need_distributed_mode(tmp_path):
    from auditor.errors import AuditorError

    factory = open_db(str(tmp_path / "x.db"))
    with pytest.raises(AuditorError, match="distributed"):
        run_crawl(factory, resolve_db_url(str(tmp_path / "x.db")), workers=2)
