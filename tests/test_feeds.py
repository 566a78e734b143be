"""政务新媒体 feeds: RSS 2.0, Atom, JSON Feed and our JSON export, parsed and crawled (incrementally)."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.harvest.adapters.feed import feed_date, parse_feed
from auditor.sample.plan import DistrictPlan, PlanFeed
from auditor.sample.render.common import EPOCH, Page
from auditor.sample.server import SamplePortal
from auditor.stages import crawl, load_registry_for
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Channel, ColumnHealth, Item, ItemListing
from factories.crawl import crawl_item

BASE = "http://wx.example.gov.cn/feeds/a.xml"

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>云溪民政</title>
<item><title>关于2026年第一批临时救助名单的公示</title><link>/posts/1.html</link>
<pubDate>Tue, 03 Mar 2026 09:30:00 +0800</pubDate></item>
<item><title>社会救助政策问答</title><guid isPermaLink="true">http://wx.example.gov.cn/posts/2.html</guid></item>
<item><title></title><link>/posts/no-title.html</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>云溪发布</title>
<entry><title>云溪区召开2026年政务公开工作会议</title>
<link rel="self" href="http://wx.example.gov.cn/api/3"/><link rel="alternate" href="posts/3.html"/>
<published>2026-03-05T10:00:00+08:00</published><updated>2026-03-06T10:00:00+08:00</updated></entry>
<entry><title>春节期间便民服务安排</title><link href="http://wx.example.gov.cn/posts/4.html"/>
<updated>2026-02-10T08:00:00+08:00</updated></entry>
</feed>"""

JSON_FEED = """{"version": "https://jsonfeed.org/version/1.1", "title": "云溪财政",
 "items": [{"id": "5", "url": "https://wx.example.gov.cn/posts/5.html", "title": "2026年区级部门预算公开",
            "date_published": "2026-02-28T09:00:00+08:00"},
           {"id": "6", "external_url": "/posts/6.html", "title": "2025年决算公开"}]}"""

EXPORT = """{"account": "云溪区民政局", "items": [
 {"title": "最低生活保障标准调整的通知", "url": "/posts/7.html", "pub_date": "2026-03-01 10:20", "summary": "…"}]}"""


@pytest.mark.parametrize("text, expected", [
    (RSS, [("http://wx.example.gov.cn/posts/1.html", "关于2026年第一批临时救助名单的公示", date(2026, 3, 3)),
           ("http://wx.example.gov.cn/posts/2.html", "社会救助政策问答", None)]),
    (ATOM, [("http://wx.example.gov.cn/feeds/posts/3.html", "云溪区召开2026年政务公开工作会议", date(2026, 3, 5)),
            ("http://wx.example.gov.cn/posts/4.html", "春节期间便民服务安排", date(2026, 2, 10))]),
    (JSON_FEED, [("https://wx.example.gov.cn/posts/5.html", "2026年区级部门预算公开", date(2026, 2, 28)),
                 ("http://wx.example.gov.cn/posts/6.html", "2025年决算公开", None)]),
    (EXPORT, [("http://wx.example.gov.cn/posts/7.html", "最低生活保障标准调整的通知", date(2026, 3, 1))]),
    ("callback(" + EXPORT + ");", [("http://wx.example.gov.cn/posts/7.html", "最低生活保障标准调整的通知",
                                    date(2026, 3, 1))]),
], ids=["rss", "atom", "jsonfeed", "export", "jsonp"])
def test_feed_formats(text, expected):
    got = [(e.url, e.title, feed_date(e.date_text)) for e in parse_feed(BASE, text)]
    assert got == expected


@pytest.mark.parametrize("text", ["", "not a feed", "<rss><channel><item>", "{\"items\": 5}", "<html></html>"])
def test_unreadable_feeds_give_no_entries(text):
    assert parse_feed(BASE, text) == []


@pytest.mark.parametrize("text, expected", [
    ("Tue, 03 Mar 2026 09:30:00 +0800", date(2026, 3, 3)),
    ("Mon, 02 Mar 2026 18:30:00 GMT", date(2026, 3, 3)),  # 02:30 on the 3rd in Beijing
    ("2026-03-05 10:00", date(2026, 3, 5)),
    ("yesterday", None), (None, None), ("", None),
])
def test_feed_dates(text, expected):
    assert feed_date(text) == expected


def test_feed_spider_crawls_rss_json_and_atom_incrementally(tmp_path):
    items = [crawl_item(i) for i in range(6)]
    plan = DistrictPlan(sites=[], feeds=[PlanFeed(key="mz", name="云溪民政 微信公众号", format="rss", items=items[:3]),
                                         PlanFeed(key="cz", name="云溪财政 微信公众号", format="json", items=items[3:])])
    with SamplePortal(plan) as portal:
        portal.feeds.pages["/feeds/atom.xml"] = Page(200, "application/atom+xml; charset=utf-8",
                                                     ATOM.encode("utf-8"), EPOCH)
        feeds = [("mz", portal.feed_url("mz"), "rss"), ("cz", portal.feed_url("cz"), "json"),
                 ("fb", portal.urls["feeds"] + "/feeds/atom.xml", "rss")]
        registry = {"district": {"id": "t", "name": "测试区"}, "sites": [], "units": [
            {"id": "mzj", "name": "云溪区民政局", "kind": "department", "level": "区级",
             "domains": {"lead": ["社会救助"]},
             "channels": [{"type": "new_media", "name": f"{key} 公众号", "url": url, "format": fmt}
                          for key, url, fmt in feeds]}]}
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        url = resolve_db_url(str(tmp_path / "feeds.db"))
        factory = open_db(url)
        reg = load_registry_for(path, load_catalog())
        first = crawl(factory, url, reg, str(path), settings={"ROBOTSTXT_OBEY": False})
        portal.clear_log()
        second = crawl(factory, url, reg, str(path), settings={"ROBOTSTXT_OBEY": False})
        again = [(p, st) for key, m, p, st in portal.request_log if p.startswith("/feeds/") and "." in p]
    assert sorted(st for _, st in again) == [304, 304, 304]  # unchanged feeds answered 304 …
    with factory() as s:
        assert s.scalar(select(func.count(Item.id))) == 8  # … and still read (from their snapshots)
        assert s.scalar(select(func.count(ItemListing.id))) == 8
        assert {i.last_seen_run for i in s.scalars(select(Item))} == {second}
        health = {h.url: (h.status, h.entries) for h in s.scalars(select(ColumnHealth).where(
            ColumnHealth.crawl_run_id == second))}
        assert sorted(health.values()) == [("ok", 2), ("ok", 3), ("ok", 3)]
        atom = s.scalar(select(Item).where(Item.title == "云溪区召开2026年政务公开工作会议"))
        assert atom.publish_date == date(2026, 3, 5) and atom.publish_date_source == "feed"
        codes = set(s.scalars(select(Channel.code)))
        assert codes == {"NEWMEDIA"}
    assert first < second
