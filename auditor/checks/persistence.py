"""Persistent entries (长期公开 / 保持长期公开): the published item must still be online.

An entry whose 公开时限 (or the part that applies to the item) is persistent is judged on its
accepted website items: at least one must have been listed in the latest crawl and not answer as
a dead link. If none is, and the columns that listed them were crawled healthily in the latest
crawl, the entry was withdrawn (`withdrawn`); if those columns could not be read, it is
`persistence_unverified` and costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.checks.base import Check, CheckResult, Message, RuleSpec
from auditor.checks.common import accepted_entries, entry_fields, healthy, website_items
from auditor.checks.deadlines import deadline_for
from auditor.harvest.canonical import canonical_url
from auditor.vocabulary import FindingStatus

if TYPE_CHECKING:
    from auditor.checks.audit_context import AuditContext


def _persistent(rule) -> bool:
    return rule.kind == "persistent" or rule.persistent


class Persistence(Check):
    """长期公开 entries: at least one published item is still online."""

    type = "persistence"
    dimension = "timeliness"
    label = "长期公开"
    order = 50
    rules = (RuleSpec("withdrawn", "信息已撤下"), RuleSpec("persistence_unverified", "长期公开无法核实"))
    messages = {
        "withdrawn": Message("长期公开事项已下线：{level2}（{time_limit}）", "长期公开的信息应保持在线：恢复页面或在原栏目重新发布。"),
        "persistence_unverified": Message("无法核实长期公开事项是否在线（栏目抓取失败）：{level2}",
                                          "修复栏目访问后重新抓取；本项不扣分。"),
    }

    def run(self, ctx: AuditContext) -> CheckResult:
        return _run(ctx)


def _run(ctx: AuditContext) -> CheckResult:
    res = CheckResult()
    latest = ctx.latest_crawl
    if latest is None:
        return res
    dead = {canonical_url(lc.url) for lc in ctx.links
            if lc.kind == "detail" and not lc.ok and lc.http_status in set(ctx.scheme.checks.site_health.dead_link_statuses)}
    for unit in ctx.units:
        for entry, matches in accepted_entries(ctx, unit.id):
            items = []
            for m in website_items(ctx, matches):
                item = ctx.items.get(m.item_id)
                if item is not None and _persistent(deadline_for(entry, item.title or item.list_title)):
                    items.append(item)
            if not items:
                continue
            state = []
            online = False
            columns = {}
            for item in items:
                seen = [(lst, ch) for lst, ch in ctx.listings.get(item.id, []) if ch.active]
                listed = any(lst.last_seen_run == latest.id for lst, _ in seen)
                is_dead = item.canonical_url in dead
                online = online or (listed and not is_dead)
                for _, ch in seen:
                    columns[ch.id] = ch
                state.append({"url": item.canonical_url, "title": item.title or item.list_title,
                              "listed_in_latest_crawl": listed, "dead_link": is_dead,
                              "last_seen_run": item.last_seen_run})
            evidence = {"entry": {"id": entry.id, "level2": entry.level2, "time_limit": entry.time_limit},
                        "items": state, "latest_crawl": latest.id}
            if online:
                res.basis[unit.id][entry.domain] += 1
                continue
            if columns and all(healthy(ctx, ch, 1) for ch in columns.values()):
                res.basis[unit.id][entry.domain] += 1
                res.findings.append(Persistence.draft(
                    "withdrawn", FindingStatus.DEFECT, entry_fields(entry), unit_id=unit.id, entry_id=entry.id,
                    domain=entry.domain, evidence=evidence, key=f"withdrawn|{unit.id}|{entry.id}"))
            else:
                res.findings.append(Persistence.draft(
                    "persistence_unverified", FindingStatus.UNVERIFIED, entry_fields(entry), severity="info",
                    unit_id=unit.id, entry_id=entry.id, domain=entry.domain,
                    evidence=evidence | {"reason": "栏目抓取失败"}, key=f"persistence_unverified|{unit.id}|{entry.id}"))
    return res
