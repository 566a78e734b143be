"""SQLAlchemy 2 models: the facts harvest writes, and the judgements match/score derive from them.

Facts (units, channels, items, crawl health) and judgements (matches, findings, scores) live in
separate tables so matching and scoring can be re-run without re-crawling; every audit run keeps its
own matches, findings and scores, which gives scores a history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district: Mapped[str] = mapped_column(String(64))
    district_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # department | subdistrict
    level: Mapped[str] = mapped_column(String(10))  # 区级 | 乡级
    domains_lead: Mapped[list[Any]] = mapped_column(JSON, default=list)
    domains_share: Mapped[list[Any]] = mapped_column(JSON, default=list)
    contact: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the unit's own published catalog {file, url, date} (registry `catalog:`); None: national rows apply
    catalog: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)

    channels: Mapped[list[Channel]] = relationship(back_populates="unit", cascade="all, delete-orphan")


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(500))
    home_url: Mapped[str] = mapped_column(String(500))
    platform: Mapped[str] = mapped_column(String(40), default="auto")
    owner_unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hosts: Mapped[list[Any]] = mapped_column(JSON, default=list)  # extra host names the site owns (crawl scope)
    rate: Mapped[float | None] = mapped_column(Float, nullable=True)  # requests/s per host (None: crawl default)
    budget: Mapped[int | None] = mapped_column(Integer, nullable=True)  # requests per night (None: crawl default)


class Channel(Base):
    """One place where a unit publishes: a column of a website, a feed, or a platform."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("unit_id", "url", name="uq_channel_unit_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    code: Mapped[str] = mapped_column(String(20))  # canonical channel code: WEBSITE, NEWMEDIA, PLATFORM …
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    column_path: Mapped[str] = mapped_column(String(500), default="")
    column_kind: Mapped[str] = mapped_column(String(20), default="catalog")  # catalog|news|notice|other|feed
    domain: Mapped[str | None] = mapped_column(String(40), nullable=True)
    platform: Mapped[str] = mapped_column(String(40), default="auto")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once removed from the registry

    unit: Mapped[Unit] = relationship(back_populates="channels")


class CatalogEntryRow(Base):
    """Snapshot of a catalog entry so findings can name the row as it was when scored."""

    __tablename__ = "catalog_entries"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    catalog_version: Mapped[str] = mapped_column(String(40))
    domain: Mapped[str] = mapped_column(String(40))
    level1: Mapped[str] = mapped_column(String(200))
    level2: Mapped[str] = mapped_column(String(200))
    time_limit: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(10))
    levels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|complete|failed
    registry_path: Mapped[str] = mapped_column(String(500), default="")
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Item(Base):
    """A harvested published item, keyed by canonical URL so re-crawls update instead of duplicating."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(1000), unique=True)
    site_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")
    list_title: Mapped[str] = mapped_column(Text, default="")
    publish_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    publish_date_source: Mapped[str | None] = mapped_column(String(40), nullable=True)
    publish_date_raw: Mapped[str | None] = mapped_column(String(200), nullable=True)
    written_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    written_date_source: Mapped[str | None] = mapped_column(String(40), nullable=True)
    written_date_raw: Mapped[str | None] = mapped_column(String(200), nullable=True)
    index_no: Mapped[str | None] = mapped_column(String(200), nullable=True)
    publisher: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # 来源 as printed (a website or medium is kept here, never as the publisher); migration 0010_fair
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    doc_no: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    validity: Mapped[str | None] = mapped_column(String(100), nullable=True)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body_excerpt: Mapped[str] = mapped_column(Text, default="")
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_seen_run: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_seen_run: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # why a listed item has no fetched detail page: offsite | not_archived (None: fetched or failed)
    detail_state: Mapped[str | None] = mapped_column(String(20), nullable=True)

    attachments: Mapped[list[Attachment]] = relationship(back_populates="item", cascade="all, delete-orphan")
    listings: Mapped[list[ItemListing]] = relationship(back_populates="item", cascade="all, delete-orphan")


class ItemListing(Base):
    """Where an item was listed: which channel (column or feed) of which unit."""

    __tablename__ = "item_listings"
    __table_args__ = (UniqueConstraint("item_id", "channel_id", name="uq_listing"),
                      Index("ix_item_listings_channel", "channel_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    list_date_text: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # the list date parsed once, where it was read (harvest); None when the list shows no readable date
    list_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_seen_run: Mapped[int | None] = mapped_column(Integer, nullable=True)

    item: Mapped[Item] = relationship(back_populates="listings")
    channel: Mapped[Channel] = relationship()


def listed_date(listings: Iterable[Any]) -> date | None:
    """The date the first dated listing showed (`list_date`, parsed once by harvest), or None.

    For readers of an item's listings (ORM rows or plain rows with `list_date`), in their order: the one
    place a listing date is read, so no reader parses `list_date_text` again."""
    return next((d for listing in listings if (d := listing.list_date) is not None), None)


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("item_id", "url", name="uq_attachment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    name: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(1000))
    type: Mapped[str | None] = mapped_column(String(20), nullable=True)

    item: Mapped[Item] = relationship(back_populates="attachments")


class ColumnHealth(Base):
    """What one crawl saw of one channel: whether it could be read at all, and how fresh it was."""

    __tablename__ = "column_health"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    url: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20))  # ok | failed | blocked
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    undated_entries: Mapped[int] = mapped_column(Integer, default=0)
    latest_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    adapter: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # coverage: did this crawl read the whole column? complete | partial | failed (see harvest/coverage.py)
    coverage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    coverage_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    declared_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    declared_pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    pages_skipped: Mapped[int] = mapped_column(Integer, default=0)
    share_seen: Mapped[float | None] = mapped_column(Float, nullable=True)
    details_fetched: Mapped[int] = mapped_column(Integer, default=0)
    details_failed: Mapped[int] = mapped_column(Integer, default=0)
    details_skipped: Mapped[int] = mapped_column(Integer, default=0)


class SiteProbe(Base):
    __tablename__ = "site_probes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    site_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(1000))
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    elapsed_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    home_latest_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    probed_at: Mapped[datetime] = mapped_column(DateTime)


class LinkCheck(Base):
    """A link that was followed: detail pages and attachments; failures are dead-link facts."""

    __tablename__ = "link_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    site_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    url: Mapped[str] = mapped_column(String(1000))
    referrer: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # detail | attachment
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditRun(Base):
    __tablename__ = "audit_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    as_of: Mapped[date] = mapped_column(Date)
    scheme: Mapped[str] = mapped_column(String(60))
    crawl_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    catalog_version: Mapped[str] = mapped_column(String(40), default="")
    rules_version: Mapped[str] = mapped_column(String(40), default="")
    code_version: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Match(Base):
    __tablename__ = "matches"
    __table_args__ = (Index("ix_matches_run_unit", "audit_run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    unit_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(20))  # accept | review | reject | confirmed | rejected
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    item: Mapped[Item] = relationship()


class ReviewDecision(Base):
    """A reviewer's decision; it overrides the matcher on every later run."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entry_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(20))  # confirm | reject | relink | not_applicable
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Finding(Base):
    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_run_unit", "audit_run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    site_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entry_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    domain: Mapped[str | None] = mapped_column(String(40), nullable=True)
    check: Mapped[str] = mapped_column(String(40))  # completeness | timeliness | channels | site_health
    rule: Mapped[str] = mapped_column(String(60))  # e.g. missing, late, undated, channel_gap, stale_column
    status: Mapped[str] = mapped_column(String(20))  # defect | unverified | info
    severity: Mapped[str] = mapped_column(String(20), default="major")
    title: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    days_late: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channels_missing: Mapped[list[Any]] = mapped_column(JSON, default=list)
    fix: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(Float, default=0.0)
    key: Mapped[str] = mapped_column(String(400))  # stable identity across runs (lifecycle)
    lifecycle: Mapped[str] = mapped_column(String(20), default="new")  # new | persisting


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_run_unit", "audit_run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    unit_id: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str | None] = mapped_column(String(40), nullable=True)
    dimension: Mapped[str | None] = mapped_column(String(40), nullable=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=100.0)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChannelEvidence(Base):
    """Recorded evidence that an item was published on an offline channel (公示栏 photo, PDF …).

    Offline channels count for channel coverage only with such evidence; otherwise they are
    reported as unverifiable, never as missing.
    """

    __tablename__ = "channel_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(100))
    channel_code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    file_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    mime_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# Tables owned by other stages live in their own modules (one per area) on the same Base, so that
# Alembic sees every table. Each module adds its tables through its own migration revision.
from auditor.store import models_harvest, models_ops, models_scoring, models_web  # noqa: E402,F401
