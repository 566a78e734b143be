"""Store pipeline: upserts harvested facts keyed by canonical URL, so a re-crawl never duplicates."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auditor.harvest.canonical import canonical_url
from auditor.harvest.items import ColumnHealthItem, DetailItem, LinkCheckItem, ListingItem, SiteProbeItem
from auditor.store.db import open_db
from auditor.store.models import Attachment, ColumnHealth, Item, ItemListing, LinkCheck, SiteProbe

COMMIT_EVERY = 300


def _date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class StorePipeline:
    """Writes in batches without autoflush: item ids are cached, so a listing costs no SELECT."""

    def __init__(self, db: str, crawl_run_id: int) -> None:
        self.db = db
        self.run_id = crawl_run_id
        self.session: Session | None = None
        self.pending = 0
        self.counts: dict[str, int] = {}
        self.items: dict[str, int | Item] = {}  # canonical URL -> id (committed) or Item (pending)
        self.listings: dict[tuple[str, int], int | ItemListing] = {}

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206 - Scrapy signature
        db = crawler.settings.get("AUDITOR_DB")
        run_id = crawler.settings.getint("AUDITOR_CRAWL_RUN", 0)
        if not db or not run_id:
            raise NotConfigured("AUDITOR_DB and AUDITOR_CRAWL_RUN are not set: nothing to store into")
        return cls(db, run_id)

    def open_spider(self, spider=None) -> None:  # noqa: ANN001
        self.session = open_db(self.db, migrate=False)()
        self.session.autoflush = False
        for item_id, url in self.session.execute(select(Item.id, Item.canonical_url)):
            self.items[url] = item_id
        rows = self.session.execute(select(ItemListing.id, ItemListing.channel_id, Item.canonical_url)
                                    .join(Item, Item.id == ItemListing.item_id))
        for listing_id, channel_id, url in rows:
            self.listings[(url, channel_id)] = listing_id

    def close_spider(self, spider=None) -> None:  # noqa: ANN001
        assert self.session is not None
        self._commit()
        self.session.close()

    def _commit(self) -> None:
        """Commit the batch, then forget ORM objects so memory stays flat over big crawls."""
        assert self.session is not None
        self.session.commit()
        for cache in (self.items, self.listings):
            for key, value in cache.items():
                if not isinstance(value, int):
                    cache[key] = value.id
        self.session.expunge_all()

    def process_item(self, item: Any, spider=None) -> Any:  # noqa: ANN001
        assert self.session is not None
        handler = {
            ListingItem: self._listing,
            DetailItem: self._detail,
            ColumnHealthItem: self._column,
            SiteProbeItem: self._probe,
            LinkCheckItem: self._link,
        }.get(type(item))
        if handler is None:
            raise DropItem(f"unknown item type {type(item).__name__}")
        handler(item)
        name = type(item).__name__
        self.counts[name] = self.counts.get(name, 0) + 1
        self.pending += 1
        if self.pending >= COMMIT_EVERY:
            self._commit()
            self.pending = 0
        return item

    # ------------------------------------------------------------------ upserts
    def _item_row(self, url: str, site_id: str | None) -> tuple[str, Item]:
        assert self.session is not None
        key = canonical_url(url)
        cached = self.items.get(key)
        if isinstance(cached, Item):
            return key, cached
        if isinstance(cached, int):
            row = self.session.get(Item, cached)
            assert row is not None
        else:
            row = Item(canonical_url=key, site_id=site_id, first_seen_run=self.run_id, provenance={},
                       title="", list_title="", body_excerpt="")
            self.session.add(row)
        row.last_seen_run = self.run_id
        self.items[key] = row
        return key, row

    def _listing(self, it: ListingItem) -> None:
        assert self.session is not None
        key, row = self._item_row(it.url, it.site_id)
        if not row.list_title:
            row.list_title = it.list_title
        for channel_id in it.channel_ids:
            cached = self.listings.get((key, channel_id))
            if isinstance(cached, int):
                self.session.execute(update(ItemListing).where(ItemListing.id == cached)
                                     .values(list_date_text=it.list_date_text, last_seen_run=self.run_id))
                continue
            if cached is None:
                cached = ItemListing(item=row, channel_id=channel_id)
                self.session.add(cached)
                self.listings[(key, channel_id)] = cached
            cached.list_date_text = it.list_date_text
            cached.last_seen_run = self.run_id

    def _detail(self, it: DetailItem) -> None:
        assert self.session is not None
        _, row = self._item_row(it.url, it.site_id)
        f = it.fields
        row.title = it.title
        row.http_status = it.http_status
        row.fetched_at = datetime.now(timezone.utc).replace(tzinfo=None)
        for name in ("publish_date", "written_date"):
            spec = f.get(name) or {}
            setattr(row, name, _date(spec.get("value")))
            setattr(row, f"{name}_source", spec.get("source"))
            raw = spec.get("raw")
            setattr(row, f"{name}_raw", str(raw)[:200] if raw is not None else None)
        for name in ("index_no", "publisher", "doc_no", "category", "validity"):
            value = (f.get(name) or {}).get("value")
            setattr(row, name, str(value)[:200] if value else None)
        row.provenance = {k: {"source": v.get("source"), "raw": v.get("raw")} for k, v in f.items()}
        row.body_hash = it.body_hash
        row.body_excerpt = it.body_excerpt
        row.etag = it.etag
        row.last_modified = it.last_modified
        known = {a.url for a in row.attachments} if row.id is not None else set()
        for att in it.attachments:
            if att.get("url") and att["url"] not in known:
                row.attachments.append(Attachment(name=att.get("name") or "", url=att["url"], type=att.get("type")))
                known.add(att["url"])

    def _column(self, it: ColumnHealthItem) -> None:
        assert self.session is not None
        for channel_id in it.channel_ids:
            self.session.add(ColumnHealth(crawl_run_id=self.run_id, channel_id=channel_id, url=it.url,
                                          status=it.status, http_status=it.http_status, error=it.error,
                                          entries=it.entries, pages=it.pages, undated_entries=it.undated_entries,
                                          latest_date=_date(it.latest_date), adapter=it.adapter))

    def _probe(self, it: SiteProbeItem) -> None:
        assert self.session is not None
        self.session.add(SiteProbe(crawl_run_id=self.run_id, site_id=it.site_id, url=it.url, ok=it.ok,
                                   http_status=it.http_status, elapsed_ms=it.elapsed_ms, error=it.error,
                                   home_latest_date=_date(it.home_latest_date),
                                   probed_at=datetime.now(timezone.utc).replace(tzinfo=None)))

    def _link(self, it: LinkCheckItem) -> None:
        assert self.session is not None
        self.session.add(LinkCheck(crawl_run_id=self.run_id, site_id=it.site_id, url=it.url, referrer=it.referrer,
                                   kind=it.kind, ok=it.ok, http_status=it.http_status, error=it.error))
