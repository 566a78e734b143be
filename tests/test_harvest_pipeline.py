"""The store pipeline writes in batches (issue 17, throughput): rows created in a batch are inserted at
the commit, updates of committed rows are queued and run in order. These tests pin the decisions the
database now takes on stored rows (listing title kept, detail state only for unfetched items), and the
log formatter that keeps per-item DEBUG records out of non-debug crawls."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from auditor.harvest.items import DetailItem, ListingItem, NotModifiedItem
from auditor.harvest.logformat import QuietLogFormatter
from auditor.harvest.pipelines import StorePipeline
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import Attachment, Item

URL = "http://www.yunxi.gov.cn/xxgk/shjz/202606/t20260630_1.html"  # generated sample portal layout


def _detail(url: str = URL, attachments: list | None = None) -> DetailItem:
    return DetailItem(url=url, final_url=url, site_id="mz", http_status=200, title="关于临时救助对象的公示",
                      fields={"publish_date": {"value": "2026-06-30", "source": "label", "raw": "发布日期：2026-06-30"}},
                      attachments=attachments or [], body_hash="h", body_excerpt="公示如下。")


def _listing(title: str, state: str | None = None, url: str = URL) -> ListingItem:
    return ListingItem(url=url, channel_ids=[], site_id="mz", list_title=title, list_date_text="2026-06-30",
                       detail_state=state)


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
    second.process_item(_detail(attachments=[{"name": "附件1", "url": URL + ".pdf", "type": "pdf"}] * 2))
    second.process_item(_listing("另一个栏目的标题", state="budget"))  # fetched already: no detail state
    second.process_item(NotModifiedItem(url=URL, site_id="mz"))
    second.close_spider()
    item = _stored(tmp_path)
    assert (item.list_title, item.detail_state, item.title) == ("列表标题", None, "关于临时救助对象的公示")
    assert item.last_seen_run == (2 if committed_first else 1) and item.first_seen_run == 1
    with open_db(resolve_db_url(str(tmp_path / "p.db")))() as s:
        assert list(s.scalars(select(Attachment.url))) == [URL + ".pdf"]


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
