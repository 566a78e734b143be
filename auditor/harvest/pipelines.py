"""Store pipeline: upserts harvested facts keyed by canonical URL, so a re-crawl never duplicates."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy import Date, String, Text, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from auditor.harvest.canonical import canonical_url
from auditor.harvest.extract.model import MISSING, Field
from auditor.harvest.items import (
    CarriedListingsItem,
    ColumnHealthItem,
    DetailItem,
    LinkCheckItem,
    ListingItem,
    NotModifiedItem,
    PageFetchItem,
    SiteProbeItem,
)
from auditor.harvest.snapshots import SnapshotWriter
from auditor.store.db import open_db
from auditor.store.models import Attachment, ColumnHealth, Item, ItemListing, LinkCheck, SiteProbe
from auditor.store.models_harvest import SiteHealth
from auditor.vocabulary import utcnow

COMMIT_EVERY = 300


# Extracted fields stored as columns of an item row (with _source and _raw for the dates).
DATE_COLUMNS = ("publish_date", "written_date")
TEXT_COLUMNS = ("index_no", "publisher", "source", "doc_no", "category", "validity")


def _text(f: Field) -> str | None:
    """A text field's value as its column holds it (capped; empty is None)."""
    return str(f.value)[:200] if f.value else None


# Columns of an item row the pipeline writes; a new row is inserted with all of them (one executemany).
NEW_ITEM: dict[str, Any] = {
    "title": "", "list_title": "", "body_excerpt": "", "provenance": {}, "detail_state": None, "fetched_at": None,
    "http_status": None, "body_hash": None, "etag": None, "last_modified": None, "index_no": None, "publisher": None,
    "source": None, "doc_no": None, "category": None, "validity": None, "publish_date": None,
    "publish_date_source": None, "publish_date_raw": None, "written_date": None, "written_date_source": None,
    "written_date_raw": None,
}


class _Statements:
    """The pipeline's statements, built once: executed with many parameter sets at each commit."""

    def __init__(self) -> None:
        items, listings = Item.__table__, ItemListing.__table__
        by_id = items.c.id == bindparam("_id")
        keep_title = case((func.coalesce(items.c.list_title, "") == "", bindparam("_list_title", type_=Text())),
                          else_=items.c.list_title)
        self.seen = items.update().where(by_id).values(last_seen_run=bindparam("_run"))
        self.listed = self.seen.values(list_title=keep_title)
        state = bindparam("_state", type_=String())
        self.listed_state = self.listed.values(detail_state=case((items.c.fetched_at.is_(None), state),
                                                                 else_=items.c.detail_state))
        self.detail = items.update().where(by_id)  # SET clause: the keys of the parameter sets
        self.listing = listings.update().where(listings.c.id == bindparam("_id")).values(
            list_date_text=bindparam("_date", type_=String()), list_date=bindparam("_list_date", type_=Date()),
            last_seen_run=bindparam("_run"))
        self.new_items = insert(items).returning(items.c.id, items.c.canonical_url)
        self.new_listings = insert(listings).returning(listings.c.id, listings.c.item_id, listings.c.channel_id)
        self.new_attachments = insert(Attachment.__table__)


class StorePipeline:
    """Writes in batches: a commit every `commit_every` items runs each kind of write as one executemany.

    Rows created in this batch are plain dicts until the commit inserts them (their ids come back by
    RETURNING); updates of rows committed earlier are queued in order and run in runs of the same
    statement, so the result is that of writing item by item, without a statement per item (per-item
    ORM objects and statements were most of the pipeline's time)."""

    def __init__(self, db: str, crawl_run_id: int, *, commit_every: int = COMMIT_EVERY, shared: bool = False,
                 resume: bool = False, timeout_s: float = 15.0, robots_ignore: dict[str, str] | None = None,
                 snapshot_level: int = 6) -> None:
        self.db = db
        self.run_id = crawl_run_id
        self.commit_every = commit_every
        self.shared = shared  # other processes write the same store (distributed mode)
        self.resume = resume
        self.timeout_ms = timeout_s * 1000
        self.robots_ignore = robots_ignore or {}
        self.snapshot_level = snapshot_level
        self.snapshots: SnapshotWriter | None = None
        self.health: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
        self.session: Session | None = None
        self.pending = 0
        self.counts: dict[str, int] = {}
        self.items: dict[str, int | dict[str, Any]] = {}  # canonical URL -> id (committed) or row (to insert)
        self.listings: dict[tuple[str, int], int | dict[str, Any]] = {}  # (URL, channel) -> id or row
        self.new_items: list[str] = []  # URLs of the rows above still to insert
        self.new_listings: list[tuple[str, int]] = []
        self.attachments: list[tuple[str | int, dict[str, Any]]] = []  # (item URL or id, row) to insert
        self.ops: list[tuple[Any, dict[str, Any]]] = []  # updates of committed rows, in arrival order
        self.with_attachments: set[int] = set()  # ids of committed items that have attachment rows
        self.sql = _Statements()
        self.handlers: dict[type, Any] = {  # built once: process_item runs for every item of the crawl
            ListingItem: self._listing,
            DetailItem: self._detail,
            ColumnHealthItem: self._column,
            SiteProbeItem: self._probe,
            LinkCheckItem: self._link,
            PageFetchItem: self._fetch,
            NotModifiedItem: self._not_modified,
            CarriedListingsItem: self._carried,
        }

    @classmethod
    def from_crawler(cls, crawler):
        db = crawler.settings.get("AUDITOR_DB")
        run_id = crawler.settings.getint("AUDITOR_CRAWL_RUN", 0)
        if not db or not run_id:
            raise NotConfigured("AUDITOR_DB and AUDITOR_CRAWL_RUN are not set: nothing to store into")
        s = crawler.settings
        return cls(db, run_id, commit_every=s.getint("AUDITOR_COMMIT_EVERY", COMMIT_EVERY),
                   shared=bool(s.get("AUDITOR_DISTRIBUTED")), resume=s.getbool("AUDITOR_RESUME"),
                   timeout_s=s.getfloat("DOWNLOAD_TIMEOUT", 15.0),
                   robots_ignore=dict(json.loads(s.get("AUDITOR_ROBOTS_IGNORE") or "{}")),
                   snapshot_level=s.getint("AUDITOR_SNAPSHOT_LEVEL", 6))

    def open_spider(self, spider=None) -> None:
        db = self.db
        if self.shared and db.startswith("sqlite") and "timeout=" not in db:
            db += ("&" if "?" in db else "?") + "timeout=60"  # writers of other processes hold the lock briefly
        self.session = open_db(db, migrate=False)()
        self.session.autoflush = False
        self.snapshots = SnapshotWriter(self.session, self.run_id, shared=self.shared, level=self.snapshot_level)
        if self.resume:  # list pages are read again on resume: their column health is written again
            self.session.execute(delete(ColumnHealth).where(ColumnHealth.crawl_run_id == self.run_id))
            self.session.commit()
        for item_id, url in self.session.execute(select(Item.id, Item.canonical_url)):
            self.items[url] = item_id
        self.with_attachments = set(self.session.scalars(select(Attachment.item_id).distinct()))
        rows = self.session.execute(select(ItemListing.id, ItemListing.channel_id, Item.canonical_url)
                                    .join(Item, Item.id == ItemListing.item_id))
        for listing_id, channel_id, url in rows:
            self.listings[(url, channel_id)] = listing_id

    def close_spider(self, spider=None) -> None:
        assert self.session is not None
        self._write_site_health()
        self._commit()
        self.session.close()

    def _commit(self) -> None:
        """Write the batch (new rows by executemany with their ids back, then the queued updates in
        order), commit, then forget ORM objects so memory stays flat over big crawls."""
        assert self.session is not None
        assert self.snapshots is not None
        self.snapshots.flush()
        if self.new_items:
            rows = [self.items[key] for key in self.new_items]
            for item_id, url in self.session.execute(self.sql.new_items, rows):
                self.items[url] = item_id
            self.new_items.clear()
        if self.new_listings:
            rows = [{**self.listings[key], "item_id": self.items[key[0]]} for key in self.new_listings]
            urls = {self.items[url]: url for url, _ in self.new_listings}
            for listing_id, item_id, channel_id in self.session.execute(self.sql.new_listings, rows):
                self.listings[(urls[item_id], channel_id)] = listing_id
            self.new_listings.clear()
        if self.attachments:
            rows = []
            for owner, row in self.attachments:
                item_id = owner if isinstance(owner, int) else self.items[owner]
                self.with_attachments.add(item_id)
                rows.append({**row, "item_id": item_id})
            self.session.execute(self.sql.new_attachments, rows)
            self.attachments.clear()
        start = 0
        for end in range(1, len(self.ops) + 1):  # runs of one statement: one executemany each
            if end == len(self.ops) or self.ops[end][0] is not self.ops[start][0] \
                    or self.ops[end][1].keys() != self.ops[start][1].keys():
                self.session.execute(self.ops[start][0], [params for _, params in self.ops[start:end]])
                start = end
        self.ops.clear()
        self.session.commit()
        self.session.expunge_all()

    def process_item(self, item: Any, spider=None) -> Any:
        assert self.session is not None
        handler = self.handlers.get(type(item))
        if handler is None:
            raise DropItem(f"unknown item type {type(item).__name__}")
        handler(item)
        name = type(item).__name__
        self.counts[name] = self.counts.get(name, 0) + 1
        self.pending += 1
        if self.pending >= self.commit_every:
            self._commit()
            self.pending = 0
        return item

    # ------------------------------------------------------------------ upserts
    def _item_row(self, url: str, site_id: str | None) -> tuple[str, int | dict[str, Any]]:
        """The item of a URL, seen in this run: its id (committed) or its row (inserted at the commit)."""
        key = canonical_url(url)
        cached = self.items.get(key)
        if cached is None and self.shared:  # another process may have created it: insert-or-ignore, then its id
            cached = self.items[key] = self._shared_item_id(key, site_id)
        if cached is None:
            cached = self.items[key] = {**NEW_ITEM, "provenance": {}, "canonical_url": key, "site_id": site_id,
                                        "first_seen_run": self.run_id, "last_seen_run": self.run_id}
            self.new_items.append(key)
        elif not isinstance(cached, int):
            cached["last_seen_run"] = self.run_id
        return key, cached

    def _listing(self, it: ListingItem) -> None:
        key, row = self._item_row(it.url, it.site_id)
        if isinstance(row, int):  # the same decisions, taken by the database on the stored row
            params = {"_id": row, "_run": self.run_id, "_list_title": it.list_title}
            if it.detail_state:
                self.ops.append((self.sql.listed_state, {**params, "_state": it.detail_state}))
            else:
                self.ops.append((self.sql.listed, params))
        else:
            if not row["list_title"]:
                row["list_title"] = it.list_title
            if it.detail_state and row["fetched_at"] is None:
                row["detail_state"] = it.detail_state
        for channel_id in it.channel_ids:
            cached = self.listings.get((key, channel_id))
            if isinstance(cached, int):
                self.ops.append((self.sql.listing, {"_id": cached, "_date": it.list_date_text,
                                                    "_list_date": it.list_date, "_run": self.run_id}))
            elif cached is None:
                self.listings[(key, channel_id)] = {"channel_id": channel_id, "list_date_text": it.list_date_text,
                                                    "list_date": it.list_date, "last_seen_run": self.run_id}
                self.new_listings.append((key, channel_id))
            else:
                cached.update(list_date_text=it.list_date_text, list_date=it.list_date, last_seen_run=self.run_id)

    def _detail(self, it: DetailItem) -> None:
        """Store a fetched detail page. An item committed earlier (its listing came first) is updated by
        id, without loading it or its attachments."""
        assert self.session is not None
        fields = it.fields()
        values: dict[str, Any] = {"title": str(it.title.value) if it.title.value else "", "http_status": it.http_status,
                                  "detail_state": None, "fetched_at": utcnow()}
        for name in DATE_COLUMNS:  # typed as extracted: the date is written as it is, never re-read from text
            f = fields.get(name, MISSING)
            values.update({name: f.value if isinstance(f.value, date) else None, f"{name}_source": f.source,
                           f"{name}_raw": f.raw[:200] if f.raw is not None else None})
        for name in TEXT_COLUMNS:
            values[name] = _text(fields.get(name, MISSING))
        values.update(provenance={name: f.provenance() for name, f in fields.items()},
                      body_hash=it.body_hash, body_excerpt=it.body_excerpt, etag=it.etag,
                      last_modified=it.last_modified)
        key, row = self._item_row(it.url, it.site_id)
        if isinstance(row, int):
            self.ops.append((self.sql.detail, {**values, "last_seen_run": self.run_id, "_id": row}))
            known = set(self.session.scalars(select(Attachment.url).where(Attachment.item_id == row))) \
                if it.attachments and (self.shared or row in self.with_attachments) else set()
            owner: str | int = row
        else:
            row.update(values)
            known = set()
            owner = key
        known |= {a["url"] for o, a in self.attachments if o == owner}
        for att in it.attachments:
            if att.url and att.url not in known:
                self.attachments.append((owner, {"name": att.name or "", "url": att.url, "type": att.type}))
                known.add(att.url)

    def _column(self, it: ColumnHealthItem) -> None:
        assert self.session is not None
        for channel_id in it.channel_ids:
            self.session.add(ColumnHealth(crawl_run_id=self.run_id, channel_id=channel_id, url=it.url,
                                          status=it.status, http_status=it.http_status, error=it.error,
                                          entries=it.entries, pages=it.pages, undated_entries=it.undated_entries,
                                          latest_date=it.latest_date, adapter=it.adapter,
                                          coverage=it.coverage, coverage_reason=it.coverage_reason,
                                          declared_total=it.declared_total, declared_pages=it.declared_pages,
                                          pages_failed=it.pages_failed, pages_skipped=it.pages_skipped,
                                          share_seen=it.share_seen, details_fetched=it.details_fetched,
                                          details_failed=it.details_failed, details_skipped=it.details_skipped))

    def _probe(self, it: SiteProbeItem) -> None:
        assert self.session is not None
        h = self.health[it.site_id]
        h["probes"] += 1
        h["probes_ok"] += int(it.ok)
        if it.error and it.error.startswith("blocked"):
            h["probes_blocked"] += 1
        if it.elapsed_ms is not None:
            h.setdefault("probe_ms", []).append(round(it.elapsed_ms, 1))
            h["max_elapsed_ms"] = max(h.get("max_elapsed_ms") or 0.0, it.elapsed_ms)
            if it.elapsed_ms >= self.timeout_ms:
                h["probes_slow"] += 1
        self.session.add(SiteProbe(crawl_run_id=self.run_id, site_id=it.site_id, url=it.url, ok=it.ok,
                                   http_status=it.http_status, elapsed_ms=it.elapsed_ms, error=it.error,
                                   home_latest_date=it.home_latest_date,
                                   probed_at=utcnow()))

    def _link(self, it: LinkCheckItem) -> None:
        assert self.session is not None
        self.session.add(LinkCheck(crawl_run_id=self.run_id, site_id=it.site_id, url=it.url, referrer=it.referrer,
                                   kind=it.kind, ok=it.ok, http_status=it.http_status, error=it.error))

    def _shared_item_id(self, key: str, site_id: str | None) -> int:
        assert self.session is not None
        from auditor.harvest.snapshots import insert_ignore

        insert_ignore(self.session, Item, {**NEW_ITEM, "provenance": {}, "canonical_url": key, "site_id": site_id,
                                           "first_seen_run": self.run_id, "last_seen_run": self.run_id})
        item_id = self.session.scalar(select(Item.id).where(Item.canonical_url == key))
        assert item_id is not None
        self.ops.append((self.sql.seen, {"_id": item_id, "_run": self.run_id}))  # created earlier: seen now
        return item_id

    def _fetch(self, it: PageFetchItem) -> None:
        assert self.snapshots is not None
        self.snapshots.add(it)
        h = self.health[it.site_id] if it.site_id else None
        if h is not None:
            if it.outcome == "blocked":
                h["blocked"] += 1
            elif it.outcome == "error" and it.http_status is not None:
                h["http_errors"] += 1

    def _carried(self, it: CarriedListingsItem) -> None:
        """Listings not re-read tonight (the column's paging stopped at known entries) stay listed in this
        run; the items keep their last fetched facts."""
        assert self.session is not None
        listing_ids, item_ids = [], []
        for key in it.urls:
            for channel_id in it.channel_ids:
                cached = self.listings.get((key, channel_id))
                if isinstance(cached, int):
                    listing_ids.append(cached)
                elif cached is not None:
                    cached["last_seen_run"] = self.run_id
            row = self.items.get(key)
            if isinstance(row, int):
                item_ids.append(row)
            elif row is not None:
                row["last_seen_run"] = self.run_id
        for i in range(0, len(listing_ids), 500):
            self.session.execute(update(ItemListing).where(ItemListing.id.in_(listing_ids[i:i + 500]))
                                 .values(last_seen_run=self.run_id))
        for i in range(0, len(item_ids), 500):
            self.session.execute(update(Item).where(Item.id.in_(item_ids[i:i + 500])).values(last_seen_run=self.run_id))

    def _not_modified(self, it: NotModifiedItem) -> None:
        _, row = self._item_row(it.url, it.site_id)  # marks the stored item seen in this run
        if isinstance(row, int):
            self.ops.append((self.sql.seen, {"_id": row, "_run": self.run_id}))
        self.counts["not_modified"] = self.counts.get("not_modified", 0) + 1

    def _write_site_health(self) -> None:
        """Roll up what this process saw of each site into site_health (merged on resume / distributed)."""
        assert self.session is not None
        for site_id, h in self.health.items():
            if not h.get("probes") and not h.get("blocked") and not h.get("http_errors"):
                continue
            row = self.session.scalar(select(SiteHealth).where(SiteHealth.crawl_run_id == self.run_id,
                                                               SiteHealth.site_id == site_id))
            if row is None:
                row = SiteHealth(crawl_run_id=self.run_id, site_id=site_id, probes=0, probes_ok=0, probes_slow=0,
                                 http_errors=0, blocked=0, details={"probe_ms": []})
                self.session.add(row)
            row.probes += h.get("probes", 0)
            row.probes_ok += h.get("probes_ok", 0)
            row.probes_slow += h.get("probes_slow", 0)
            row.http_errors += h.get("http_errors", 0)
            row.blocked += h.get("blocked", 0) + h.get("probes_blocked", 0)
            peak = h.get("max_elapsed_ms")
            if peak is not None and (row.max_elapsed_ms is None or peak > row.max_elapsed_ms):
                row.max_elapsed_ms = peak
            details = dict(row.details or {})
            details["probe_ms"] = list(details.get("probe_ms", [])) + list(h.get("probe_ms", []))
            row.details = details
            row.robots = "ignore" if site_id in self.robots_ignore else "obey"
            row.robots_reason = self.robots_ignore.get(site_id)
            if h.get("probes_blocked") or (row.blocked and not row.probes_ok):
                row.status = "blocked"
            elif row.probes and not row.probes_ok:
                row.status = "unreachable"
            elif row.probes_ok < row.probes or row.blocked:
                row.status = "partial"
            else:
                row.status = "reachable"
