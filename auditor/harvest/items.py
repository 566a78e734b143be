"""Scrapy items (dataclasses): facts as seen, never judgements.

Items carry typed values (dates as `date`, extracted fields as `Field(value, source, raw)`, attachments
as `Attachment`) from where the page is read to the store pipeline, which writes them as they are: a
value is parsed once, where it is read from the page, and never re-parsed from its text downstream.
Items are plain module-level dataclasses of picklable values, so a worker process can build one
(`offload.extract_item`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from auditor.harvest.coverage import CoverageStatus
from auditor.harvest.extract.model import JSON_SCALAR_FIELDS, Attachment, DetailExtract, Field

# The extracted fields a detail item carries (and the store keeps, each with its provenance).
DETAIL_FIELDS: tuple[str, ...] = JSON_SCALAR_FIELDS


@dataclass
class ListingItem:
    """An item link seen on a channel's list page (or in a feed)."""

    url: str
    channel_ids: list[int]
    site_id: str | None
    list_title: str
    list_date_text: str | None  # the date as the list printed it (kept: it is the evidence)
    list_date: date | None = None  # that date, parsed once by the spider (None: no date or unreadable)
    detail_state: str | None = None  # offsite | not_archived | budget: the detail page is not fetched, and why


@dataclass
class DetailItem:
    """What a detail page says about itself: each field typed as extracted, with its source and raw text.

    A field left None was not looked for (a feed entry gives a title and a date only); a `Field()` with
    no value was looked for and not found. The store keeps the provenance of the fields looked for."""

    url: str
    final_url: str
    site_id: str | None
    http_status: int
    title: Field
    publish_date: Field | None = None  # value: date | None
    written_date: Field | None = None  # value: date | None
    index_no: Field | None = None
    publisher: Field | None = None
    source: Field | None = None
    doc_no: Field | None = None
    category: Field | None = None
    validity: Field | None = None
    attachments: list[Attachment] = field(default_factory=list)
    body_hash: str | None = None
    body_excerpt: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_extract(cls, extract: DetailExtract, *, url: str, final_url: str, site_id: str | None,
                     http_status: int, etag: str | None = None, last_modified: str | None = None) -> DetailItem:
        """The item of an extracted page: its typed fields as they are, the body as hash and excerpt only."""
        text = extract.body_text.value
        return cls(url=url, final_url=final_url, site_id=site_id, http_status=http_status,
                   **{name: getattr(extract, name) for name in DETAIL_FIELDS},
                   attachments=list(extract.attachments), body_hash=extract.body_hash,
                   body_excerpt=text[:500] if isinstance(text, str) else "", etag=etag, last_modified=last_modified)

    def fields(self) -> dict[str, Field]:
        """The fields looked for, by name, in DETAIL_FIELDS order."""
        return {name: f for name in DETAIL_FIELDS if (f := getattr(self, name)) is not None}


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
    latest_date: date | None
    adapter: str | None
    coverage: CoverageStatus | None = None
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
    home_latest_date: date | None


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
