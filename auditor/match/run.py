"""The match stage: re-runnable from the store alone, reviewer decisions override the matcher."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.catalog.models import Catalog, CatalogEntry
from auditor.match.matcher import ItemView, Matcher, Thresholds
from auditor.store.models import Channel, Item, ItemListing, Match, ReviewDecision, Unit

KIND_PREFERENCE = {"catalog": 0, "notice": 1, "other": 2, "feed": 3, "news": 4}
CATALOG_LEVEL = {"区级": "县级", "乡级": "乡级"}


def unit_entries(catalog: Catalog, unit: Unit) -> list[CatalogEntry]:
    """Applicable entries of a stored unit: its domains, its level, 主动 only."""
    level = CATALOG_LEVEL.get(unit.level)
    if level is None:
        return []
    domains = set(unit.domains_lead or []) | set(unit.domains_share or [])
    return [e for e in catalog.for_unit(domains, level) if e.mode == "主动"]


def scored_units(session: Session) -> list[Unit]:
    """Units that are judged (site pseudo-units that only hold news columns are not)."""
    return list(session.scalars(select(Unit).where(Unit.kind.in_(("department", "subdistrict"))).order_by(Unit.id)))


def _views(session: Session, unit: Unit) -> dict[int, ItemView]:
    rows = session.execute(
        select(Item.id, Item.title, Item.list_title, Channel.domain, Channel.column_kind, Channel.column_path)
        .join(ItemListing, ItemListing.item_id == Item.id)
        .join(Channel, Channel.id == ItemListing.channel_id)
        .where(Channel.unit_id == unit.id, Channel.active.is_(True))
    ).all()
    views: dict[int, ItemView] = {}
    for item_id, title, list_title, domain, kind, path in rows:
        view = ItemView(item_id=item_id, title=title or list_title or "", column_domain=domain,
                        column_kind=kind or "catalog", column_path=path or "")
        old = views.get(item_id)
        if old is None or KIND_PREFERENCE.get(view.column_kind, 5) < KIND_PREFERENCE.get(old.column_kind, 5):
            views[item_id] = view
    return views


def _decisions(session: Session, unit_id: str) -> list[ReviewDecision]:
    return list(session.scalars(select(ReviewDecision).where(ReviewDecision.unit_id == unit_id,
                                                             ReviewDecision.active.is_(True))
                                .order_by(ReviewDecision.created_at, ReviewDecision.id)))


def run_matching(session: Session, catalog: Catalog, audit_run_id: int, thresholds: Thresholds) -> int:
    """Write this audit run's matches; returns how many items were matched (accepted or confirmed)."""
    matcher = Matcher(thresholds)
    accepted = 0
    for unit in scored_units(session):
        entries = unit_entries(catalog, unit)
        views = _views(session, unit)
        decisions = _decisions(session, unit.id)
        by_item: dict[int, ReviewDecision] = {}
        aliases: dict[str, list[str]] = defaultdict(list)
        for d in decisions:
            if d.item_id is not None:
                by_item[d.item_id] = d
            if d.action in ("confirm", "relink") and d.item_id is not None and d.entry_id:
                item = session.get(Item, d.item_id)
                if item is not None and (item.title or item.list_title):
                    aliases[d.entry_id].append(item.title or item.list_title)
        prefixes = (unit.name, unit.name.replace("云溪区", "区"))
        results = matcher.match(entries, views.values(), unit_prefixes=prefixes, aliases=aliases)
        for r in results:
            decision, entry_id = r.decision, r.entry_id
            evidence = {"breakdown": r.breakdown, "runner_up": r.runner_up,
                        "column_path": views[r.item_id].column_path, "title": views[r.item_id].title}
            override = by_item.get(r.item_id)
            if override is not None:
                evidence["matcher"] = {"entry_id": entry_id, "decision": decision, "score": r.score}
                evidence["review_decision_id"] = override.id
                if override.action in ("confirm", "relink"):
                    decision, entry_id = "confirmed", override.entry_id or entry_id
                elif override.action == "reject":
                    decision = "rejected"
            if decision == "reject":
                continue  # rejections are not stored: nothing links them to an entry
            session.add(Match(audit_run_id=audit_run_id, item_id=r.item_id, unit_id=unit.id, entry_id=entry_id,
                              score=r.score, decision=decision, evidence=evidence))
            accepted += decision in ("accept", "confirmed")
    session.flush()
    return accepted
