"""Scrapy items (dataclasses): facts as seen, never judgements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ListingItem:
    """An item link seen on a channel's list page (or in a feed)."""

    url: str
    channel_ids: list[int]
    site_id: str | None
    list_title: str
    list_date_text: str | None
    detail_state: str | None = None  # offsite | not_archived: the detail page is not fetched, and why


@dataclass
class DetailItem:
    """What a detail page says about itself, each field with its source and raw text."""

    url: str
    final_url: str
    site_id: str | None
    http_status: int
    title: str
    fields: dict[str, Any]  # name -> {"value": str|None, "source": str|None, "raw": str|None}
    attachments: list[dict[str, str | None]] = field(default_factory=list)
    body_hash: str | None = None
    body_excerpt: str = ""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class ColumnHealthItem:
    channel_ids: list[int]
    url: str
    status: str  # ok | partial | failed | blocked
    http_status: int | None
    error: str | None
    entries: int
    pages: int
    undated_entries: int
    latest_date: str | None
    adapter: str | None
    coverage: str | None = None  # complete | partial | failed
    coverage_reason: str | None = None
    declared_total: int | None = None
    declared_pages: int | None = None
    pages_failed: int = 0
    pages_skipped: int = 0
    share_seen: float | None = None
    details_fetched: int = 0
    details_failed: int = 0
    details_skipped: int = 0


@dataclass
class SiteProbeItem:
    site_id: str
    url: str
    ok: bool
    http_status: int | None
    elapsed_ms: float | None
    error: str | None
    home_latest_date: str | None


@dataclass
class LinkCheckItem:
    url: str
    referrer: str | None
    kind: str  # detail | attachment
    ok: bool
    http_status: int | None
    error: str | None
    site_id: str | None


@dataclass
class PageFetchItem:
    """One fetched page as evidence: bytes (capped), final URL, redirect chain, validators, timing."""

    url: str
    kind: str  # home | list | detail | feed
    final_url: str
    http_status: int | None
    method: str = "GET"
    outcome: str = "ok"  # ok | not_modified | blocked | error
    redirects: list[dict[str, Any]] = field(default_factory=list)
    body: bytes | None = None  # None for a 304 (the stored snapshot stands) or a failure
    truncated: bool = False
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    elapsed_ms: float | None = None
    site_id: str | None = None


@dataclass
class NotModifiedItem:
    """A detail page answered 304 to a conditional request: the stored item stands, seen in this run."""

    url: str
    site_id: str | None


@dataclass
class CarriedListingsItem:
    """A column whose paging stopped early on a re-crawl (everything further was already known and the
    column was read whole before): its listings not re-read tonight still count as listed in this run.
    Their item facts (fetched_at, title, dates) stay as last seen."""

    channel_ids: list[int]
    urls: list[str]
