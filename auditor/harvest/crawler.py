"""The registry-driven base spider: columns → list pages → detail pages → attachments, plus site probes.

It reads the channels to crawl from the store (synced from the registry beforehand), parses with
the platform adapters and extractors, and yields facts only. A page that cannot be fetched becomes a
crawl-health fact (column failed, link dead, site unreachable), never an absence of content.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterator

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy import select
from twisted.python.failure import Failure

from auditor.harvest.adapters import detect_adapter, get_adapter
from auditor.harvest.adapters.feed import parse_feed
from auditor.harvest.extract.dates import find_dates, parse_date
from auditor.harvest.extract.decode import decode_html
from auditor.harvest.extract.fields import extract_detail
from auditor.harvest.items import ColumnHealthItem, DetailItem, LinkCheckItem, ListingItem, SiteProbeItem
from auditor.store.db import open_db
from auditor.store.models import Channel, Site

BLOCK_STATUSES = {401, 403, 429}
WAF_MARKERS = ("安全狗", "云锁", "WAF", "访问被拦截", "请开启JavaScript", "知道创宇", "Request blocked")


@dataclass
class ColumnState:
    """Progress of one column across its list pages, so health is emitted once all pages are in."""

    url: str
    channel_ids: list[int]
    site_id: str | None
    pending: int = 1
    pages: int = 0
    failed_pages: int = 0
    first_failed: bool = False
    http_status: int | None = None
    error: str | None = None
    blocked: bool = False
    adapter: str | None = None
    seen: set[str] = field(default_factory=set)
    undated: int = 0
    latest: date | None = None


def _failure_info(failure: Failure) -> tuple[int | None, str]:
    if failure.check(HttpError):
        resp = failure.value.response
        return resp.status, f"HTTP {resp.status}"
    return None, f"{failure.type.__name__}: {failure.getErrorMessage()}"


def _looks_blocked(status: int | None, text: str = "") -> bool:
    return status in BLOCK_STATUSES or any(m in text[:5000] for m in WAF_MARKERS) and len(text) < 20000


class RegistrySpider(scrapy.Spider):
    """Crawls every channel in the store; subclasses pick which channel codes they handle."""

    handles_codes: tuple[str, ...] = ("WEBSITE", "PLATFORM", "NEWMEDIA")

    def __init__(self, db: str | None = None, units: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.db = db
        self.only_units = set(units.split(",")) if units else None
        self.columns: dict[str, ColumnState] = {}
        self.listings: dict[str, set[int]] = defaultdict(set)
        self.attachments_checked: set[str] = set()

    # ------------------------------------------------------------------ start
    def _load_targets(self) -> tuple[list[Site], list[Channel]]:
        factory = open_db(self.db, migrate=False)
        with factory() as session:
            sites = list(session.scalars(select(Site)))
            stmt = select(Channel).where(Channel.code.in_(self.handles_codes), Channel.active.is_(True))
            channels = [c for c in session.scalars(stmt) if self.only_units is None or c.unit_id in self.only_units]
        return sites, channels

    async def start(self):  # Scrapy ≥ 2.13
        for request in self.start_requests_list():
            yield request

    def start_requests(self):  # older Scrapy
        yield from self.start_requests_list()

    def start_requests_list(self) -> list[scrapy.Request]:
        sites, channels = self._load_targets()
        site_ids = {c.site_id for c in channels}
        platforms = {s.id: s.platform for s in sites}
        requests: list[scrapy.Request] = []
        for site in sites:
            if site.id in site_ids:
                requests.append(scrapy.Request(site.home_url, callback=self.parse_home, errback=self.home_failed,
                                               dont_filter=True, priority=100,
                                               meta={"site_id": site.id, "t0": time.monotonic()}))
        by_url: dict[str, list[Channel]] = defaultdict(list)
        for ch in channels:
            by_url[ch.url].append(ch)
        for url, chans in by_url.items():
            first = chans[0]
            state = ColumnState(url=url, channel_ids=[c.id for c in chans], site_id=first.site_id)
            self.columns[url] = state
            platform = first.platform if first.platform != "auto" else platforms.get(first.site_id or "", "auto")
            callback = self.parse_feed if first.code == "NEWMEDIA" else self.parse_list
            requests.append(scrapy.Request(url, callback=callback, errback=self.list_failed, dont_filter=True,
                                           priority=50, meta={"column": url, "platform": platform, "first": True}))
        return requests

    # ------------------------------------------------------------------ site probes
    def parse_home(self, response: Response) -> Iterator[SiteProbeItem]:
        text = self._text(response)
        dates = [m.date for m in find_dates(text) if m.date <= date.today()]
        latency = response.meta.get("download_latency")
        yield SiteProbeItem(site_id=response.meta["site_id"], url=response.url, ok=True,
                            http_status=response.status, elapsed_ms=latency * 1000 if latency else None,
                            error=None, home_latest_date=max(dates).isoformat() if dates else None)

    def home_failed(self, failure: Failure) -> Iterator[SiteProbeItem]:
        request = failure.request
        status, error = _failure_info(failure)
        yield SiteProbeItem(site_id=request.meta["site_id"], url=request.url, ok=False, http_status=status,
                            elapsed_ms=(time.monotonic() - request.meta["t0"]) * 1000, error=error,
                            home_latest_date=None)

    # ------------------------------------------------------------------ lists
    def _text(self, response: Response) -> str:
        declared = None
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        m = re.search(r"charset=([\w-]+)", ctype)
        if m:
            declared = m.group(1)
        return decode_html(response.body, declared)[0]

    def parse_list(self, response: Response) -> Iterator[Any]:
        state = self.columns[response.meta["column"]]
        try:
            yield from self._parse_list(state, response)
        except Exception as exc:  # a page we cannot parse is a crawl-health fact, not an empty column
            self.logger.warning("cannot parse list page %s: %r", response.url, exc)
            if response.meta.get("first"):
                state.first_failed = True
                state.error = f"parse error: {exc!r}"[:500]
            else:
                state.failed_pages += 1
                state.error = state.error or f"page {response.url}: parse error: {exc!r}"[:500]
            yield from self._column_done(state)

    def _parse_list(self, state: ColumnState, response: Response) -> Iterator[Any]:
        text = self._text(response)
        if _looks_blocked(response.status, text):
            state.blocked = True
        name = response.meta.get("platform") or "auto"
        adapter = get_adapter(name) if name != "auto" else detect_adapter(response.url, text)
        page = adapter.parse_list(response.url, text)
        state.adapter = page.adapter
        state.pages += 1
        for entry in page.entries:
            yield from self._listing(state, entry.url, entry.title, entry.date_text, response.url)
        if response.meta.get("first"):
            for spec in page.next_requests:
                state.pending += 1
                meta = {"column": state.url, "platform": page.adapter, "first": False}
                if spec.method.upper() == "POST":
                    yield scrapy.FormRequest(spec.url, formdata=spec.formdata or {}, callback=self.parse_list,
                                             errback=self.list_failed, meta=meta, dont_filter=True, priority=40)
                else:
                    yield scrapy.Request(spec.url, callback=self.parse_list, errback=self.list_failed, meta=meta,
                                         priority=40)
        yield from self._column_done(state)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        state = self.columns[response.meta["column"]]
        try:
            yield from self._parse_feed(state, response)
        except Exception as exc:
            self.logger.warning("cannot parse feed %s: %r", response.url, exc)
            state.first_failed = True
            state.error = f"parse error: {exc!r}"[:500]
            yield from self._column_done(state)

    def _parse_feed(self, state: ColumnState, response: Response) -> Iterator[Any]:
        text = self._text(response)
        state.adapter = "feed"
        state.pages += 1
        for entry in parse_feed(response.url, text):
            if entry.url in state.seen:
                continue
            state.seen.add(entry.url)
            self._note_date(state, entry.date_text)
            yield ListingItem(url=entry.url, channel_ids=state.channel_ids, site_id=None, list_title=entry.title,
                              list_date_text=entry.date_text)
            d = parse_date(entry.date_text)
            yield DetailItem(url=entry.url, final_url=entry.url, site_id=None, http_status=response.status,
                             title=entry.title,
                             fields={"title": {"value": entry.title, "source": "feed", "raw": entry.title},
                                     "publish_date": {"value": d.isoformat() if d else None, "source": "feed",
                                                      "raw": entry.date_text}})
        yield from self._column_done(state)

    def _note_date(self, state: ColumnState, date_text: str | None) -> None:
        d = parse_date(date_text)
        if d is None:
            state.undated += 1
        elif state.latest is None or d > state.latest:
            state.latest = d

    def _listing(self, state: ColumnState, url: str, title: str, date_text: str | None,
                 referrer: str) -> Iterator[Any]:
        if url in state.seen:
            return
        state.seen.add(url)
        self._note_date(state, date_text)
        yield ListingItem(url=url, channel_ids=state.channel_ids, site_id=state.site_id, list_title=title,
                          list_date_text=date_text)
        first_time = url not in self.listings
        self.listings[url].update(state.channel_ids)
        if first_time:
            yield scrapy.Request(url, callback=self.parse_detail, errback=self.detail_failed, priority=10,
                                 meta={"site_id": state.site_id, "referrer": referrer})

    def list_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        state = self.columns[request.meta["column"]]
        status, error = _failure_info(failure)
        state.failed_pages += 1
        if request.meta.get("first"):
            state.first_failed = True
            state.http_status = status
            state.error = error
        elif state.error is None:
            state.error = f"page {request.url}: {error}"
        if _looks_blocked(status):
            state.blocked = True
        yield from self._column_done(state)

    def _column_done(self, state: ColumnState) -> Iterator[ColumnHealthItem]:
        state.pending -= 1
        if state.pending > 0:
            return
        if state.blocked:
            status = "blocked"
        elif state.first_failed:
            status = "failed"
        elif state.failed_pages:
            status = "partial"
        else:
            status = "ok"
        yield ColumnHealthItem(channel_ids=state.channel_ids, url=state.url, status=status,
                               http_status=state.http_status, error=state.error, entries=len(state.seen),
                               pages=state.pages, undated_entries=state.undated,
                               latest_date=state.latest.isoformat() if state.latest else None, adapter=state.adapter)

    # ------------------------------------------------------------------ details
    def parse_detail(self, response: Response) -> Iterator[Any]:
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        declared = (re.search(r"charset=([\w-]+)", ctype) or [None, None])[1]
        extract = extract_detail(response.body, response.url, declared)
        data = extract.to_json()
        fields = {name: {"value": data.get(name), **data.get("provenance", {}).get(name, {})}
                  for name in ("title", "publish_date", "written_date", "index_no", "publisher", "doc_no",
                               "category", "validity")}
        yield DetailItem(url=response.request.url, final_url=response.url, site_id=response.meta.get("site_id"),
                         http_status=response.status, title=data.get("title") or "", fields=fields,
                         attachments=[{"name": a.get("name"), "url": a.get("url"), "type": a.get("type")}
                                      for a in data.get("attachments", [])],
                         body_hash=getattr(extract, "body_hash", None),
                         body_excerpt=(getattr(extract, "body_text", None) and extract.body_text.value or "")[:500]
                         if hasattr(extract, "body_text") else "",
                         etag=(response.headers.get(b"ETag") or b"").decode("latin-1") or None,
                         last_modified=(response.headers.get(b"Last-Modified") or b"").decode("latin-1") or None)
        for att in data.get("attachments", []):
            url = att.get("url")
            if url and url not in self.attachments_checked:
                self.attachments_checked.add(url)
                yield scrapy.Request(url, method="HEAD", callback=self.attachment_ok, errback=self.attachment_failed,
                                     priority=5, meta={"site_id": response.meta.get("site_id"),
                                                       "referrer": response.request.url})

    def detail_failed(self, failure: Failure) -> Iterator[LinkCheckItem]:
        request = failure.request
        status, error = _failure_info(failure)
        yield LinkCheckItem(url=request.url, referrer=request.meta.get("referrer"), kind="detail", ok=False,
                            http_status=status, error=error, site_id=request.meta.get("site_id"))

    def attachment_ok(self, response: Response) -> Iterator[LinkCheckItem]:
        yield LinkCheckItem(url=response.request.url, referrer=response.meta.get("referrer"), kind="attachment",
                            ok=True, http_status=response.status, error=None, site_id=response.meta.get("site_id"))

    def attachment_failed(self, failure: Failure) -> Iterator[LinkCheckItem]:
        request = failure.request
        status, error = _failure_info(failure)
        yield LinkCheckItem(url=request.url, referrer=request.meta.get("referrer"), kind="attachment", ok=False,
                            http_status=status, error=error, site_id=request.meta.get("site_id"))
