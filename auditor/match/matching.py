"""The match stage: re-runnable from the store alone, reviewer decisions override the matcher."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from auditor.catalog.models import Catalog, CatalogEntry
from auditor.catalog.workdays import WorkingCalendar
from auditor.catalog.yardstick import CatalogRef, Yardstick, load_yardstick
from auditor.match.learn import Lesson, learn
from auditor.match.matcher import ItemView, Matcher, MatchJob, Thresholds
from auditor.store.models import Channel, Item, ItemListing, Match, ReviewDecision, Unit
from auditor.vocabulary import ACCEPTED_DECISIONS, Decision, catalog_level

KIND_PREFERENCE = {"catalog": 0, "notice": 1, "other": 2, "feed": 3, "news": 4}


def unit_entries(catalog: Catalog, unit: Unit) -> list[CatalogEntry]:
    """Applicable entries of a stored unit: its domains, its level, 主动 only."""
    level = catalog_level(unit.level)
    if level is None:
        return []
    domains = set(unit.domains_lead or []) | set(unit.domains_share or [])
    return [e for e in catalog.for_unit(domains, level) if e.mode == "主动"]


def unit_yardstick(catalog: Catalog, unit: Unit, cal: WorkingCalendar | None = None) -> Yardstick:
    """What a stored unit is held to: its own published catalog (registry `catalog:`) or the national rows."""
    level = catalog_level(unit.level) or ""
    return load_yardstick(catalog, unit_entries(catalog, unit), CatalogRef.from_json(unit.catalog), unit.id, level,
                          cal)


def unit_obligations(catalog: Catalog, unit: Unit) -> list[CatalogEntry]:
    """The entries a stored unit is judged against (its yardstick's obligation list)."""
    return unit_yardstick(catalog, unit).entries


def build_yardsticks(session: Session, catalog: Catalog, cal: WorkingCalendar | None = None) -> dict[str, Yardstick]:
    """unit id → yardstick, for every scored unit."""
    return {u.id: unit_yardstick(catalog, u, cal) for u in scored_units(session)}


def scored_units(session: Session) -> list[Unit]:
    """Units that are judged (site pseudo-units that only hold news columns are not)."""
    return list(session.scalars(select(Unit).where(Unit.kind.in_(("department", "subdistrict"))).order_by(Unit.id)))


def _view_rows(session: Session, unit_ids: list[str] | None = None) -> dict[str, list[tuple]]:
    """unit id -> its (item, column) rows, for every unit in one query (one per unit rescanned the listings)."""
    stmt = (select(Channel.unit_id, Item.id, Item.title, Item.list_title, Channel.domain, Channel.column_kind,
                   Channel.column_path, Item.publish_date)
            .join(ItemListing, ItemListing.item_id == Item.id)
            .join(Channel, Channel.id == ItemListing.channel_id)
            .where(Channel.active.is_(True))
            .order_by(Channel.unit_id, Channel.url, ItemListing.id))
    if unit_ids is not None:
        stmt = stmt.where(Channel.unit_id.in_(unit_ids))
    out: dict[str, list[tuple]] = {}
    for unit_id, *row in session.execute(stmt):
        out.setdefault(unit_id, []).append(tuple(row))
    return out


def _views_of(rows: list[tuple]) -> dict[int, ItemView]:
    """The items of one unit, each seen through its most telling column (catalog before notice … news)."""
    views: dict[int, ItemView] = {}
    for item_id, title, list_title, domain, kind, path, published in rows:
        view = ItemView(item_id=item_id, title=title or list_title or "", column_domain=domain,
                        column_kind=kind or "catalog", column_path=path or "", published=published)
        old = views.get(item_id)
        if old is None or KIND_PREFERENCE.get(view.column_kind, 5) < KIND_PREFERENCE.get(old.column_kind, 5):
            views[item_id] = view
    return views


def _all_decisions(session: Session) -> dict[str, list[ReviewDecision]]:
    out: dict[str, list[ReviewDecision]] = {}
    for d in session.scalars(select(ReviewDecision).where(ReviewDecision.active.is_(True))
                             .order_by(ReviewDecision.created_at, ReviewDecision.id)):
        out.setdefault(d.unit_id, []).append(d)
    return out


def unit_prefixes(unit: Unit) -> tuple[str, ...]:
    """Ways a title may name its own unit: the full name and the name without the district (区民政局)."""
    names = [unit.name]
    for marker in ("区", "县", "市"):
        head, sep, tail = unit.name.partition(marker)
        if sep and tail and len(head) >= 2:
            names += [marker + tail, tail]
    for n in list(names):
        for suffix in ("办事处", "人民政府"):
            if n.endswith(suffix) and len(n) > len(suffix) + 1:
                names.append(n[: -len(suffix)])
    return tuple(dict.fromkeys(n for n in names if len(n) >= 2))


def _lessons(session: Session, decisions: list[ReviewDecision]) -> list[Lesson]:
    """Decisions with the facts of their item: title, the column it was listed in, the entry meant."""
    lessons = []
    for d in decisions:
        if d.item_id is None or d.action not in ("confirm", "relink", "reject"):
            continue
        item = session.get(Item, d.item_id)
        if item is None:
            continue
        entry_id = d.entry_id
        if entry_id is None:  # a bare confirm/reject is about what the matcher proposed last time
            entry_id = session.scalar(select(Match.entry_id).where(Match.item_id == d.item_id, Match.unit_id == d.unit_id)
                                      .order_by(Match.id.desc()).limit(1))
        path = session.scalar(select(Channel.column_path).join(ItemListing, ItemListing.channel_id == Channel.id)
                              .where(ItemListing.item_id == d.item_id, Channel.unit_id == d.unit_id).limit(1))
        lessons.append(Lesson(d.action, entry_id, item.title or item.list_title or "", path or ""))
    return lessons


def run_matching(session: Session, catalog: Catalog, audit_run_id: int, thresholds: Thresholds,
                 yardsticks: dict[str, Yardstick] | None = None) -> int:
    """Write this audit run's matches; returns how many items were matched (accepted or confirmed).

    yardsticks: each unit's obligation list (built from the stored units when not given)."""
    matcher = Matcher(thresholds, catalog_entries=catalog.entries)
    accepted = 0
    if yardsticks is None:
        yardsticks = build_yardsticks(session, catalog)
    # everything read up front: no query (and no autoflush of the pending matches) inside the unit loop
    units = scored_units(session)
    all_rows = _view_rows(session)
    all_decisions = _all_decisions(session)
    jobs: list[MatchJob] = []
    unit_views: list[dict[int, ItemView]] = []
    for unit in units:
        y = yardsticks.get(unit.id)
        entries = y.entries if y is not None else unit_entries(catalog, unit)
        views = _views_of(all_rows.pop(unit.id, []))
        prefixes = unit_prefixes(unit)
        learned = learn(_lessons(session, all_decisions.get(unit.id, [])), prefixes)
        jobs.append(MatchJob(entries, list(views.values()), prefixes, catalog_level(unit.level), learned))
        unit_views.append(views)
    rows: list[dict] = []
    for k, results in matcher.match_many(jobs):
        unit, views = units[k], unit_views[k]
        by_item: dict[int, ReviewDecision] = {d.item_id: d for d in all_decisions.get(unit.id, [])
                                              if d.item_id is not None}
        for r in results:
            decision, entry_id = r.decision, r.entry_id
            evidence = {"breakdown": r.breakdown, "reasons": r.reasons, "runner_up": r.runner_up, "candidates": r.candidates,
                        "column_path": views[r.item_id].column_path, "title": views[r.item_id].title}
            override = by_item.get(r.item_id)
            if override is not None:
                evidence["matcher"] = {"entry_id": entry_id, "decision": decision, "score": r.score}
                evidence["review_decision_id"] = override.id
                if override.action in ("confirm", "relink"):
                    decision, entry_id = Decision.CONFIRMED, override.entry_id or entry_id
                elif override.action == "reject":
                    decision = Decision.REJECTED
            if decision == Decision.REJECT:
                continue  # rejections are not stored: nothing links them to an entry
            rows.append({"audit_run_id": audit_run_id, "item_id": r.item_id, "unit_id": unit.id,
                         "entry_id": entry_id, "score": r.score, "decision": decision, "evidence": evidence})
            accepted += decision in ACCEPTED_DECISIONS
        if len(rows) >= 5000:
            _insert_matches(session, rows)
    _insert_matches(session, rows)
    session.flush()
    return accepted


def _insert_matches(session: Session, rows: list[dict]) -> None:
    """One multi-row insert per batch: the ORM's unit of work costs more than the matching itself."""
    if rows:
        session.execute(insert(Match), rows)
        rows.clear()
