"""Upcoming obligations: per unit, what falls due in the next N working days (scheme.upcoming).

* `period` — an entry with `period:` that has no publication yet in the current calendar period,
  due at the period's end;
* `periodic` — a 公开时限 of kind periodic ("半年至少更新1次"): the last update plus the interval;
* `annual` — a fixed date ("每年1月31日前") not yet passed, no publication this year yet;
* `event` — the trigger document was seen but the entry is not yet fulfilled: an item in the
  review band (or found only on a news/feed channel) with a 成文日期 whose deadline is still ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.checks.audit_context import AuditContext
from auditor.checks.common import accepted_by_entry, published_on, review_by_entry, website_items
from auditor.checks.deadlines import deadline_for
from auditor.checks.periodic import PERIOD_LABEL, PERIOD_MONTHS, period_bounds, period_label
from auditor.store.models_scoring import UpcomingObligation


@dataclass(frozen=True)
class Obligation:
    unit_id: str
    entry_id: str
    domain: str
    kind: str
    due_date: date
    working_days_left: int
    title: str
    basis: dict[str, Any]


def compute_upcoming(ctx: AuditContext) -> list[Obligation]:
    horizon, _ = ctx.cal.add_working_days(ctx.as_of, ctx.scheme.upcoming.working_days)
    out: list[Obligation] = []

    def add(unit_id: str, entry, kind: str, due: date, title: str, basis: dict[str, Any]) -> None:
        if ctx.as_of <= due <= horizon:
            out.append(Obligation(unit_id, entry.id, entry.domain, kind, due,
                                  ctx.cal.working_days_between(ctx.as_of, due), title, basis))

    for unit in ctx.units:
        accepted = accepted_by_entry(ctx, unit.id)
        review = review_by_entry(ctx, unit.id)
        skip = ctx.not_applicable.get(unit.id, set())
        for entry in ctx.entries.get(unit.id, []):
            if entry.id in skip:
                continue
            dates = sorted(d for m in website_items(ctx, accepted.get(entry.id, []))
                           if (d := published_on(ctx, m.item_id)) is not None)
            rule = entry.deadline
            if entry.period in PERIOD_MONTHS:
                start, end = period_bounds(entry.period, ctx.as_of)
                if not any(start <= d <= end for d in dates):
                    add(unit.id, entry, "period", end, f"{period_label(entry.period, start)}"
                        f"{PERIOD_LABEL[entry.period]}信息待公开：{entry.level2}",
                        {"period": {"start": start.isoformat(), "end": end.isoformat()},
                         "last_publication": dates[-1].isoformat() if dates else None})
            if rule.kind == "periodic" and rule.amount and dates:
                due = rule.due_date(dates[-1], ctx.cal)
                if due is not None:
                    add(unit.id, entry, "periodic", due.date, f"定期更新到期：{entry.level2}（{entry.time_limit}）",
                        {"last_update": dates[-1].isoformat(), "rule": rule.to_json()})
            if rule.kind == "after_period" and rule.period and rule.amount is not None:
                # the period that ended last and the current one: each is due a fixed time after its end
                current = period_bounds(rule.period, ctx.as_of)
                for start, end in (period_bounds(rule.period, current[0] - timedelta(days=1)), current):
                    due = rule.due_date(end, ctx.cal)
                    if due is not None and not any(end < d for d in dates):
                        add(unit.id, entry, "after_period", due.date, f"{period_label(rule.period, start)}信息待公开："
                            f"{entry.level2}（{entry.time_limit}）",
                            {"period": {"start": start.isoformat(), "end": end.isoformat()}, "rule": rule.to_json()})
            if rule.kind == "annual" and rule.fixed_date:
                month, day = map(int, rule.fixed_date.split("-"))
                due_d = date(ctx.as_of.year, month, day)
                if due_d < ctx.as_of:
                    due_d = date(ctx.as_of.year + 1, month, day)
                if not any(d >= date(due_d.year, 1, 1) for d in dates):
                    add(unit.id, entry, "annual", due_d, f"{due_d.year}年度信息待公开：{entry.level2}"
                        f"（{entry.time_limit}）", {"rule": rule.to_json()})
            # event-triggered: trigger document seen, entry not yet fulfilled by it
            triggers = list(review.get(entry.id, []))
            for m in accepted.get(entry.id, []):
                if m not in website_items(ctx, [m]):
                    triggers.append(m)
            for m in triggers:
                item = ctx.items.get(m.item_id)
                if item is None or item.written_date is None:
                    continue
                title = item.title or item.list_title
                part = deadline_for(entry, title)
                if part.kind != "deadline_after" or not part.has_deadline:
                    continue
                due = part.due_date(item.written_date, ctx.cal)
                if due is None:
                    continue
                add(unit.id, entry, "event", due.date, f"待在目录栏目公开：{title}",
                    {"trigger": {"url": item.canonical_url, "title": title,
                                 "written_date": item.written_date.isoformat(), "match": m.decision,
                                 "score": m.score}, "rule": part.to_json()})
    out.sort(key=lambda o: (o.unit_id, o.due_date, o.entry_id, o.kind, o.title))
    seen: set[tuple] = set()
    unique = []
    for o in out:
        k = (o.unit_id, o.entry_id, o.kind, o.due_date, o.title)
        if k not in seen:
            seen.add(k)
            unique.append(o)
    return unique


def store_upcoming(session: Session, audit_run_id: int, obligations: list[Obligation]) -> None:
    for o in obligations:
        session.add(UpcomingObligation(audit_run_id=audit_run_id, unit_id=o.unit_id, entry_id=o.entry_id,
                                       domain=o.domain, kind=o.kind, due_date=o.due_date,
                                       working_days_left=o.working_days_left, title=o.title, basis=o.basis))


def upcoming_obligations(session: Session, audit_run_id: int, unit_id: str | None = None) -> list[Obligation]:
    """What falls due after the audit run's as_of, per unit, soonest first."""
    q = select(UpcomingObligation).where(UpcomingObligation.audit_run_id == audit_run_id)
    if unit_id is not None:
        q = q.where(UpcomingObligation.unit_id == unit_id)
    rows = session.scalars(q.order_by(UpcomingObligation.unit_id, UpcomingObligation.due_date,
                                      UpcomingObligation.entry_id, UpcomingObligation.id))
    return [Obligation(r.unit_id, r.entry_id, r.domain, r.kind, r.due_date, r.working_days_left, r.title,
                       r.basis) for r in rows]
