"""Evidence snapshots: every fetched page kept compressed, deduplicated by hash, pruned by retention.

A finding such as "item published late" or "column not updated" is only as good as the page it was
read from; the snapshot is that page, byte for byte (up to the cap), with when and where it was
fetched (final URL and redirect chain).
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from auditor.errors import AuditorError
from auditor.harvest.canonical import canonical_url
from auditor.harvest.items import PageFetchItem
from auditor.store.models import CrawlRun
from auditor.store.models_harvest import PageFetch, PageSnapshot
from auditor.vocabulary import utcnow


def insert_ignore(session: Session, model: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL): safe when another process races us."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


class SnapshotWriter:
    """Buffers fetch records of one crawl run and writes each distinct body once.

    Rows are plain dicts written by one executemany per flush (snapshot ids come back by RETURNING):
    an ORM object per fetch cost more than compressing the page."""

    def __init__(self, session: Session, run_id: int, *, shared: bool = False, level: int = 6) -> None:
        self.session = session
        self.run_id = run_id
        self.shared = shared
        self.level = level
        self.known: dict[str, int] = {}  # sha256 -> snapshot id (committed)
        self.new: dict[str, dict[str, Any]] = {}  # sha256 -> snapshot row to insert
        self.pending: list[tuple[dict[str, Any], str | None]] = []
        self.insert_snapshots = insert(PageSnapshot.__table__).returning(PageSnapshot.__table__.c.sha256,
                                                                         PageSnapshot.__table__.c.id)
        self.insert_fetches = insert(PageFetch.__table__)
        if not shared:
            self.known = dict(session.execute(select(PageSnapshot.sha256, PageSnapshot.id)).all())

    def add(self, it: PageFetchItem) -> None:
        sha = None
        now = utcnow()
        if it.body is not None:
            sha = hashlib.sha256(it.body).hexdigest()
            if sha not in self.known and sha not in self.new:
                self.new[sha] = {"sha256": sha, "size": len(it.body), "truncated": it.truncated, "codec": "zlib",
                                 "content_type": (it.content_type or "")[:200] or None,
                                 "data": zlib.compress(it.body, self.level), "created_at": now}
        key = canonical_url(it.url)[:1000]
        fetch = {"crawl_run_id": self.run_id, "kind": it.kind, "url": it.url[:1000], "canonical_url": key,
                 "final_url": it.final_url[:1000], "redirects": it.redirects if it.redirects is not None else [],
                 "method": it.method or "GET", "http_status": it.http_status, "not_modified": it.http_status == 304,
                 "outcome": it.outcome or "ok", "etag": (it.etag or "")[:200] or None,
                 "last_modified": (it.last_modified or "")[:100] or None, "elapsed_ms": it.elapsed_ms,
                 "fetched_at": now, "snapshot_id": None}
        if it.http_status == 304:  # the stored snapshot is confirmed, not replaced
            fetch["snapshot_id"] = self.session.scalar(
                select(PageFetch.snapshot_id).where(PageFetch.canonical_url == key, PageFetch.snapshot_id.is_not(None))
                .order_by(PageFetch.id.desc()).limit(1))
        self.pending.append((fetch, sha))

    def flush(self) -> None:
        """Write the buffered snapshots and fetches (inside the caller's transaction)."""
        if self.shared:
            for sha, snap in self.new.items():
                insert_ignore(self.session, PageSnapshot, snap)
                self.known[sha] = self.session.scalar(select(PageSnapshot.id).where(PageSnapshot.sha256 == sha))
        elif self.new:
            self.known.update(self.session.execute(self.insert_snapshots, list(self.new.values())).all())
        self.new.clear()
        for fetch, sha in self.pending:
            if sha is not None:
                fetch["snapshot_id"] = self.known[sha]
        if self.pending:
            self.session.execute(self.insert_fetches, [fetch for fetch, _ in self.pending])
        self.pending.clear()


@dataclass
class Snapshot:
    url: str
    final_url: str
    redirects: list[Any]
    fetched_at: datetime
    http_status: int | None
    sha256: str
    size: int
    truncated: bool
    content_type: str | None
    body: bytes
    crawl_run_id: int

    def text(self) -> str:
        from auditor.harvest.extract.decode import decode_html

        declared = None
        if self.content_type and "charset=" in self.content_type:
            declared = self.content_type.split("charset=", 1)[1].split(";")[0].strip()
        return decode_html(self.body, declared)[0]


def show_snapshot(session: Session, url: str, *, run_id: int | None = None) -> Snapshot:
    """The latest snapshot of a page (an item's detail page, a list page …) by its URL."""
    key = canonical_url(url)
    stmt = (select(PageFetch, PageSnapshot).join(PageSnapshot, PageSnapshot.id == PageFetch.snapshot_id)
            .where(PageFetch.canonical_url == key))
    if run_id is not None:
        stmt = stmt.where(PageFetch.crawl_run_id == run_id)
    row = session.execute(stmt.order_by(PageFetch.id.desc()).limit(1)).first()
    if row is None:
        raise AuditorError(f"no snapshot of {url}", hint="crawl first; `auditor runs` lists the crawl runs")
    fetch, snap = row
    return Snapshot(url=fetch.url, final_url=fetch.final_url, redirects=list(fetch.redirects or []),
                    fetched_at=fetch.fetched_at, http_status=fetch.http_status, sha256=snap.sha256, size=snap.size,
                    truncated=snap.truncated, content_type=snap.content_type, body=zlib.decompress(snap.data),
                    crawl_run_id=fetch.crawl_run_id)


def prune_snapshots(session: Session, keep_runs: int) -> dict[str, int]:
    """Keep fetch records of the last `keep_runs` crawl runs, plus the latest snapshot of every URL
    (the evidence of what is stored now); delete snapshots nothing points at any more."""
    if keep_runs < 1:
        raise AuditorError("snapshot retention must keep at least 1 crawl run", hint="use --keep-runs 1 or more")
    recent = list(session.scalars(select(CrawlRun.id).order_by(CrawlRun.id.desc()).limit(keep_runs)))
    if not recent:
        return {"fetches": 0, "snapshots": 0}
    latest = (select(func.max(PageFetch.id)).where(PageFetch.snapshot_id.is_not(None))
              .group_by(PageFetch.canonical_url))
    fetches = session.execute(delete(PageFetch).where(PageFetch.crawl_run_id < min(recent),
                                                      PageFetch.id.not_in(latest))).rowcount or 0
    used = select(PageFetch.snapshot_id).where(PageFetch.snapshot_id.is_not(None))
    snapshots = session.execute(delete(PageSnapshot).where(PageSnapshot.id.not_in(used))).rowcount or 0
    session.commit()
    return {"fetches": fetches, "snapshots": snapshots}
