"""Completeness: every applicable entry has an accepted match — or the crawl could not tell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from auditor.checks.base import Check, CheckParams, CheckResult, Message, RuleSpec
from auditor.checks.common import accepted_by_entry, entry_fields, healthy, read_whole, recent_health, review_by_entry
from auditor.vocabulary import FindingStatus

if TYPE_CHECKING:
    from auditor.checks.audit_context import AuditContext
    from auditor.store.models import Channel


def _column_evidence(ctx: AuditContext, channel: Channel, runs: int) -> dict:
    """What the recent crawls saw of one column that should hold the entry: status and coverage, newest first."""
    rows = recent_health(ctx, channel, runs)
    newest = rows[0] if rows else None
    return {"name": channel.name, "url": channel.url, "health": [h.status for h in rows],
            "coverage": [h.coverage or ("complete" if h.status == "ok" else h.status) for h in rows],
            "coverage_reason": newest.coverage_reason if newest else "本次审计的抓取未覆盖该栏目",
            "declared_total": newest.declared_total if newest else None,
            "entries": newest.entries if newest else None,
            "share_seen": newest.share_seen if newest else None}


def _unverified_reason(ctx: AuditContext, holders: list[Channel], runs: int) -> str:
    """Why absence cannot be judged, naming the first column that was not read whole."""
    for c in holders:
        rows = recent_health(ctx, c, runs)
        if not rows:
            return f"栏目「{c.name}」未被抓取"
        bad = next((h for h in rows if not read_whole(h)), None)
        if bad is not None:
            if (bad.coverage or bad.status) == "partial":
                return f"栏目「{c.name}」未完整读取：{bad.coverage_reason or bad.error or '部分列表页未读取'}"
            return f"栏目「{c.name}」抓取失败：{bad.coverage_reason or bad.error or bad.status}"
    return "栏目抓取不完整"


class Completeness(Check):
    """Every applicable entry has an accepted match; absent only when every column that should hold it was
    read whole, else unverified (never missing)."""

    type = "completeness"
    dimension = "completeness"
    label = "完整性"
    order = 10
    rules = (RuleSpec("missing", "未公开"), RuleSpec("unverified", "无法核实"),
             RuleSpec("offline_only", "仅线下公开待佐证"), RuleSpec("offline_evidence", "线下公开已佐证"))
    messages = {
        "missing": Message("未公开：{level1} / {level2}",
                           "在「{fix_column}」栏目公开{level2}（公开时限：{time_limit}）；确无此事项的，在目录中标注“无”并说明理由。"),
        "unverified": Message("无法核实（{reason}）：{level1} / {level2}",
                              "修复站点访问或在登记表中补充栏目后重新抓取；本项不扣分。"),
        "offline_only": Message("仅要求线下渠道公开，无法在线核实：{level1} / {level2}（{channels_text}）",
                                "上传公示栏照片等佐证材料；本项不扣分。"),
        "offline_evidence": Message("线下渠道公开已有佐证材料：{level1} / {level2}"),
    }

    class Params(CheckParams):
        healthy_runs: int = Field(1, ge=1, le=50)

    def run(self, ctx: AuditContext) -> CheckResult:
        return _run(ctx, self.params(ctx).healthy_runs)


def _run(ctx: AuditContext, runs: int) -> CheckResult:
    res = CheckResult()
    for unit in ctx.units:
        accepted = accepted_by_entry(ctx, unit.id)
        review = review_by_entry(ctx, unit.id)
        website = [c for c in ctx.channels.get(unit.id, []) if c.code in ("WEBSITE", "PLATFORM")]
        for entry in ctx.entries.get(unit.id, []):
            if entry.id in ctx.not_applicable.get(unit.id, set()):
                continue
            if accepted.get(entry.id):
                res.basis[unit.id][entry.domain] += 1
                continue
            holders = [c for c in website if c.domain == entry.domain] or \
                      [c for c in website if c.column_kind == "catalog" and not c.domain]
            evidence = {"entry": {"id": entry.id, "level1": entry.level1, "level2": entry.level2,
                                  "basis": entry.basis, "time_limit": entry.time_limit},
                        "columns": [_column_evidence(ctx, c, runs) for c in holders]}
            if review.get(entry.id):
                evidence["review_band"] = [{"item_id": m.item_id, "score": m.score} for m in review[entry.id]]
            key = f"missing|{unit.id}|{entry.id}"
            names = entry_fields(entry)
            where = {"unit_id": unit.id, "entry_id": entry.id, "domain": entry.domain}
            if not entry.online_required:
                shown = ctx.evidence.get((unit.id, entry.id), set()) & set(entry.required_channels)
                if shown and ctx.scheme.checks.channels.offline_evidence:  # the channels check's parameter
                    res.basis[unit.id][entry.domain] += 1
                    res.findings.append(Completeness.draft(
                        "offline_evidence", FindingStatus.INFO, names, severity="info", **where,
                        evidence=evidence | {"offline_channels": sorted(shown)},
                        key=f"offline_evidence|{unit.id}|{entry.id}"))
                    continue
                res.findings.append(Completeness.draft(
                    "offline_only", FindingStatus.UNVERIFIED, names, severity="info", **where,
                    evidence=evidence | {"reason": entry.channels_text or None},
                    key=f"offline_only|{unit.id}|{entry.id}"))
                continue
            if holders and all(healthy(ctx, c, runs) for c in holders):  # absent only if every holder was read whole
                res.basis[unit.id][entry.domain] += 1
                column = {"fix_column": holders[0].column_path or holders[0].name}
                res.findings.append(Completeness.draft(
                    "missing", FindingStatus.DEFECT, names | column, **where, evidence=evidence | column, key=key))
            else:
                reason = _unverified_reason(ctx, holders, runs) if holders else "未登记承载该领域的栏目"
                res.findings.append(Completeness.draft(
                    "unverified", FindingStatus.UNVERIFIED, names | {"reason": reason}, severity="info", **where,
                    evidence=evidence | {"reason": reason}, key=f"unverified|{unit.id}|{entry.id}"))
    return res
