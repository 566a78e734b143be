"""The store pipeline writes in batches (issue 17, throughput): rows created in a batch are inserted at
the commit, updates of committed rows are queued and run in order. These tests pin the decisions the
database now takes on stored rows (listing title kept, detail state only for unfetched items), and the
log formatter that keeps per-item DEBUG records out of non-debug crawls."""

from __future__ import annotations

import pickle
from datetime import date

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from auditor.harvest.extract.model import Attachment, Field
from auditor.harvest.items import DetailItem, ListingItem, NotModifiedItem
from auditor.harvest.logformat import QuietLogFormatter
from auditor.harvest.pipelines import StorePipeline
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Attachment as StoredAttachment
from auditor.store.models import Item

URL = "http://www.yunxi.gov.cn/xxgk/shjz/202606/t20260630_1.html"  # generated sample portal layout


def _detail(url: str = URL, attachments: list | None = None) -> DetailItem:
    return DetailItem(url=url, final_url=url, site_id="mz", http_status=200,
                      title=Field("关于临时救助对象的公示", "page_text", "关于临时救助对象的公示"),
                      publish_date=Field(date(2026, 6, 30), "label", "发布日期：2026-06-30"),
                      attachments=attachments or [], body_hash="h", body_excerpt="公示如下。")


def _listing(title: str, state: str | None = None, url: str = URL) -> ListingItem:
    return ListingItem(url=url, channel_ids=[], site_id="mz", list_title=title, list_date_text="2026-06-30",
                       list_date=date(2026, 6, 30), detail_state=state)


def _pipeline(tmp_path, run_id: int) -> StorePipeline:
    pipeline = StorePipeline(resolve_db_url(str(tmp_path / "p.db")), run_id, commit_every=1000)
    pipeline.open_spider()
    return pipeline


def _stored(tmp_path) -> Item:
    with open_db(resolve_db_url(str(tmp_path / "p.db")))() as s:
        return s.scalar(select(Item).where(Item.canonical_url == URL))


@pytest.mark.parametrize("committed_first", [False, True], ids=["same batch", "committed earlier"])
def test_batched_writes_decide_like_item_by_item(tmp_path, committed_first):
    open_db(resolve_db_url(str(tmp_path / "p.db")))  # migrated store
    first = _pipeline(tmp_path, 1)
    first.process_item(_listing("列表标题"))
    if committed_first:
        first.close_spider()
        second = _pipeline(tmp_path, 2)
    else:
        second = first
    second.process_item(_detail(attachments=[Attachment("附件1", URL + ".pdf", "pdf")] * 2))
    second.process_item(_listing("另一个栏目的标题", state="budget"))  # fetched already: no detail state
    second.process_item(NotModifiedItem(url=URL, site_id="mz"))
    second.close_spider()
    item = _stored(tmp_path)
    assert (item.list_title, item.detail_state, item.title) == ("列表标题", None, "关于临时救助对象的公示")
    assert item.last_seen_run == (2 if committed_first else 1) and item.first_seen_run == 1
    with open_db(resolve_db_url(str(tmp_path / "p.db")))() as s:
        assert list(s.scalars(select(StoredAttachment.url))) == [URL + ".pdf"]


@pytest.mark.parametrize("committed_first", [False, True], ids=["same batch", "committed earlier"])
def test_unfetched_item_takes_the_listing_detail_state(tmp_path, committed_first):
    open_db(resolve_db_url(str(tmp_path / "p.db")))
    first = _pipeline(tmp_path, 1)
    first.process_item(_listing(""))
    if committed_first:
        first.close_spider()
        first = _pipeline(tmp_path, 2)
    first.process_item(_listing("站外条目", state="offsite"))
    first.close_spider()
    item = _stored(tmp_path)
    assert (item.list_title, item.detail_state, item.fetched_at) == ("站外条目", "offsite", None)


@pytest.mark.parametrize("level, logged", [("WARNING", False), ("INFO", False), ("DEBUG", True), (10, True)])
def test_scraped_items_are_logged_only_at_debug(level, logged):
    formatter = QuietLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": level}))
    assert (formatter.scraped(_listing("标题"), None, None) is not None) is logged


# Issue 18: items carry the extractor's typed values to the store; each date is parsed once, where it is read.
PAGE = ("<html><head><title>关于临时救助对象的公示</title></head><body><h1>关于临时救助对象的公示</h1>"
        "<div class='info'>发布日期：2026-06-30　来源：区民政局</div><div>索引号：MZ-2026-0001</div>"
        "<div>文号：云民发〔2026〕3号</div><div>成文日期：2026-06-28</div>"
        "<div class='content'><p>云溪区民政局关于2026年第二季度临时救助对象的公示如下，公示期为七个工作日。</p>"
        "<p><a href='fj.pdf'>附件1：名单</a></p><p>云溪区民政局</p><p>2026年6月28日</p></div></body></html>")


def test_a_worker_item_pickles_with_its_typed_values_and_stores_what_the_json_said(tmp_path):
    from auditor.harvest.extract.fields import extract_detail
    from auditor.harvest.items import DETAIL_FIELDS
    from auditor.harvest.offload import extract_item

    body = PAGE.encode("utf-8")
    item = extract_item(body, "utf-8", url=URL, final_url=URL, site_id="mz", http_status=200, etag='"e"')
    assert pickle.loads(pickle.dumps(item)) == item  # what a worker process sends back
    assert item.publish_date is not None and item.publish_date.value == date(2026, 6, 30)
    assert all(isinstance(a, Attachment) for a in item.attachments) and item.attachments
    open_db(resolve_db_url(str(tmp_path / "p.db")))
    pipeline = _pipeline(tmp_path, 1)
    pipeline.process_item(item)
    pipeline.close_spider()
    stored, data = _stored(tmp_path), extract_detail(body, URL, "utf-8").to_json()  # the old JSON payload
    assert stored.title == data["title"] and stored.etag == '"e"'
    for name in ("publish_date", "written_date"):
        assert getattr(stored, name) == (date.fromisoformat(data[name]) if data[name] else None)
        assert getattr(stored, f"{name}_source") == data["provenance"][name]["source"]
        assert getattr(stored, f"{name}_raw") == data["provenance"][name]["raw"]
    for name in ("index_no", "publisher", "source", "doc_no", "category", "validity"):
        assert getattr(stored, name) == (data[name] or None)
    assert stored.provenance == {name: data["provenance"][name] for name in DETAIL_FIELDS}
    with open_db(resolve_db_url(str(tmp_path / "p.db")))() as s:
        assert [(a.name, a.url, a.type) for a in s.scalars(select(StoredAttachment))] == \
            [(a["name"], a["url"], a["type"]) for a in data["attachments"]]


@pytest.mark.parametrize("committed_first", [False, True], ids=["same batch", "committed earlier"])
def test_the_listing_keeps_the_date_the_spider_parsed(tmp_path, committed_first):
    from auditor.store.models import Channel, ItemListing, Unit, listed_date

    factory = open_db(resolve_db_url(str(tmp_path / "p.db")))
    with factory() as s:
        s.add(Unit(id="mz", district="yx", name="区民政局", level="区级", kind="department"))
        s.flush()
        s.add(Channel(unit_id="mz", code="WEBSITE", name="公示公告", url="http://x/list/"))
        s.commit()
        channel_id = s.scalar(select(Channel.id))
    first = _pipeline(tmp_path, 1)
    first.process_item(ListingItem(url=URL, channel_ids=[channel_id], site_id="mz", list_title="标题",
                                   list_date_text="[2026-06-29]", list_date=date(2026, 6, 29)))
    if committed_first:
        first.close_spider()
        first = _pipeline(tmp_path, 2)
    first.process_item(ListingItem(url=URL, channel_ids=[channel_id], site_id="mz", list_title="标题",
                                   list_date_text="2026-06-30", list_date=date(2026, 6, 30)))  # a later crawl
    first.close_spider()
    with factory() as s:
        listings = list(s.scalars(select(ItemListing)))
        assert [(lst.list_date_text, lst.list_date) for lst in listings] == [("2026-06-30", date(2026, 6, 30))]
        assert listed_date(listings) == date(2026, 6, 30)


def test_migration_0015_backfills_list_dates_with_the_crawlers_parser(tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from auditor.harvest.extract.dates import parse_date
    from auditor.store.db import MIGRATIONS

    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")  # foreign keys off: listings without their items
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_engine"] = engine
    command.upgrade(cfg, "0014_h17_score")
    texts = ["2026-06-30", "[2026/6/29]", "二〇二六年六月二十八日", "人工挂接", None, "2026-06-30"]
    with engine.begin() as conn:
        for n, t in enumerate(texts, 1):
            conn.execute(text("INSERT INTO item_listings (id, item_id, channel_id, list_date_text) "
                              "VALUES (:n, :n, 1, :t)"), {"n": n, "t": t})
    command.upgrade(cfg, "0015_h18_items")
    with engine.connect() as conn:
        got = conn.execute(text("SELECT list_date_text, list_date FROM item_listings ORDER BY id")).all()
    assert [(t, date.fromisoformat(d) if d else None) for t, d in got] == [(t, parse_date(t)) for t in texts]
    command.downgrade(cfg, "0014_h17_score")
    assert "list_date" not in {c["name"] for c in inspect(engine).get_columns("item_listings")}
    engine.dispose()
