"""Real Scrapy crawls over HTTP on a small generated site: upserts, health facts, failures as facts."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.sample.server import SamplePortal
from auditor.stages import crawl, load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Attachment, ColumnHealth, CrawlRun, Item, ItemListing, LinkCheck, SiteProbe
from factories.crawl import crawl_plan, crawl_registry


@pytest.mark.parametrize("style, encoding", [("static_paging", "utf-8"), ("ajax_xml", "utf-8"), ("col_art", "gbk")])
def test_crawl_stores_every_item_once_and_records_health(tmp_path, style, encoding):
    plan = crawl_plan(style, encoding)
    catalog = load_catalog()
    url = resolve_db_url(str(tmp_path / "c.db"))
    factory = open_db(url)
    with SamplePortal(plan) as portal:
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
        registry = load_registry_for(path, catalog)
        first = crawl(factory, url, registry, str(path))
        second = crawl(factory, url, registry, str(path))
    with factory() as s:
        assert s.scalar(select(func.count(Item.id))) == 40  # re-crawl updated, never duplicated
        assert s.scalar(select(func.count(ItemListing.id))) == 40
        titles = set(s.scalars(select(Item.title).where(Item.fetched_at.is_not(None))))
        assert "关于第7批最低生活保障对象名单的公示" in titles  # GBK decoded
        assert len(titles) == 39  # the dead item has only its list title
        item = s.scalar(select(Item).where(Item.title == "关于第7批最低生活保障对象名单的公示"))
        assert item.written_date == date(2026, 2, 26) and item.publish_date_source
        health = {(h.crawl_run_id, h.url.split("/")[-2] if h.url.endswith("/") else h.url): h
                  for h in s.scalars(select(ColumnHealth))}
        statuses = sorted((h.status, h.entries) for h in s.scalars(select(ColumnHealth).where(
            ColumnHealth.crawl_run_id == second)))
        assert statuses == [("failed", 0), ("ok", 0), ("ok", 40)]
        dead = {(c.kind, c.http_status) for c in s.scalars(select(LinkCheck).where(
            LinkCheck.crawl_run_id == first, LinkCheck.ok.is_(False)))}
        assert dead == {("detail", 404), ("attachment", 404)}
        assert s.scalar(select(func.count(Attachment.id))) == 2
        probes = {p.site_id: p.ok for p in s.scalars(select(SiteProbe).where(SiteProbe.crawl_run_id == first))}
        assert probes == {"mz": True, "down": False}
        assert [r.status for r in s.scalars(select(CrawlRun))] == ["complete", "complete"]
        assert health  # health rows exist for both runs


def test_extraction_in_worker_processes_stores_the_same_facts(tmp_path):
    plan = crawl_plan("col_art", "gbk")
    catalog = load_catalog()
    facts = []
    with SamplePortal(plan) as portal:
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
        registry = load_registry_for(path, catalog)
        for workers in (0, 1):
            url = resolve_db_url(str(tmp_path / f"w{workers}.db"))
            factory = open_db(url)
            crawl(factory, url, registry, str(path), settings={"AUDITOR_EXTRACT_WORKERS": workers})
            with factory() as s:
                facts.append(sorted((i.canonical_url, i.title, i.publish_date, i.written_date, i.index_no,
                                     i.body_hash, len(i.attachments)) for i in s.scalars(select(Item))))
    assert len(facts[0]) == 40 and sum(1 for f in facts[0] if f[1]) == 39
    assert facts[0] == facts[1]
