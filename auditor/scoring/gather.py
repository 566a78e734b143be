"""What every check reads: the audit's inputs gathered once from the store (the AuditContext of
auditor.checks.audit_context, re-exported here with FindingDraft for the scoring modules)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.catalog.models import Catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.catalog.yardstick import Yardstick
from auditor.checks.audit_context import AuditContext
from auditor.checks.base import FindingDraft
from auditor.match.matching import build_yardsticks, scored_units
from auditor.scheme import Scheme
from auditor.store.models import (
    Channel,
    ChannelEvidence,
    ColumnHealth,
    CrawlRun,
    Item,
    ItemListing,
    LinkCheck,
    Match,
    ReviewDecision,
    Site,
    SiteProbe,
)

__all__ = ["AuditContext", "FindingDraft", "build_context"]


def _columns(model: type, *leave_out: str) -> list:
    """The table columns of a model but the named ones: rows read with them answer the same attributes."""
    return [c for c in model.__table__.c if c.key not in leave_out]


def build_context(session: Session, catalog: Catalog, scheme: Scheme, cal: WorkingCalendar, as_of: date,
                  audit_run_id: int, crawl_run_ids: list[int],
                  unit_catalogs: dict[str, str] | None = None,
                  yardsticks: dict[str, Yardstick] | None = None) -> AuditContext:
    crawl_runs = [session.get(CrawlRun, i) for i in crawl_run_ids]
    crawl_runs = [r for r in crawl_runs if r is not None]
    latest = crawl_runs[0].id if crawl_runs else -1
    units = scored_units(session)
    if yardsticks is None:
        yardsticks = build_yardsticks(session, catalog, cal)
    channels: dict[str, list[Channel]] = defaultdict(list)
    for ch in session.scalars(select(Channel).where(Channel.active.is_(True)).order_by(Channel.id)):
        channels[ch.unit_id].append(ch)
    health: dict[int, list[ColumnHealth]] = defaultdict(list)
    # A run that did not complete vouches for no column: what it did not reach is unknown, so its health
    # rows are left out and every column of the window fails the "healthy in each run" test for it.
    incomplete = [r for r in crawl_runs if r.status != "complete"]
    vouching = [r.id for r in crawl_runs if r.status == "complete"]
    rows = session.scalars(select(ColumnHealth).where(ColumnHealth.crawl_run_id.in_(vouching))
                           .order_by(ColumnHealth.crawl_run_id.desc()))
    for h in rows:
        health[h.channel_id].append(h)
    # set-based: the run's matches, their items and listings in three queries, as plain rows (read-only
    # facts: tens of thousands of ORM objects cost more than the checks); a match's evidence JSON and an
    # item's body and provenance are read by no check
    matches: dict[str, list[Match]] = defaultdict(list)
    for m in session.execute(select(*_columns(Match, "evidence")).where(Match.audit_run_id == audit_run_id)
                             .order_by(Match.id)):
        matches[m.unit_id].append(m)
    matched = select(Match.item_id).where(Match.audit_run_id == audit_run_id)
    items = {i.id: i for i in session.execute(select(*_columns(Item, "body_excerpt", "provenance"))
                                              .where(Item.id.in_(matched)))}
    by_id = {c.id: c for c in session.scalars(select(Channel))}
    listings: dict[int, list[tuple[ItemListing, Channel]]] = defaultdict(list)
    for listing in session.execute(select(*_columns(ItemListing)).where(ItemListing.item_id.in_(matched))
                                   .order_by(ItemListing.id)):
        listings[listing.item_id].append((listing, by_id[listing.channel_id]))
    not_applicable: dict[str, set[str]] = defaultdict(set)
    for d in session.scalars(select(ReviewDecision).where(ReviewDecision.action == "not_applicable",
                                                          ReviewDecision.active.is_(True))):
        if d.entry_id:
            not_applicable[d.unit_id].add(d.entry_id)
    probes: dict[str, list[SiteProbe]] = defaultdict(list)
    window = crawl_run_ids[: scheme.checks.site_health.monitoring_runs]
    for p in session.scalars(select(SiteProbe).where(SiteProbe.crawl_run_id.in_(window))
                             .order_by(SiteProbe.crawl_run_id.desc(), SiteProbe.id)):
        probes[p.site_id].append(p)
    evidence: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ev in session.scalars(select(ChannelEvidence).where(ChannelEvidence.active.is_(True))
                              .order_by(ChannelEvidence.id)):
        evidence[(ev.unit_id, ev.entry_id)].add(ev.channel_code)
    links = list(session.scalars(select(LinkCheck).where(LinkCheck.crawl_run_id == latest)))
    return AuditContext(
        session=session, catalog=catalog, scheme=scheme, cal=cal, as_of=as_of, audit_run_id=audit_run_id,
        crawl_runs=crawl_runs, units=units, entries={u.id: yardsticks[u.id].entries for u in units},
        channels=channels, health=health, matches=matches, items=items, listings=listings,
        not_applicable=not_applicable, sites={s.id: s for s in session.scalars(select(Site))}, probes=probes,
        links=links, evidence=dict(evidence),
        unit_catalogs={uid: y.ref.file for uid, y in yardsticks.items() if y.ref is not None}
        | dict(scheme.checks.conformity.unit_catalogs) | dict(unit_catalogs or {}),
        incomplete_runs=incomplete, yardsticks=yardsticks)
