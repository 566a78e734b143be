"""The registry-driven base spider: columns → list pages → detail pages → attachments, plus site probes.

It reads the channels to crawl from the store (synced from the registry beforehand), parses with
the platform adapters and extractors, and yields facts only. A page that cannot be fetched becomes a
crawl-health fact (column failed, link dead, site unreachable, access blocked), never an absence of
content.

Production behaviour (issue 4):
- incremental: pages fetched before are asked for with If-None-Match / If-Modified-Since; a 304 detail
  keeps the stored item (seen in this run), a 304 list page is parsed from its stored snapshot;
- resumable: re-running a crawl run skips the detail pages that run already stored;
- polite: robots.txt obeyed unless the registry says `robots: ignore` for a site (reason recorded);
  403/429/WAF challenge pages are "blocked" facts, never content;
- evidence: every fetched page is yielded as a PageFetchItem (the pipeline snapshots it);
- distributed: with AUDITOR_DISTRIBUTED=redis://…, columns and probes are claimed by one process,
  detail pages and attachments are shared through the redis scheduler and dupefilter.

List-driven re-crawls (issue 17, AUDITOR_LIST_DRIVEN): a column whose latest crawl read it whole is
paged one list page after another and stops at the first page that holds only entries already known
with the same listing date; it stays `complete` on that basis (recorded in coverage_reason), and its
listings not re-read tonight are carried into this run (CarriedListingsItem). Known details listed
unchanged are not asked for again; a rotating share of them (AUDITOR_REVALIDATE_DAYS) is revalidated
each night, and the links that failed in the previous crawl are checked again, so nothing is reported
missing or dead without a fetch that says so. Politeness (rate, Crawl-delay, budget): politeness.py.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy import func, select
from twisted.python.failure import Failure

from auditor.harvest.adapters import detect_adapter, get_adapter
from auditor.harvest.adapters.base import NotAListPage
from auditor.harvest.adapters.declared import declared_size
from auditor.harvest.adapters.feed import parse_feed, rfc822_date
from auditor.harvest.canonical import canonical_url
from auditor.harvest.coverage import Coverage, CoverageStatus, judge_coverage
from auditor.harvest.extract.dates import find_dates, parse_date
from auditor.harvest.extract.decode import decode_html
from auditor.harvest.extract.model import Field
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
from auditor.harvest.offload import extract_item
from auditor.harvest.politeness import BUDGET_REASON, BudgetExhausted
from auditor.harvest.replay import NotArchived
from auditor.harvest.scope import Scope
from auditor.store.db import open_db
from auditor.store.models import (
    Attachment,
    Channel,
    ColumnHealth,
    CrawlRun,
    Item,
    ItemListing,
    LinkCheck,
    Site,
    SiteProbe,
)
from auditor.store.models_harvest import PageFetch, PageSnapshot

BLOCK_STATUSES = {401, 403, 429}
_BASIS_RE = re.compile(r"上次完整读取于 run (\d+)")
WAF_MARKERS = ("安全狗", "云锁", "WAF", "访问被拦截", "请开启JavaScript", "知道创宇", "Request blocked",
               "cf-challenge", "Just a moment...")


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
    listed: int = 0  # entries on the pages read, duplicates included (what 共N条 counts)
    declared_total: int | None = None
    declared_pages: int | None = None
    declared_evidence: str = ""
    pages_skipped: int = 0
    not_read: list[str] = field(default_factory=list)  # why list pages were not read (reason per page)
    # list-driven re-crawl: pages one after another, stopping where everything further is known
    sequential: bool = False
    queue: list[Any] = field(default_factory=list)  # pager specs not yet requested
    prev_run: int | None = None  # the latest earlier crawl of this column (it was complete)
    basis_run: int | None = None  # the crawl that last read the column whole
    stopped_after: int | None = None  # page number whose entries were all known
    unread_pages: int = 0  # pages not re-read because everything on them was known
    carried: int = 0  # listings of the previous crawl not re-read tonight, carried forward
    budget_out: bool = False
    feed: bool = False  # a feed's entries are read from the feed itself, never fetched as detail pages


def _failure_info(failure: Failure) -> tuple[int | None, str]:
    if failure.check(HttpError):
        resp = failure.value.response
        return resp.status, f"HTTP {resp.status}"
    if failure.check(IgnoreRequest) and "robots" in failure.getErrorMessage().lower():
        return None, "robots: forbidden by robots.txt"
    return None, f"{failure.type.__name__}: {failure.getErrorMessage()}"


def looks_blocked(status: int | None, text: str = "") -> bool:
    """A 401/403/429 answer, or a small page that is a WAF / anti-bot challenge rather than content."""
    if status in BLOCK_STATUSES:
        return True
    return len(text) < 20000 and any(m in text[:5000] for m in WAF_MARKERS)


_looks_blocked = looks_blocked  # old name
_MARKER_BYTES = tuple({m.encode(enc) for m in WAF_MARKERS for enc in ("utf-8", "gbk")})


def body_blocked(status: int | None, body: bytes) -> bool:
    """`looks_blocked` on raw bytes (UTF-8 or GBK markers), without decoding the page."""
    if status in BLOCK_STATUSES:
        return True
    head = body[:5000]
    return len(body) < 20000 and any(m in head for m in _MARKER_BYTES)


def _header(response: Response, name: bytes) -> str | None:
    return (response.headers.get(name) or b"").decode("latin-1") or None


def _elapsed_ms(meta: dict) -> float | None:
    t0 = meta.get("fetch_t0")
    return (time.monotonic() - t0) * 1000 if t0 is not None else None


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
        self.validators: dict[str, tuple[str | None, str | None]] = {}  # detail canonical URL -> (etag, LM)
        self.page_validators: dict[str, tuple[str | None, str | None, int]] = {}  # list/feed -> (+snapshot)
        self.stored_attachments: dict[str, list[str]] = {}
        self.done_details: set[str] = set()  # resume: detail pages this run already has
        self.probed_sites: dict[str, int] = {}  # resume: probes this run already made, per site
        self.robots_ignore: dict[str, str] = {}
        self.probe_sites: list[Site] = []
        self.sites: list[Site] | None = None
        self.probe_rounds = 1
        self.probe_rounds_done = 0
        self.probes_in_flight = 0
        self.scope = Scope()
        # list-driven re-crawl state, per channel id: canonical URL -> (listing date text, last seen run)
        self.known: dict[int, dict[str, tuple[str | None, int | None]]] = {}
        self.good: dict[str, tuple[str, str]] = {}  # canonical URL -> (title, list title) of fetched items
        self.basis: dict[int, tuple[int, int]] = {}  # channel id -> (previous run, run that read it whole)
        self.recheck_links: list[tuple[str, str, str | None, str | None]] = []  # (kind, url, referrer, site)
        self.rotated: set[str] = set()
        self.attempted: set[str] = set()  # fetched (or found dead) by an earlier crawl: known for paging
        self.budget_columns: dict[str, int] = {}  # column URL -> its new details the budget left for tomorrow
        self._factory = None
        self._redis = None
        self._pool = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._reached_downloader, signal=signals.request_reached_downloader)
        return spider

    def _reached_downloader(self, request: scrapy.Request, spider=None) -> None:
        request.meta["fetch_t0"] = time.monotonic()  # response times exclude time spent queued

    # ------------------------------------------------------------------ settings & state
    @property
    def run_id(self) -> int:
        return self.settings.getint("AUDITOR_CRAWL_RUN", 0)

    def _session_factory(self):
        if self._factory is None:
            self._factory = open_db(self.db or self.settings.get("AUDITOR_DB"), migrate=False)
        return self._factory

    def _load_targets(self) -> tuple[list[Site], list[Channel]]:
        factory = self._session_factory()
        with factory() as session:
            sites = list(session.scalars(select(Site)))
            stmt = select(Channel).where(Channel.code.in_(self.handles_codes), Channel.active.is_(True))
            channels = [c for c in session.scalars(stmt) if self.only_units is None or c.unit_id in self.only_units]
        return sites, channels

    def _load_state(self) -> None:
        """Validators of what earlier runs stored (incremental) and what this run already did (resume)."""
        if not self.settings.getbool("AUDITOR_INCREMENTAL", True) and not self.settings.getbool("AUDITOR_RESUME"):
            return
        factory = self._session_factory()
        with factory() as session:
            if self.settings.getbool("AUDITOR_INCREMENTAL", True) or self.settings.getbool("AUDITOR_RESUME"):
                # 304 details and details a resumed run already stored keep their attachments checked
                for url, att in session.execute(select(Item.canonical_url, Attachment.url)
                                                .join(Attachment, Attachment.item_id == Item.id)):
                    self.stored_attachments.setdefault(url, []).append(att)
            if self.settings.getbool("AUDITOR_INCREMENTAL", True):
                rows = session.execute(select(Item.canonical_url, Item.etag, Item.last_modified).where(
                    Item.fetched_at.is_not(None), Item.http_status == 200))
                self.validators = {u: (e, m) for u, e, m in rows if e or m}
                rows = session.execute(select(PageFetch.canonical_url, PageFetch.etag, PageFetch.last_modified,
                                              PageFetch.snapshot_id)
                                       .where(PageFetch.kind.in_(("list", "feed")), PageFetch.snapshot_id.is_not(None),
                                              PageFetch.method == "GET")
                                       .order_by(PageFetch.id))
                for url, etag, lm, snap in rows:
                    if etag or lm:
                        self.page_validators[url] = (etag, lm, snap)
            if self.settings.getbool("AUDITOR_INCREMENTAL", True) and self.settings.getbool("AUDITOR_LIST_DRIVEN",
                                                                                            True):
                self._load_known(session)
            if self.settings.getbool("AUDITOR_RESUME") and self.run_id:
                self.done_details = set(session.scalars(select(PageFetch.canonical_url).where(
                    PageFetch.crawl_run_id == self.run_id, PageFetch.kind == "detail")))
                for kind, url in session.execute(select(LinkCheck.kind, LinkCheck.url).where(
                        LinkCheck.crawl_run_id == self.run_id)):
                    if kind == "detail":
                        self.done_details.add(canonical_url(url))
                    else:
                        self.attachments_checked.add(url)
                for site_id in session.scalars(select(SiteProbe.site_id).where(SiteProbe.crawl_run_id == self.run_id)):
                    self.probed_sites[site_id] = self.probed_sites.get(site_id, 0) + 1

    def _load_known(self, session) -> None:
        """What earlier crawls established: listings per channel, fetched items, columns read whole."""
        for url, title, list_title in session.execute(select(Item.canonical_url, Item.title, Item.list_title).where(
                Item.fetched_at.is_not(None), Item.http_status < 400)):
            self.good[url] = (title or "", list_title or "")
        for url, list_title in session.execute(select(Item.canonical_url, Item.list_title).where(
                Item.detail_state == "offsite")):
            self.good[url] = (list_title or "", list_title or "")
        for channel_id, url, date_text, last in session.execute(
                select(ItemListing.channel_id, Item.canonical_url, ItemListing.list_date_text, ItemListing.last_seen_run)
                .join(Item, Item.id == ItemListing.item_id)):
            self.known.setdefault(channel_id, {})[url] = (date_text, last)
        finished = select(CrawlRun.id).where(CrawlRun.status == "complete", CrawlRun.id != self.run_id)
        latest = (select(ColumnHealth.channel_id, func.max(ColumnHealth.crawl_run_id).label("run"))
                  .where(ColumnHealth.crawl_run_id.in_(finished)).group_by(ColumnHealth.channel_id).subquery())
        rows = session.execute(select(ColumnHealth.channel_id, ColumnHealth.crawl_run_id, ColumnHealth.coverage,
                                      ColumnHealth.coverage_reason)
                               .join(latest, (latest.c.channel_id == ColumnHealth.channel_id)
                                     & (latest.c.run == ColumnHealth.crawl_run_id)))
        for channel_id, run, coverage, reason in rows:
            if coverage == CoverageStatus.COMPLETE:
                m = _BASIS_RE.search(reason or "")
                self.basis[channel_id] = (run, int(m.group(1)) if m else run)
        previous = session.scalar(select(func.max(LinkCheck.crawl_run_id)).where(LinkCheck.crawl_run_id != self.run_id))
        if previous:
            self.recheck_links = list(session.execute(
                select(LinkCheck.kind, LinkCheck.url, LinkCheck.referrer, LinkCheck.site_id).where(
                    LinkCheck.crawl_run_id == previous, LinkCheck.ok.is_(False))))
        self.attempted = set(self.good) | {canonical_url(url) for kind, url, _, _ in self.recheck_links
                                           if kind == "detail"}

    def _snapshot_body(self, snapshot_id: int) -> tuple[bytes, str | None] | None:
        with self._session_factory()() as session:
            snap = session.get(PageSnapshot, snapshot_id)
            if snap is None or snap.truncated:
                return None
            return zlib.decompress(snap.data), snap.content_type

    # ------------------------------------------------------------------ distributed claims
    def _redis_client(self):
        url = self.settings.get("AUDITOR_DISTRIBUTED")
        if not url:
            return None
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(url)
        return self._redis

    def _claim(self, what: str) -> bool:
        """In distributed mode one process owns each column and each site's probes; alone, it owns all."""
        client = self._redis_client()
        if client is None:
            return True
        key = f"auditor:{self.run_id}:claim:{what}"
        return bool(client.set(key, "1", nx=True, ex=7 * 86400))

    # ------------------------------------------------------------------ requests
    def _meta(self, site_id: str | None, **meta: Any) -> dict[str, Any]:
        meta["site_id"] = site_id
        if site_id and site_id in self.robots_ignore:
            meta["dont_obey_robotstxt"] = True
        return meta

    def _probe_request(self, site: Site, round_no: int) -> scrapy.Request:
        self.probes_in_flight += 1
        return scrapy.Request(site.home_url, callback=self.parse_home, errback=self.home_failed, dont_filter=True,
                              priority=100, meta=self._meta(site.id, local=True, dont_retry=True, probe=round_no,
                                                            kind="home"))

    async def start(self):  # Scrapy ≥ 2.13
        for request in self.start_requests_list():
            yield request

    def start_requests(self):  # older Scrapy
        yield from self.start_requests_list()

    def start_requests_list(self) -> list[scrapy.Request]:
        self.robots_ignore = dict(json.loads(self.settings.get("AUDITOR_ROBOTS_IGNORE") or "{}"))
        for site_id, reason in self.robots_ignore.items():
            self.crawler.stats.set_value(f"robots_ignored/{site_id}", reason)
        self.probe_rounds = max(1, self.settings.getint("AUDITOR_PROBES", 3))
        self._load_state()
        sites, channels = self._load_targets()
        self.sites = sites  # PolitenessMiddleware reads each site's rate and budget from them
        extra = json.loads(self.settings.get("AUDITOR_SCOPE_EXTRA") or "[]")
        self.scope = Scope.of(sites, channels, extra)
        site_ids = {c.site_id for c in channels}
        platforms = {s.id: s.platform for s in sites}
        requests: list[scrapy.Request] = []
        # a resumed run makes only the probe rounds the stopped session did not
        self.probe_sites = [s for s in sites if s.id in site_ids and self.probed_sites.get(s.id, 0) < self.probe_rounds
                            and self._claim(f"probe:{s.id}")]
        if self.probe_sites and self.probed_sites:
            self.probe_rounds -= min(self.probed_sites.get(s.id, 0) for s in self.probe_sites)
        for site in self.probe_sites:
            requests.append(self._probe_request(site, 1))
        self.probe_rounds_done = 1
        by_url: dict[str, list[Channel]] = defaultdict(list)
        for ch in channels:
            by_url[ch.url].append(ch)
        for url, chans in by_url.items():
            if not self._claim(f"column:{url}"):
                continue
            first = chans[0]
            state = ColumnState(url=url, channel_ids=[c.id for c in chans], site_id=first.site_id,
                                feed=first.code == "NEWMEDIA")
            bases = [self.basis.get(c.id) for c in chans]
            if first.code != "NEWMEDIA" and bases and all(bases):  # read whole last time: page until known
                state.sequential = True
                state.prev_run = max(b[0] for b in bases)
                state.basis_run = min(b[1] for b in bases)
            self.columns[url] = state
            platform = first.platform if first.platform != "auto" else platforms.get(first.site_id or "", "auto")
            feed = first.code == "NEWMEDIA"
            meta = self._meta(first.site_id, column=url, platform=platform, first=True, local=True,
                              kind="feed" if feed else "list")
            requests.append(self._conditional(scrapy.Request(
                url, callback=self.parse_feed if feed else self.parse_list, errback=self.list_failed,
                dont_filter=True, priority=50, meta=meta), self.page_validators.get(canonical_url(url))))
        requests.extend(self._revalidations())
        return requests

    def _revalidations(self) -> Iterator[scrapy.Request]:
        """Tonight's share of known details (deterministic rotation by URL hash and day number), and the
        links that failed in the previous crawl: a deletion, an edit or a dead link needs a fetch."""
        if not self.known:
            return
        days = max(1, self.settings.getint("AUDITOR_REVALIDATE_DAYS", 30))
        day = self.settings.getint("AUDITOR_DAY", 0) or date.today().toordinal()
        for state in self.columns.values():
            if state.feed:
                continue
            for channel_id in state.channel_ids:
                for key in self.known.get(channel_id, {}):
                    if key in self.rotated or key not in self.good or key in self.done_details:
                        continue
                    if zlib.crc32(key.encode("utf-8")) % days != day % days or not self.scope.allows(key):
                        continue
                    self.rotated.add(key)
                    self.crawler.stats.inc_value("incremental/revalidated")
                    yield self._conditional(
                        scrapy.Request(key, callback=self.parse_detail, errback=self.detail_failed, priority=10,
                                       meta=self._meta(state.site_id, referrer=state.url, kind="detail")),
                        self.validators.get(key))
        for kind, url, referrer, site_id in self.recheck_links:
            if not self.scope.allows(url):
                continue
            if kind == "attachment":
                yield from self._check_attachment(url, site_id, referrer or "")
            elif (key := canonical_url(url)) not in self.rotated and key not in self.done_details:
                self.rotated.add(key)
                self.crawler.stats.inc_value("incremental/rechecked_failed")
                yield scrapy.Request(url, callback=self.parse_detail, errback=self.detail_failed, priority=10,
                                     meta=self._meta(site_id, referrer=referrer, kind="detail"))

    def _conditional(self, request: scrapy.Request, validators: tuple | None) -> scrapy.Request:
        """Ask only for a changed page when we hold its validators (the server may answer 304)."""
        if not validators:
            return request
        etag, last_modified = validators[0], validators[1]
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        request.meta["conditional"] = True
        request.meta["handle_httpstatus_list"] = [304]
        if len(validators) > 2:
            request.meta["snapshot_id"] = validators[2]
        return request

    def _unconditional(self, request: scrapy.Request) -> scrapy.Request:
        meta = {k: v for k, v in request.meta.items() if k not in {"conditional", "handle_httpstatus_list",
                                                                   "snapshot_id"} and not k.startswith("download_")}
        headers = {k: v for k, v in request.headers.items() if k not in {b"If-None-Match", b"If-Modified-Since"}}
        return request.replace(headers=headers, meta=meta, dont_filter=True)

    def _next_probe_round(self) -> Iterator[scrapy.Request]:
        """Several reachability probes per site and run: a round starts when the previous one is in."""
        self.probes_in_flight -= 1
        if self.probes_in_flight or self.probe_rounds_done >= self.probe_rounds:
            return
        self.probe_rounds_done += 1
        for site in self.probe_sites:
            yield self._probe_request(site, self.probe_rounds_done)

    # ------------------------------------------------------------------ evidence
    def _fetch_item(self, response: Response, kind: str, *, outcome: str = "ok",
                    with_body: bool = True) -> PageFetchItem:
        meta = response.meta
        redirects = []
        for url, status in zip(meta.get("redirect_urls", []), meta.get("redirect_reasons", [])):
            redirects.append({"url": url, "status": status})
        cap = self.settings.getint("AUDITOR_SNAPSHOT_MAXSIZE", 2 * 1024 * 1024)
        body = response.body if with_body and response.status != 304 else None
        truncated = bool(body is not None and len(body) > cap)
        return PageFetchItem(url=response.request.url if not redirects else redirects[0]["url"], kind=kind,
                             final_url=response.url, http_status=response.status,
                             method=response.request.method, outcome=outcome, redirects=redirects,
                             body=body[:cap] if body is not None else None, truncated=truncated,
                             content_type=_header(response, b"Content-Type"),
                             etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                             elapsed_ms=_elapsed_ms(meta), site_id=meta.get("site_id"))

    def _failed_fetch_item(self, failure: Failure, kind: str, outcome: str) -> PageFetchItem:
        request = failure.request
        status, error = _failure_info(failure)
        return PageFetchItem(url=request.url, kind=kind, final_url=request.url, http_status=status,
                             method=request.method, outcome=outcome, elapsed_ms=_elapsed_ms(request.meta),
                             site_id=request.meta.get("site_id"),
                             redirects=[{"error": error}])

    # ------------------------------------------------------------------ site probes
    def parse_home(self, response: Response) -> Iterator[Any]:
        yield from self._next_probe_round()
        text = self._text(response)
        blocked = looks_blocked(response.status, text)
        dates = [m.date for m in find_dates(text) if m.date <= date.today()] if not blocked else []
        item = self._fetch_item(response, "home", outcome="blocked" if blocked else "ok")
        yield SiteProbeItem(site_id=response.meta["site_id"], url=response.url, ok=not blocked,
                            http_status=response.status, elapsed_ms=item.elapsed_ms,
                            error="blocked: access-control/WAF challenge page" if blocked else None,
                            home_latest_date=max(dates) if dates else None)
        if response.meta.get("probe") == 1:
            yield item  # one snapshot of the home page per run is evidence enough

    def home_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._next_probe_round()
        request = failure.request
        if failure.check(NotArchived):  # a saved copy without its home page says nothing of reachability
            self.crawler.stats.inc_value("replay/not_archived_home")
            return
        status, error = _failure_info(failure)
        if looks_blocked(status) or error.startswith("robots"):
            error = f"blocked: {error}"
        yield SiteProbeItem(site_id=request.meta["site_id"], url=request.url, ok=False, http_status=status,
                            elapsed_ms=_elapsed_ms(request.meta), error=error, home_latest_date=None)

    # ------------------------------------------------------------------ lists
    def _text(self, response: Response) -> str:
        declared = None
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        m = re.search(r"charset=([\w-]+)", ctype)
        if m:
            declared = m.group(1)
        return decode_html(response.body, declared)[0]

    def _from_snapshot(self, response: Response) -> Response | None:
        """A 304 list page or feed: its stored snapshot stands in for the body."""
        snap = response.meta.get("snapshot_id")
        found = self._snapshot_body(snap) if snap else None
        if found is None:
            return None
        body, ctype = found
        headers = {"Content-Type": ctype} if ctype else {}
        return Response(response.url, status=200, headers=headers, body=body, request=response.request)

    def _list_response(self, response: Response, kind: str) -> tuple[Response | None, list[Any]]:
        """(response to parse, evidence items); (None, …) when a 304 page must be fetched in full."""
        if response.status == 304:
            cached = self._from_snapshot(response)
            if cached is None:
                return None, []
            self.crawler.stats.inc_value("incremental/list_not_modified")
            return cached, [self._fetch_item(response, kind, outcome="not_modified")]
        return response, [self._fetch_item(response, kind,
                                           outcome="blocked" if body_blocked(response.status, response.body) else "ok")]

    def parse_list(self, response: Response) -> Iterator[Any]:
        state = self.columns[response.meta["column"]]
        parsed, evidence = self._list_response(response, "list")
        if parsed is None:
            yield self._unconditional(response.request)
            return
        yield from evidence
        try:
            yield from self._parse_list(state, parsed)
        except NotAListPage as exc:  # a navigation page registered as a column: failed, with its sub-columns
            if response.meta.get("first"):
                state.first_failed = True
            else:
                state.failed_pages += 1
            state.error = state.error or str(exc)[:500]
            yield from self._column_done(state)
        except Exception as exc:  # noqa: BLE001 - crawled pages are hostile: a page we cannot parse is a crawl-health fact, not an empty column
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
        if looks_blocked(response.status, text):
            state.blocked = True
            state.http_status = response.status
            state.error = state.error or f"blocked: access-control/WAF challenge page at {response.url}"
            yield from self._column_done(state)
            return
        name = response.meta.get("platform") or "auto"
        adapter = get_adapter(name) if name != "auto" else detect_adapter(response.url, text)
        page = adapter.parse_list(response.url, text)
        state.adapter = page.adapter
        state.pages += 1
        state.listed += len(page.entries)
        if response.meta.get("first"):
            said = declared_size(text)
            state.declared_total = page.declared_total if page.declared_total is not None else said.total_items
            state.declared_pages = said.total_pages or page.total_pages  # what the page states beats a link count
            if page.pager_unread and not page.next_requests:  # a pager we could not follow: not read whole
                state.pages_skipped += 1
                state.not_read.append(f"分页链接无法解析（{page.pager_unread[:80]}）")
            state.declared_evidence = said.evidence
        all_known = bool(page.entries)
        for entry in page.entries:
            all_known = self._listed_before(state, entry.url, entry.date_text) and all_known
            yield from self._listing(state, entry.url, entry.title, entry.date_text, response.url)
        if response.meta.get("first"):
            for spec in page.next_requests:
                if not self.scope.allows(spec.url):
                    state.pages_skipped += 1
                    state.not_read.append(f"站外分页链接（{self.scope.host(spec.url)}），未跟随")
                    self.crawler.stats.inc_value("scope/offsite_list_pages")
                    continue
                if state.sequential:
                    state.queue.append((spec, page.adapter))
                else:
                    yield self._page_request(state, (spec, page.adapter))
        if state.sequential:
            page_no = response.meta.get("page_no", 1)
            if all_known and state.queue:  # everything further was read whole by an earlier crawl
                state.stopped_after = page_no
                state.unread_pages = len(state.queue)
                state.queue.clear()
                self.crawler.stats.inc_value("incremental/list_pages_not_reread", state.unread_pages)
                yield self._carry(state)
            elif state.queue:
                yield self._page_request(state, state.queue.pop(0), page_no + 1)
        yield from self._column_done(state)

    def _page_request(self, state: ColumnState, queued: tuple[Any, str], page_no: int = 0) -> scrapy.Request:
        spec, adapter = queued
        state.pending += 1
        meta = self._meta(state.site_id, column=state.url, platform=adapter, first=False, local=True,
                          kind="list", page_no=page_no)
        if spec.method.upper() == "POST":
            return scrapy.FormRequest(spec.url, formdata=spec.formdata or {}, callback=self.parse_list,
                                      errback=self.list_failed, meta=meta, dont_filter=True, priority=40)
        return self._conditional(
            scrapy.Request(spec.url, callback=self.parse_list, errback=self.list_failed, meta=meta,
                           dont_filter=True, priority=40),
            self.page_validators.get(canonical_url(spec.url)))

    def _listed_before(self, state: ColumnState, url: str, date_text: str | None) -> bool:
        """Listed in this column by an earlier crawl with the same listing date, and its detail fetched (or
        found dead) then: an entry whose detail page was never fetched is not yet known."""
        key = canonical_url(url)
        return key in self.attempted and any((rec := self.known.get(ch, {}).get(key)) is not None and rec[0] == date_text
                   for ch in state.channel_ids)

    def _carry(self, state: ColumnState) -> CarriedListingsItem:
        """The column's listings of its previous crawl not re-read tonight stay listed (basis recorded)."""
        seen = {canonical_url(u) for u in state.seen}
        urls = sorted({key for ch in state.channel_ids for key, (_, last) in self.known.get(ch, {}).items()
                       if last == state.prev_run and key not in seen})
        state.carried = len(urls)
        return CarriedListingsItem(channel_ids=state.channel_ids, urls=urls)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        state = self.columns[response.meta["column"]]
        parsed, evidence = self._list_response(response, "feed")
        if parsed is None:
            yield self._unconditional(response.request)
            return
        yield from evidence
        try:
            yield from self._parse_feed(state, parsed)
        except Exception as exc:  # noqa: BLE001 - crawled feeds are hostile: an unparsable feed is a failed column
            self.logger.warning("cannot parse feed %s: %r", response.url, exc)
            state.first_failed = True
            state.error = f"parse error: {exc!r}"[:500]
            yield from self._column_done(state)

    def _parse_feed(self, state: ColumnState, response: Response) -> Iterator[Any]:
        text = self._text(response)
        if looks_blocked(response.status, text):
            state.blocked = True
            state.error = f"blocked: access-control/WAF challenge page at {response.url}"
            yield from self._column_done(state)
            return
        state.adapter = "feed"
        state.pages += 1
        for entry in parse_feed(response.url, text):
            if entry.url in state.seen:
                continue
            state.seen.add(entry.url)
            # the feed's date, read once: the listing keeps the list-date reading of its text (parse_date,
            # as for list pages); the entry's publish date and the column's dates also read RFC 822
            listed = parse_date(entry.date_text)
            d = listed if listed is not None else rfc822_date(entry.date_text)
            self._note_date(state, d)
            yield ListingItem(url=entry.url, channel_ids=state.channel_ids, site_id=None, list_title=entry.title,
                              list_date_text=entry.date_text, list_date=listed)
            yield DetailItem(url=entry.url, final_url=entry.url, site_id=None, http_status=response.status,
                             title=Field(entry.title, "feed", entry.title),
                             publish_date=Field(d, "feed", entry.date_text))
        yield from self._column_done(state)

    @staticmethod
    def _note_date(state: ColumnState, d: date | None) -> None:
        """Count a listed entry's date (already parsed) into the column's undated count and latest date."""
        if d is None:
            state.undated += 1
        elif state.latest is None or d > state.latest:
            state.latest = d

    def _listing(self, state: ColumnState, url: str, title: str, date_text: str | None,
                 referrer: str) -> Iterator[Any]:
        if url in state.seen:
            return
        state.seen.add(url)
        listed = parse_date(date_text)  # the list date's one reading: column health and the store use it
        self._note_date(state, listed)
        yield ListingItem(url=url, channel_ids=state.channel_ids, site_id=state.site_id, list_title=title,
                          list_date_text=date_text, list_date=listed)
        first_time = url not in self.listings
        self.listings[url].update(state.channel_ids)
        if not first_time:
            return
        if not self.scope.allows(url):  # recorded as listed, not fetched: not ours to judge, not a dead link
            self.crawler.stats.inc_value("scope/offsite_details")
            yield ListingItem(url=url, channel_ids=state.channel_ids, site_id=state.site_id, list_title=title,
                              list_date_text=date_text, list_date=listed, detail_state="offsite")
            return
        key = canonical_url(url)
        if key in self.done_details:
            self.crawler.stats.inc_value("resume/details_skipped")
            # a kill between the detail and its attachment checks: check what this run has not yet
            for att in self.stored_attachments.get(key, []):
                yield from self._check_attachment(att, state.site_id, url)
            return
        if key in self.rotated:  # already asked for tonight (revalidation share)
            return
        if key in self.good and title in self.good[key] and self._listed_before(state, url, date_text):
            self.crawler.stats.inc_value("incremental/detail_known_unchanged")  # last-seen facts stand
            return
        yield self._conditional(
            scrapy.Request(url, callback=self.parse_detail, errback=self.detail_failed, priority=10,
                           meta=self._meta(state.site_id, referrer=referrer, kind="detail", from_column=state.url)),
            self.validators.get(key))

    def list_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        state = self.columns[request.meta["column"]]
        if failure.check(BudgetExhausted):  # carried to the next night: the column is partial, not failed
            state.budget_out = True
            state.pages_skipped += 1 + len(state.queue)
            state.not_read.extend([BUDGET_REASON] * (1 + len(state.queue)))
            state.queue.clear()
            yield from self._column_done(state)
            return
        if failure.check(NotArchived):  # a replayed copy lacks the page: unverified, not a site failure
            self.crawler.stats.inc_value("replay/not_archived_list_pages")
            state.pages_skipped += 1
            state.not_read.append(f"存档副本未保存该页（{request.url}）")
            if request.meta.get("first"):
                state.first_failed = True
                state.error = f"not archived: {request.url}"
            yield from self._column_done(state)
            return
        status, error = _failure_info(failure)
        blocked = looks_blocked(status) or error.startswith("robots")
        yield self._failed_fetch_item(failure, request.meta.get("kind", "list"), "blocked" if blocked else "error")
        state.failed_pages += 1
        if request.meta.get("first"):
            state.first_failed = True
            state.http_status = status
            state.error = f"blocked: {error}" if blocked else error
        elif state.error is None:
            state.error = f"page {request.url}: {error}"
        if blocked:
            state.blocked = True
        if state.sequential and state.queue and not request.meta.get("first"):
            yield self._page_request(state, state.queue.pop(0), request.meta.get("page_no", 1) + 1)
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
        elif state.failed_pages or state.pages_skipped:
            status = "partial"
        else:
            status = "ok"
        if state.error and state.error.startswith("not archived"):
            status = "not_archived"  # the copy lacks the column's first page: nothing seen, no site failure
        entries = len(state.seen) + state.carried
        cov = judge_coverage(read_first=not (state.first_failed or state.blocked), pages_read=state.pages
                             + state.unread_pages, pages_failed=state.failed_pages, pages_skipped=state.pages_skipped,
                             entries=entries, listed=state.listed + state.carried,
                             declared_total=state.declared_total,
                             declared_pages=state.declared_pages, declared_evidence=state.declared_evidence,
                             not_read=state.not_read, error=state.error)
        if state.budget_out and state.pages == 0 and not state.first_failed:
            status = "partial"
            cov = Coverage(CoverageStatus.PARTIAL, f"{BUDGET_REASON}：本栏目今晚未读取，顺延至下一晚", cov.share_seen)
        elif cov.coverage == CoverageStatus.COMPLETE and state.stopped_after is not None:
            cov = Coverage(cov.coverage, f"增量：第{state.stopped_after + 1}页起均为已知条目"
                                         f"（上次完整读取于 run {state.basis_run}）", cov.share_seen)
        if state.budget_out:
            self.crawler.stats.inc_value("budget/columns_unfinished")
        self.crawler.stats.inc_value(f"coverage/{cov.coverage}")
        yield ColumnHealthItem(channel_ids=state.channel_ids, url=state.url, status=status,
                               http_status=state.http_status, error=state.error, entries=entries,
                               pages=state.pages, undated_entries=state.undated,
                               latest_date=state.latest, adapter=state.adapter,
                               coverage=cov.coverage, coverage_reason=cov.reason,
                               declared_total=state.declared_total, declared_pages=state.declared_pages,
                               pages_failed=state.failed_pages, pages_skipped=state.pages_skipped,
                               share_seen=cov.share_seen)

    # ------------------------------------------------------------------ details
    def _check_attachment(self, url: str, site_id: str | None, referrer: str) -> Iterator[scrapy.Request]:
        if url and url not in self.attachments_checked and not self.scope.allows(url):
            self.attachments_checked.add(url)
            self.crawler.stats.inc_value("scope/offsite_attachments")  # another host's file: not checked
            return
        if url and url not in self.attachments_checked:
            self.attachments_checked.add(url)
            yield scrapy.Request(url, method="HEAD", callback=self.attachment_ok, errback=self.attachment_failed,
                                 priority=5, meta=self._meta(site_id, referrer=referrer, kind="attachment"))

    def parse_detail(self, response: Response) -> Iterator[Any] | AsyncIterator[Any]:
        """A fetched detail page: its item (extracted here, or by a worker process with
        AUDITOR_EXTRACT_WORKERS), its evidence, then its attachment checks.

        Inline extraction is a plain generator: Scrapy passes a plain generator's output through its
        spider middlewares more cheaply than an async generator's, on every detail page."""
        if self._extract_pool() is None:
            return self._parse_detail_inline(response)
        return self._parse_detail_offloaded(response)

    def _parse_detail_inline(self, response: Response) -> Iterator[Any]:
        job = yield from self._detail_head(response)
        if job is not None:
            evidence, args, kwargs = job
            yield from self._detail_tail(response, extract_item(*args, **kwargs), evidence)

    async def _parse_detail_offloaded(self, response: Response) -> AsyncIterator[Any]:
        import asyncio

        head = self._detail_head(response)
        while True:
            try:
                yield next(head)
            except StopIteration as stop:
                job = stop.value
                break
        if job is not None:
            evidence, args, kwargs = job
            item = await asyncio.wrap_future(self._extract_pool().submit(extract_item, *args, **kwargs))
            for out in self._detail_tail(response, item, evidence):
                yield out

    def _detail_head(self, response: Response) -> Generator[Any, None, tuple | None]:
        """What a 304 or a blocked page yields (returns None), else (evidence, extract_item's arguments)."""
        site_id = response.meta.get("site_id")
        if response.status == 304:  # unchanged since the stored fetch: the stored item stands
            self.crawler.stats.inc_value("incremental/detail_not_modified")
            yield NotModifiedItem(url=response.request.url, site_id=site_id)
            yield self._fetch_item(response, "detail", outcome="not_modified")  # last: resume marks it done
            for att in self.stored_attachments.get(canonical_url(response.request.url), []):
                yield from self._check_attachment(att, site_id, response.request.url)
            return None
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
        declared = (re.search(r"charset=([\w-]+)", ctype) or [None, None])[1]
        if body_blocked(response.status, response.body):
            self.crawler.stats.inc_value("blocked/detail")
            yield LinkCheckItem(url=response.request.url, referrer=response.meta.get("referrer"), kind="detail",
                                ok=False, http_status=response.status,
                                error="blocked: access-control/WAF challenge page", site_id=site_id)
            yield self._fetch_item(response, "detail", outcome="blocked")
            return None
        evidence = self._fetch_item(response, "detail")
        kwargs = {"url": response.request.url, "final_url": response.url, "site_id": site_id,
                  "http_status": response.status, "etag": _header(response, b"ETag"),
                  "last_modified": _header(response, b"Last-Modified")}
        return evidence, (response.body, declared), kwargs

    def _detail_tail(self, response: Response, item: DetailItem, evidence: PageFetchItem) -> Iterator[Any]:
        yield item
        yield evidence  # after the item: a crawl resumed after a kill trusts only what has its fetch record
        for att in item.attachments:
            yield from self._check_attachment(att.url, response.meta.get("site_id"), response.request.url)

    def _extract_pool(self):
        if self._pool is None:
            from auditor.harvest.offload import make_pool

            workers = self.settings.getint("AUDITOR_EXTRACT_WORKERS", 0)
            self._pool = make_pool(workers) or False
            if self._pool:
                self.crawler.signals.connect(self._close_pool, signal=signals.spider_closed)
        return self._pool or None

    def closed(self, reason: str) -> None:
        """Columns whose new details the budget carried to the next night are not complete tonight (their
        health rows are written before the details are; the pipeline has committed when this runs)."""
        if not self.budget_columns or not self.run_id:
            return
        with self._session_factory()() as session:
            for url, n in self.budget_columns.items():
                for h in session.scalars(select(ColumnHealth).where(ColumnHealth.crawl_run_id == self.run_id,
                                                                    ColumnHealth.url == url)):
                    why = f"{BUDGET_REASON}：{n}个新条目的详情页顺延至下一晚"
                    if h.coverage == CoverageStatus.COMPLETE:
                        h.coverage, h.coverage_reason = CoverageStatus.PARTIAL.value, why
                    elif why not in (h.coverage_reason or ""):
                        h.coverage_reason = f"{h.coverage_reason}；{why}" if h.coverage_reason else why
            session.commit()

    def _close_pool(self, spider=None) -> None:
        if self._pool:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def detail_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        if failure.check(BudgetExhausted):  # not fetched tonight: carried to the next night, never dead
            column = request.meta.get("from_column")
            if column:
                self.budget_columns[column] = self.budget_columns.get(column, 0) + 1
            yield ListingItem(url=request.url, channel_ids=[], site_id=request.meta.get("site_id"), list_title="",
                              list_date_text=None, detail_state="budget")
            return
        if failure.check(NotArchived):  # listed, but the saved copy lacks it: unverified, never a dead link
            self.crawler.stats.inc_value("replay/not_archived_details")
            yield ListingItem(url=request.url, channel_ids=[], site_id=request.meta.get("site_id"), list_title="",
                              list_date_text=None, detail_state="not_archived")
            return
        status, error = _failure_info(failure)
        blocked = looks_blocked(status) or error.startswith("robots")
        if blocked:
            self.crawler.stats.inc_value("blocked/detail")
            error = f"blocked: {error}"
        yield LinkCheckItem(url=request.url, referrer=request.meta.get("referrer"), kind="detail", ok=False,
                            http_status=status, error=error, site_id=request.meta.get("site_id"))
        yield self._failed_fetch_item(failure, "detail", "blocked" if blocked else "error")

    def attachment_ok(self, response: Response) -> Iterator[LinkCheckItem]:
        yield LinkCheckItem(url=response.request.url, referrer=response.meta.get("referrer"), kind="attachment",
                            ok=True, http_status=response.status, error=None, site_id=response.meta.get("site_id"))

    def attachment_failed(self, failure: Failure) -> Iterator[LinkCheckItem]:
        request = failure.request
        if failure.check(NotArchived, BudgetExhausted):
            self.crawler.stats.inc_value("replay/not_archived_attachments" if failure.check(NotArchived)
                                         else "budget/attachments_carried")
            return
        status, error = _failure_info(failure)
        if looks_blocked(status) or error.startswith("robots"):
            error = f"blocked: {error}"
        yield LinkCheckItem(url=request.url, referrer=request.meta.get("referrer"), kind="attachment", ok=False,
                            http_status=status, error=error, site_id=request.meta.get("site_id"))
