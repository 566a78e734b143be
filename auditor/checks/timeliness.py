"""Timeliness: each published item against the deadline its entry's 公开时限 gives, from 成文日期.

An item without 成文日期 cannot be judged: it is an `unverified` finding (no_anchor, with its reason)
counted as 无法评估, never as on time; a unit none of whose items can be judged is 未评估 on timeliness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from auditor.checks.base import Check, CheckParams, CheckResult, Message, RuleSpec
from auditor.checks.common import accepted_by_entry, channel_codes_of_item, published_on
from auditor.checks.deadlines import deadline_for
from auditor.vocabulary import DAY_UNIT_LABELS, FindingStatus

if TYPE_CHECKING:
    from auditor.checks.audit_context import AuditContext

# the event a deadline runs from (auditor/catalog/deadline.py Anchor); the 成文日期 stands in for it
ANCHOR_LABEL = {"formed_or_changed": "信息形成或变更之日", "made_or_obtained": "制作或获取之日",
                "decision": "作出决定之日", "event_start": "事项开始之日"}


class Timeliness(Check):
    """Each published item against the deadline its entry's 公开时限 gives, from 成文日期."""

    type = "timeliness"
    dimension = "timeliness"
    label = "及时性"
    order = 30
    rules = (RuleSpec("late", "逾期"), RuleSpec("undated", "未注明发布日期"),
             RuleSpec("no_anchor", "时限无法评估（无成文日期）"), RuleSpec("not_assessable", "时限无法从页面核实"))
    messages = {
        "late": Message("逾期公开{late}{unit_label}：{title}",
                        "按「{time_limit}」，成文日期{written_date}的信息应于{due_date}前公开，实际{published}公开；今后在时限内发布。"),
        "undated": Message("未注明发布日期（视为未更新）：{title}", "在页面上标注发布日期（国办普查：未注明信息发布时间的视为不更新）。"),
        "no_anchor": Message("时限无法评估（无成文日期）：{title}", "在信息公开元数据中标注成文日期；本项不扣分，也不计为按时公开。"),
        "not_assessable": Message("时限无法从页面核实（{why}）：{title}",
                                  "在信息中注明起算事件的日期，或在目录中以可观察的日期表述公开时限。"),
    }

    class Params(CheckParams):
        anchor: Literal["written_date"] = "written_date"
        undated: Literal["defect", "info"] = "defect"

    def run(self, ctx: AuditContext) -> CheckResult:
        return _run(ctx, self.params(ctx).undated == "defect")


def _run(ctx: AuditContext, undated_is_defect: bool) -> CheckResult:
    res = CheckResult()
    for unit in ctx.units:
        entries = {e.id: e for e in ctx.entries.get(unit.id, [])}
        for entry_id, matches in accepted_by_entry(ctx, unit.id).items():
            entry = entries.get(entry_id)
            if entry is None:
                continue
            for m in matches:
                item = ctx.items.get(m.item_id)
                if item is None or not (channel_codes_of_item(ctx, item.id) & {"WEBSITE", "PLATFORM"}):
                    continue  # feeds mirror website items; their timing is not judged separately
                title = item.title or item.list_title
                rule = deadline_for(entry, title)
                if not rule.has_deadline or rule.kind not in ("deadline_after",):
                    continue
                if not rule.assessable:  # the anchor event's date is not on the page: say so, judge nothing
                    res.findings.append(Timeliness.draft(
                        "not_assessable", FindingStatus.INFO, {"why": rule.reason, "title": title}, severity="info",
                        unit_id=unit.id, entry_id=entry.id, domain=entry.domain,
                        evidence={"url": item.canonical_url, "title": title, "rule": rule.to_json(),
                                  "entry": {"id": entry.id, "level2": entry.level2,
                                            "time_limit": entry.time_limit}},
                        key=f"not_assessable|{unit.id}|{entry.id}|{item.canonical_url}"))
                    continue
                published = published_on(ctx, item.id)
                evidence = {"url": item.canonical_url, "title": title, "entry": {"id": entry.id,
                            "level2": entry.level2, "time_limit": entry.time_limit},
                            "rule": rule.to_json(), "publish_date": published.isoformat() if published else None,
                            "publish_date_source": item.publish_date_source if item.publish_date else "list",
                            "publish_date_raw": item.publish_date_raw,
                            "written_date": item.written_date.isoformat() if item.written_date else None,
                            "written_date_raw": item.written_date_raw}
                key = f"|{unit.id}|{entry.id}|{item.canonical_url}"
                if published is None:
                    res.basis[unit.id][entry.domain] += 1
                    res.findings.append(Timeliness.draft(
                        "undated", FindingStatus.DEFECT if undated_is_defect else FindingStatus.INFO, {"title": title},
                        unit_id=unit.id, entry_id=entry.id, domain=entry.domain, evidence=evidence, key="undated" + key))
                    continue
                if item.written_date is None:
                    # Cannot be judged: counted as 无法评估, never as on time (it is not in the basis).
                    evidence["reason"] = (f"页面未标注成文日期，「{entry.time_limit}」的时限从"
                                          f"{ANCHOR_LABEL.get(rule.anchor or '', '成文日期')}起算，无法判断是否逾期")
                    res.findings.append(Timeliness.draft(
                        "no_anchor", FindingStatus.UNVERIFIED, {"title": title}, severity="info", unit_id=unit.id,
                        entry_id=entry.id, domain=entry.domain, evidence=evidence, key="no_anchor" + key))
                    continue
                due = rule.due_date(item.written_date, ctx.cal)
                if due is None:
                    continue
                res.basis[unit.id][entry.domain] += 1
                evidence["due_date"] = due.date.isoformat()
                if due.fallback_used:
                    evidence["calendar_fallback"] = "节假日数据未覆盖，按仅周末休息推算"
                if published <= due.date:
                    continue
                if rule.unit == "working_day":
                    late = ctx.cal.working_days_between(due.date, published)
                else:
                    late = (published - due.date).days
                unit_label = DAY_UNIT_LABELS.get(rule.unit or "", "日")
                fields = {"late": late, "unit_label": unit_label, "title": title, "time_limit": entry.time_limit,
                          "written_date": item.written_date, "due_date": due.date, "published": published}
                res.findings.append(Timeliness.draft(
                    "late", FindingStatus.DEFECT, fields, unit_id=unit.id, entry_id=entry.id, domain=entry.domain,
                    days_late=late, evidence=evidence, key="late" + key))
    return res
