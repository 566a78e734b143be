"""Incremental re-crawls over HTTP, checked against the sample portal's request log."""

from __future__ import annotations

import dataclasses
import zlib

import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.sample.server import SamplePortal
from auditor.stages import crawl, load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import ColumnHealth, CrawlRun, Item, ItemListing, LinkCheck
from auditor.store.models_harvest import PageFetch
from factories.crawl import crawl_item, crawl_plan, crawl_registry


def _setup(tmp_path, portal, plan):
    url = resolve_db_url(str(tmp_path / "inc.db"))
    factory = open_db(url)
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(crawl_registry(portal, plan), allow_unicode=True), encoding="utf-8")
    return factory, url, load_registry_for(path, load_catalog()), str(path)


def _night_without_revalidation(factory, days: int) -> int:
    """A rotation day (AUDITOR_DAY) whose share of a `days`-night rotation holds none of the stored pages."""
    with factory() as s:
        taken = {zlib.crc32(u.encode("utf-8")) % days for u in s.scalars(select(Item.canonical_url))}
    return next(d for d in range(days, 2 * days) if d % days not in taken)


def _gets(portal, paths):
    return [(p, status) for key, method, p, status in portal.requests_for("mz") if method == "GET" and p in paths]


def test_unchanged_recrawl_asks_conditionally_and_keeps_items(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        factory, url, registry, path = _setup(tmp_path, portal, plan)
        first = crawl(factory, url, registry, path)
        site = portal.sites["mz"]
        details = set(site.item_paths.values())
        dead = site.item_paths[("shjz", "t-003")]
        lists = set(site.column_pages["shjz"])
        assert {s for _, s in _gets(portal, details - {dead})} == {200}
        portal.clear_log()
        full = {"AUDITOR_LIST_DRIVEN": False}  # every known page revalidated (list-driven mode: tests below)
        second = crawl(factory, url, registry, path, settings=full)
        detail_gets = _gets(portal, details - {dead})
        list_gets = _gets(portal, lists)
    # every live detail page asked for once, conditionally, and answered 304; nothing re-downloaded
    assert sorted(p for p, _ in detail_gets) == sorted(details - {dead})
    assert {s for _, s in detail_gets} == {304}
    assert len(list_gets) == len(lists) and {s for _, s in list_gets} == {304}
    with factory() as s:
        assert s.scalar(select(func.count(Item.id))) == 40
        assert s.scalar(select(func.count(ItemListing.id))) == 40
        assert set(s.scalars(select(Item.last_seen_run))) == {second}  # 304 items are seen in this run
        titles = set(s.scalars(select(Item.title).where(Item.fetched_at.is_not(None))))
        assert len(titles) == 39  # stored details kept
        health = sorted((h.status, h.entries) for h in s.scalars(
            select(ColumnHealth).where(ColumnHealth.crawl_run_id == second)))
        assert health == [("failed", 0), ("ok", 0), ("ok", 40)]  # 304 list pages read from their snapshots
        dead_links = {(c.kind, c.http_status) for c in s.scalars(select(LinkCheck).where(
            LinkCheck.crawl_run_id == second, LinkCheck.ok.is_(False)))}
        assert dead_links == {("detail", 404), ("attachment", 404)}  # health facts are per run, 304 or not
        not_modified = s.scalar(select(func.count(PageFetch.id)).where(
            PageFetch.crawl_run_id == second, PageFetch.kind == "detail", PageFetch.not_modified.is_(True),
            PageFetch.snapshot_id.is_not(None)))
        assert not_modified == 39  # each 304 points at the snapshot it confirmed
        run = s.get(CrawlRun, second)
        assert run.status == "complete" and run.stats.get("incremental/detail_not_modified") == 39
        assert first != second


def test_new_and_changed_items_are_fetched_without_duplicates(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        factory, url, registry, path = _setup(tmp_path, portal, plan)
        crawl(factory, url, registry, path)
        column = plan.site("mz").columns[0]
        column.items[10] = dataclasses.replace(column.items[10], title="关于第10批最低生活保障对象名单的更正公示")
        column.items.insert(0, crawl_item(77, title="关于新增临时救助对象的公示"))
        portal.replace_site(plan.site("mz"))
        portal.clear_log()
        second = crawl(factory, url, registry, path)
        site = portal.sites["mz"]
        new_path = site.item_paths[("shjz", "t-077")]
        changed_path = site.item_paths[("shjz", column.items[11].uid)]
        unchanged = set(site.item_paths.values()) - {new_path, changed_path, site.item_paths[("shjz", "t-003")]}
        log = _gets(portal, set(site.item_paths.values()))
    assert (new_path, 200) in log and (changed_path, 200) in log
    assert {s for p, s in log if p in unchanged} <= {304}  # list-driven: only tonight's revalidation share
    assert len(log) == len(set(p for p, _ in log))  # each detail asked for once
    with factory() as s:
        assert s.scalar(select(func.count(Item.id))) == 41
        assert s.scalar(select(func.count(ItemListing.id))) == 41
        titles = set(s.scalars(select(Item.title)))
        assert "关于新增临时救助对象的公示" in titles
        assert "关于第10批最低生活保障对象名单的更正公示" in titles
        assert "关于第10批最低生活保障对象名单的公示" not in titles
        assert set(s.scalars(select(Item.last_seen_run))) == {second}


def test_list_driven_recrawl_stops_at_known_pages_and_stays_complete(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        factory, url, registry, path = _setup(tmp_path, portal, plan)
        first = crawl(factory, url, registry, path)
        site = portal.sites["mz"]
        details = set(site.item_paths.values())
        lists = site.column_pages["shjz"]
        portal.clear_log()
        # a night of a 1000-night rotation on which no known page falls in the revalidation share (the
        # share is by URL hash, and the portal's port changes from run to run)
        quiet = _night_without_revalidation(factory, 1000)
        second = crawl(factory, url, registry, path, settings={"AUDITOR_REVALIDATE_DAYS": 1000, "AUDITOR_DAY": quiet})
        list_gets = _gets(portal, set(lists))
        detail_gets = _gets(portal, details)
    assert len(lists) > 1 and [p for p, _ in list_gets] == [lists[0]]  # page 1 only: all of it known
    dead = site.item_paths[("shjz", "t-003")]
    assert [p for p, _ in detail_gets] == [dead]  # the link that failed last night is checked again
    with factory() as s:
        health = s.scalars(select(ColumnHealth).where(ColumnHealth.crawl_run_id == second,
                                                      ColumnHealth.entries == 40)).one()
        assert health.coverage == "complete"
        assert health.coverage_reason == f"增量：第2页起均为已知条目（上次完整读取于 run {first}）"
        # listings not re-read tonight are carried into this run: still listed, facts as last fetched
        assert set(s.scalars(select(ItemListing.last_seen_run))) == {second}
        assert s.scalar(select(func.count(Item.id)).where(Item.fetched_at.is_not(None))) == 39
        dead_links = {(c.kind, c.http_status) for c in s.scalars(select(LinkCheck).where(
            LinkCheck.crawl_run_id == second, LinkCheck.ok.is_(False)))}
        assert dead_links == {("detail", 404), ("attachment", 404)}


def test_revalidation_rotation_covers_every_known_page_within_its_period(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        factory, url, registry, path = _setup(tmp_path, portal, plan)
        crawl(factory, url, registry, path)
        site = portal.sites["mz"]
        details = set(site.item_paths.values())
        asked: list[str] = []
        for day in (3, 4, 5):  # a 3-night rotation, three nights
            portal.clear_log()
            crawl(factory, url, registry, path, settings={"AUDITOR_REVALIDATE_DAYS": 3, "AUDITOR_DAY": day})
            asked += [p for p, _ in _gets(portal, details)]
    dead = site.item_paths[("shjz", "t-003")]
    assert set(asked) == details  # every known page revalidated once in 3 nights (the dead one each night)
    assert len([p for p in asked if p != dead]) == len(details) - 1


def test_budget_spent_leaves_columns_partial_and_details_unjudged(tmp_path):
    plan = crawl_plan("static_paging", "utf-8")
    with SamplePortal(plan) as portal:
        factory, url, registry, path = _setup(tmp_path, portal, plan)
        run = crawl(factory, url, registry, path, settings={"AUDITOR_SITE_BUDGET": 6})
    with factory() as s:
        health = {h.url: h for h in s.scalars(select(ColumnHealth).where(ColumnHealth.crawl_run_id == run))}
        column = health[portal.urls["mz"] + portal.sites["mz"].column_url("shjz")]
        assert column.coverage == "partial" and "预算用尽" in column.coverage_reason
        carried = s.scalar(select(func.count(Item.id)).where(Item.detail_state == "budget"))
        assert carried > 0  # listed, not fetched tonight: carried to the next night, never a dead link
        dead = {c.url for c in s.scalars(select(LinkCheck).where(LinkCheck.ok.is_(False)))}
        assert not any(u in dead for u in s.scalars(select(Item.canonical_url).where(Item.detail_state == "budget")))
        stats = s.get(CrawlRun, run).stats
        assert stats.get("budget/exhausted/mz", 0) > 0
