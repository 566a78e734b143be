"""Periodic and annual entries: the latest publication against the period the catalog sets.

* entries with `period:` (annual / semiannual / quarterly / monthly): each of the last
  `lookback_periods` completed calendar periods must hold a publication → `period_missed`;
* 公开时限 of kind `periodic` ("半年至少更新1次"): the latest update plus the interval must not
  have passed → `periodic_overdue`;
* 公开时限 of kind `annual` with a fixed date ("每年1月31日前"): once this year's date has passed,
  a publication of this year must exist (`annual_missed`) and be on time (`annual_late`).

Entries with no accepted publication at all are completeness's business (missing/unverified), so
they are not judged here; nothing is counted twice. A period found empty, or an update found overdue,
is a defect only when a column that should hold the entry was read whole (as for completeness);
otherwise the publication may sit on a list page the crawler could not read: `period_unverified`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from pydantic import Field

from auditor.checks.base import Check, CheckParams, CheckResult, Message, RuleSpec
from auditor.checks.common import accepted_entries, entry_fields, healthy, published_on, website_items
from auditor.vocabulary import FindingStatus

if TYPE_CHECKING:
    from auditor.catalog.models import CatalogEntry
    from auditor.checks.audit_context import AuditContext

PERIOD_MONTHS = {"annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1}
PERIOD_LABEL = {"annual": "年度", "semiannual": "半年", "quarterly": "季度", "monthly": "月度"}


def period_bounds(period: str, d: date) -> tuple[date, date]:
    """The calendar period (start, end inclusive) that contains d."""
    months = PERIOD_MONTHS[period]
    first_month = (d.month - 1) // months * months + 1
    start = date(d.year, first_month, 1)
    nm = first_month + months
    end = (date(d.year + (nm - 1) // 12, (nm - 1) % 12 + 1, 1)) - timedelta(days=1)
    return start, end


def completed_periods(period: str, as_of: date, n: int, grace_days: int = 0) -> list[tuple[date, date]]:
    """The last n calendar periods that ended (plus grace) before as_of, newest first."""
    out: list[tuple[date, date]] = []
    start, end = period_bounds(period, as_of)
    while len(out) < n:
        start, end = period_bounds(period, start - timedelta(days=1))
        if end + timedelta(days=grace_days) < as_of:
            out.append((start, end))
    return out


def period_label(period: str, start: date) -> str:
    if period == "annual":
        return f"{start.year}年"
    if period == "semiannual":
        return f"{start.year}年{'上' if start.month == 1 else '下'}半年"
    if period == "quarterly":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{start.month}月"


def _dates(ctx: AuditContext, matches) -> list[tuple[date, int]]:
    out = []
    for m in website_items(ctx, matches):
        d = published_on(ctx, m.item_id)
        if d is not None:
            out.append((d, m.item_id))
    return sorted(out)


def _evidence(ctx: AuditContext, entry: CatalogEntry, dates: list[tuple[date, int]]) -> dict:
    return {"entry": {"id": entry.id, "level2": entry.level2, "time_limit": entry.time_limit,
                      "period": entry.period},
            "publications": [{"date": d.isoformat(), "url": ctx.items[i].canonical_url} for d, i in dates[-10:]]}


def _after_period(ctx: AuditContext, res: CheckResult, unit_id: str, entry: CatalogEntry, rule,
                  dates: list[tuple[date, int]]) -> None:
    """"每季度结束后10个工作日内" / "每月10日前公开上月情况": each completed period whose due day has passed
    needs a publication after the period ended and by the due day → `after_period_missed`."""
    rules = ctx.scheme.checks.periodic
    for start, end in completed_periods(rule.period, ctx.as_of, rules.lookback_periods):
        due = rule.due_date(end, ctx.cal)
        if due is None or end < ctx.catalog.effective or due.date + timedelta(days=rules.grace_days) >= ctx.as_of:
            continue
        res.basis[unit_id][entry.domain] += 1
        if any(end < d <= due.date for d, _ in dates):
            continue
        label = period_label(rule.period, start)
        res.findings.append(Periodic.draft(
            "after_period_missed", FindingStatus.DEFECT, entry_fields(entry) | {"label": label, "due_date": due.date},
            unit_id=unit_id, entry_id=entry.id, domain=entry.domain,
            evidence=_evidence(ctx, entry, dates) | {"period": {"start": start.isoformat(), "end": end.isoformat(),
                                                               "label": label},
                                                    "due_date": due.date.isoformat(), "rule": rule.to_json()},
            key=f"after_period_missed|{unit_id}|{entry.id}|{start.isoformat()}"))


def _read_whole(ctx: AuditContext, unit_id: str, entry: CatalogEntry) -> bool:
    """Whether a column that should hold the entry was read whole (the holders completeness uses)."""
    website = [c for c in ctx.channels.get(unit_id, []) if c.code in ("WEBSITE", "PLATFORM")]
    holders = [c for c in website if c.domain == entry.domain] or \
              [c for c in website if c.column_kind == "catalog" and not c.domain]
    runs = ctx.scheme.checks.completeness.healthy_runs
    return bool(holders) and any(healthy(ctx, c, runs) for c in holders)


class Periodic(Check):
    """Periodic, annual and after-period entries: each period holds a publication, on time."""

    type = "periodic"
    dimension = "timeliness"
    label = "定期公开"
    order = 40
    rules = (RuleSpec("period_missed", "周期内未公开"), RuleSpec("periodic_overdue", "定期更新逾期"),
             RuleSpec("annual_missed", "年度信息未公开"), RuleSpec("annual_late", "年度信息逾期"),
             RuleSpec("after_period_missed", "期满后未按时公开"),
             # unverified, never scored: not part of the scheme's rule vocabulary (rules files cannot weight it)
             RuleSpec("period_unverified", "定期公开无法核实", scorable=False))
    messages = {
        "period_missed": Message("{label}未公开{period}信息：{level2}", "按目录要求每{period}公开{level2}，补充{label}的信息。"),
        "periodic_overdue": Message("超过更新周期{overdue}日未更新：{level2}（{time_limit}）",
                                    "按「{time_limit}」更新{level2}（上次更新{last}，应于{due_date}前更新）。"),
        "annual_missed": Message("{year}年度信息未按期公开：{level2}（{time_limit}）",
                                 "立即公开{year}年度{level2}（应于{due_date}前公开）。"),
        "annual_late": Message("{year}年度信息逾期{late}日公开：{level2}（{time_limit}）",
                               "今后于每年{month}月{day}日前公开{level2}。"),
        "after_period_missed": Message("{label}信息未在期满后按时公开：{level2}（{time_limit}）",
                                       "按「{time_limit}」于{due_date}前公开{label}的{level2}。"),
        "period_unverified": Message("无法核实是否按期公开（栏目未完整读取）：{level2}",
                                     "修复栏目抓取（分页链接、站外主机）后重新抓取；本项不扣分。"),
    }

    class Params(CheckParams):
        lookback_periods: int = Field(1, ge=1, le=12)  # completed periods that must each hold a publication
        grace_days: int = Field(0, ge=0, le=366)  # calendar days after a period ends before it is judged

    def run(self, ctx: AuditContext) -> CheckResult:
        return _run(ctx)


def _run(ctx: AuditContext) -> CheckResult:
    res = CheckResult()
    for unit in ctx.units:
        for entry, matches in accepted_entries(ctx, unit.id):
            dates = _dates(ctx, matches)
            if not dates:
                continue  # undated items are timeliness's finding
            judged = CheckResult()
            _judge(ctx, judged, unit, entry, dates)
            if judged.findings and not _read_whole(ctx, unit.id, entry):
                res.findings.append(Periodic.draft(
                    "period_unverified", FindingStatus.UNVERIFIED, entry_fields(entry), severity="info",
                    unit_id=unit.id, entry_id=entry.id, domain=entry.domain,
                    evidence=_evidence(ctx, entry, dates) | {"would_be": [f.title for f in judged.findings],
                                                             "reason": "栏目未完整读取"},
                    key=f"period_unverified|{unit.id}|{entry.id}"))
                continue
            res.findings.extend(judged.findings)
            res.basis[unit.id][entry.domain] += judged.basis[unit.id][entry.domain]
    return res


def _judge(ctx: AuditContext, res: CheckResult, unit, entry: CatalogEntry,
           dates: list[tuple[date, int]]) -> None:
    """The periodic findings and basis of one entry of one unit, added to `res`."""
    rules = ctx.scheme.checks.periodic
    effective = ctx.catalog.effective
    rule = entry.deadline
    if entry.period in PERIOD_MONTHS:
        for start, end in completed_periods(entry.period, ctx.as_of, rules.lookback_periods,
                                            rules.grace_days):
            if end < effective:
                continue
            res.basis[unit.id][entry.domain] += 1
            if any(start <= d <= end for d, _ in dates):
                continue
            label = period_label(entry.period, start)
            res.findings.append(Periodic.draft(
                "period_missed", FindingStatus.DEFECT, entry_fields(entry) | {"label": label, "period": PERIOD_LABEL[entry.period]},
                unit_id=unit.id, entry_id=entry.id, domain=entry.domain,
                evidence=_evidence(ctx, entry, dates) | {"period": {"start": start.isoformat(),
                                                                   "end": end.isoformat(),
                                                                   "label": label}},
                key=f"period_missed|{unit.id}|{entry.id}|{start.isoformat()}"))
    if rule.kind == "periodic" and rule.amount:
        last = dates[-1][0]
        due = rule.due_date(last, ctx.cal)
        if due is None:
            return
        res.basis[unit.id][entry.domain] += 1
        if due.date >= ctx.as_of:
            return
        overdue = (ctx.as_of - due.date).days
        res.findings.append(Periodic.draft(
            "periodic_overdue", FindingStatus.DEFECT, entry_fields(entry) | {"overdue": overdue, "last": last, "due_date": due.date},
            unit_id=unit.id, entry_id=entry.id, domain=entry.domain, days_late=overdue,
            evidence=_evidence(ctx, entry, dates) | {"last_update": last.isoformat(),
                                                     "due_date": due.date.isoformat(),
                                                     "rule": rule.to_json()},
            key=f"periodic_overdue|{unit.id}|{entry.id}"))
    if rule.kind == "after_period" and rule.period and rule.amount is not None:
        _after_period(ctx, res, unit.id, entry, rule, dates)
    if rule.kind == "annual" and rule.fixed_date:
        month, day = map(int, rule.fixed_date.split("-"))
        due_d = date(ctx.as_of.year, month, day)
        if due_d + timedelta(days=rules.grace_days) >= ctx.as_of:
            return
        res.basis[unit.id][entry.domain] += 1
        this_year = [d for d, _ in dates if date(ctx.as_of.year, 1, 1) <= d <= ctx.as_of]
        ev = _evidence(ctx, entry, dates) | {"due_date": due_d.isoformat(), "rule": rule.to_json()}
        if any(d <= due_d for d in this_year):
            return
        names = entry_fields(entry) | {"year": ctx.as_of.year}
        if this_year:
            late = (min(this_year) - due_d).days
            res.findings.append(Periodic.draft(
                "annual_late", FindingStatus.DEFECT, names | {"late": late, "month": month, "day": day},
                unit_id=unit.id, entry_id=entry.id, domain=entry.domain, days_late=late,
                evidence=ev | {"published": min(this_year).isoformat()},
                key=f"annual_late|{unit.id}|{entry.id}|{ctx.as_of.year}"))
        else:
            res.findings.append(Periodic.draft(
                "annual_missed", FindingStatus.DEFECT, names | {"due_date": due_d},
                unit_id=unit.id, entry_id=entry.id, domain=entry.domain, evidence=ev,
                key=f"annual_missed|{unit.id}|{entry.id}|{ctx.as_of.year}"))
