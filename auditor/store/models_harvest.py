"""Tables of the harvest stage (declared on the shared Base; added by their own Alembic revision).

- `page_snapshots`: the bytes of every fetched page, zlib-compressed, one row per distinct content
  hash (a page fetched unchanged a hundred times is stored once);
- `page_fetches`: one row per fetch (URL, final URL, redirect chain, status, validators, time),
  pointing at its snapshot; a 304 answer points at the snapshot it confirmed;
- `site_health`: per crawl run and site, the roll-up of what the crawl saw (probes, errors, blocks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from auditor.store.models import Base


class PageSnapshot(Base):
    """Evidence: the raw bytes of a fetched page, compressed, deduplicated by SHA-256."""

    __tablename__ = "page_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)  # uncompressed bytes kept (after the cap)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)  # body was longer than the cap
    codec: Mapped[str] = mapped_column(String(10), default="zlib")
    content_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PageFetch(Base):
    """One fetch of one URL in one crawl run (list page, detail page, feed, home page)."""

    __tablename__ = "page_fetches"
    __table_args__ = (Index("ix_page_fetches_canonical_url", "canonical_url"),
                      Index("ix_page_fetches_run", "crawl_run_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # home | list | detail | feed
    url: Mapped[str] = mapped_column(String(1000))  # as requested
    canonical_url: Mapped[str] = mapped_column(String(1000))
    final_url: Mapped[str] = mapped_column(String(1000))
    redirects: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"url":…, "status":…}, …]
    method: Mapped[str] = mapped_column(String(10), default="GET")
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    not_modified: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20), default="ok")  # ok | not_modified | blocked | error
    etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    elapsed_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("page_snapshots.id"), nullable=True)


class SiteHealth(Base):
    """What one crawl run saw of one site: probes, errors and blocks (facts, never judgements)."""

    __tablename__ = "site_health"
    __table_args__ = (Index("ix_site_health_run_site", "crawl_run_id", "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(Integer)
    site_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))  # reachable | unreachable | blocked | partial
    probes: Mapped[int] = mapped_column(Integer, default=0)
    probes_ok: Mapped[int] = mapped_column(Integer, default=0)
    probes_slow: Mapped[int] = mapped_column(Integer, default=0)  # took longer than DOWNLOAD_TIMEOUT
    max_elapsed_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    http_errors: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)  # 401/403/429 answers and WAF challenge pages
    robots: Mapped[str] = mapped_column(String(10), default="obey")  # obey | ignore
    robots_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
