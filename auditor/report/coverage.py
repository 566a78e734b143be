"""What the crawl saw (column health, site probes) and what the matcher linked, as report rows.

A score is only as good as the crawl behind it, so every scorecard shows its coverage next to it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.report import labels as L
from auditor.report.findings import entry_info
from auditor.report.model import ColumnRow, ColumnRun, MatchRow, SiteRow
from auditor.store.models import CatalogEntryRow, Channel, ColumnHealth, Item, Match, Site, SiteProbe


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def columns(session: Session, crawl_ids: list[int], unit_names: dict[str, str]) -> list[ColumnRow]:
    """One row per channel with its newest health row among the audit's crawl runs."""
    health: dict[int, list[ColumnHealth]] = defaultdict(list)
    if crawl_ids:
        for h in session.scalars(select(ColumnHealth).where(ColumnHealth.crawl_run_id.in_(crawl_ids))
                                 .order_by(ColumnHealth.crawl_run_id.desc(), ColumnHealth.id)):
            health[h.channel_id].append(h)
    out = []
    for ch in session.scalars(select(Channel).where(Channel.active.is_(True)).order_by(Channel.unit_id, Channel.id)):
        rows = health.get(ch.id, [])
        h = rows[0] if rows else None
        out.append(ColumnRow(
            channel_id=ch.id, unit_id=ch.unit_id, unit_name=unit_names.get(ch.unit_id, ch.unit_id),
            name=ch.name, code=ch.code, column_path=ch.column_path or "", column_kind=ch.column_kind,
            kind_label=L.label(L.COLUMN_KINDS, ch.column_kind), domain=ch.domain, url=ch.url,
            crawl_run_id=h.crawl_run_id if h else None,
            status=h.status if h else None, status_label=L.label(L.HEALTH, h.status if h else None),
            http_status=h.http_status if h else None, error=(h.error or "") if h else "",
            entries=h.entries if h else None, pages=h.pages if h else None,
            undated_entries=h.undated_entries if h else None,
            latest_date=_iso(h.latest_date) if h else None, adapter=h.adapter if h else None,
            **_coverage(h),
            history=[ColumnRun(r.crawl_run_id, r.status, r.coverage) for r in rows],
        ))
    return out


def _coverage(h: ColumnHealth | None) -> dict[str, Any]:
    """Did the crawl read the whole column: complete / partial (share, reason) / failed (ColumnHealth fields)."""
    code = getattr(h, "coverage", None) if h else None
    if h is not None and code is None:  # a row from before coverage accounting: its status is all there is
        code = {"ok": "complete", "partial": "partial"}.get(h.status, "failed")
    share = getattr(h, "share_seen", None) if h else None
    return {
        "coverage": code, "coverage_label": L.label(L.COVERAGE, code),
        "coverage_reason": (getattr(h, "coverage_reason", None) or "") if h else "",
        "share_seen": round(share, 4) if share is not None else None,
        "declared_total": getattr(h, "declared_total", None) if h else None,
        "declared_pages": getattr(h, "declared_pages", None) if h else None,
        "pages_failed": getattr(h, "pages_failed", None) if h else None,
        "pages_skipped": getattr(h, "pages_skipped", None) if h else None,
        "details_fetched": getattr(h, "details_fetched", None) if h else None,
        "details_failed": getattr(h, "details_failed", None) if h else None,
        "details_skipped": getattr(h, "details_skipped", None) if h else None,
    }


def sites(session: Session, crawl_ids: list[int]) -> list[SiteRow]:
    """Sites with the newest crawl's probes: reachability is charged to the owner unit."""
    latest = crawl_ids[0] if crawl_ids else None
    probes: dict[str, list[SiteProbe]] = defaultdict(list)
    if latest is not None:
        for p in session.scalars(select(SiteProbe).where(SiteProbe.crawl_run_id == latest).order_by(SiteProbe.id)):
            probes[p.site_id].append(p)
    out = []
    for s in session.scalars(select(Site).order_by(Site.id)):
        ps = probes.get(s.id, [])
        dates = [p.home_latest_date for p in ps if p.home_latest_date]
        out.append(SiteRow(id=s.id, name=s.name, home_url=s.home_url, owner_unit_id=s.owner_unit_id,
                           probes=len(ps), ok=sum(p.ok for p in ps),
                           home_latest_date=_iso(max(dates)) if dates else None,
                           errors=sorted({p.error for p in ps if p.error})))
    return out


def matches(session: Session, run_id: int, entries: dict[str, CatalogEntryRow],
            unit_names: dict[str, str]) -> list[MatchRow]:
    """Every candidate match of the run, best first within a unit and entry."""
    # columns only, streamed: the ORM rows would carry every match's evidence and every item's body and
    # provenance JSON, which at a province (tens of thousands of matches) is most of the report's memory
    rows = session.execute(select(Match.id, Match.unit_id, Match.entry_id, Match.score, Match.decision,
                                  Item.id.label("item_id"), Item.title, Item.list_title, Item.canonical_url,
                                  Item.publish_date, Item.written_date)
                           .join(Item, Item.id == Match.item_id)
                           .where(Match.audit_run_id == run_id)
                           .order_by(Match.unit_id, Match.entry_id, Match.score.desc(), Match.id)
                           .execution_options(yield_per=2000))
    out = []
    for m in rows:
        entry = entry_info(entries, m.entry_id, {})
        out.append(MatchRow(
            id=m.id, unit_id=m.unit_id, unit_name=unit_names.get(m.unit_id, m.unit_id),
            item_id=m.item_id, title=m.title or m.list_title or "", url=m.canonical_url,
            entry_id=m.entry_id, entry_level1=entry["level1"], entry_level2=entry["level2"],
            domain=entry["domain"], score=round(m.score, 1), decision=m.decision,
            decision_label=L.label(L.DECISIONS, m.decision),
            publish_date=_iso(m.publish_date), written_date=_iso(m.written_date),
        ))
    return out
