"""Channel coverage: required channels vs the channels where the entry's items were found."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from auditor.catalog.channels import CHANNELS
from auditor.checks.base import Check, CheckParams, CheckResult, Message, RuleSpec
from auditor.checks.common import accepted_entries, channel_codes_of_item, entry_fields, healthy
from auditor.vocabulary import FindingStatus

if TYPE_CHECKING:
    from auditor.checks.audit_context import AuditContext


def _name(code: str) -> str:
    ch = CHANNELS.get(code)
    return ch.name if ch else code


class Channels(Check):
    """Each required channel of an entry whose items were found: published there too, or a gap."""

    type = "channels"
    dimension = "channels"
    label = "渠道覆盖"
    order = 60
    rules = (RuleSpec("channel_gap", "渠道缺失"), RuleSpec("channel_unverified", "渠道无法核实"),
             RuleSpec("channel_offline", "线下渠道待佐证"))
    messages = {
        "channel_gap": Message("未在{channel}公开：{level2}", "目录要求通过{channel}公开（{channels_text}），请同步发布。"),
        "channel_unverified": Message("无法核实{channel}发布（抓取失败）：{level2}"),
        "channel_offline": Message("线下或未登记渠道无法在线核实：{level2}（{channels}）",
                                   "在审核工作台上传公示照片等佐证材料后计入；本项不扣分。"),
    }

    class Params(CheckParams):
        verify_online: list[str] = Field(default_factory=lambda: ["WEBSITE", "NEWMEDIA"])
        offline_evidence: bool = True  # offline channels count when the review workspace recorded evidence

    def run(self, ctx: AuditContext) -> CheckResult:
        return _run(ctx, self.params(ctx))


def _run(ctx: AuditContext, params: Channels.Params) -> CheckResult:
    res = CheckResult()
    verify = set(params.verify_online)
    use_evidence = params.offline_evidence
    runs = ctx.scheme.checks.completeness.healthy_runs  # the completeness check's window
    for unit in ctx.units:
        unit_channels = ctx.channels.get(unit.id, [])
        for entry, matches in accepted_entries(ctx, unit.id, applicable_only=False):
            found = set().union(*(channel_codes_of_item(ctx, m.item_id) for m in matches))
            evidenced = ctx.evidence.get((unit.id, entry.id), set()) if use_evidence else set()
            unverifiable = []
            where = {"unit_id": unit.id, "entry_id": entry.id, "domain": entry.domain}
            for req in entry.channels:
                if not req.required or req.code in found:
                    if req.required and req.code in verify:
                        res.basis[unit.id][entry.domain] += 1
                    continue
                if req.code not in verify:
                    if req.code in evidenced:
                        res.basis[unit.id][entry.domain] += 1  # offline channel shown by recorded evidence
                    else:
                        unverifiable.append(req.code)
                    continue
                own = [c for c in unit_channels if c.code == req.code]
                if not own:
                    unverifiable.append(req.code)
                    continue
                evidence = {"entry": {"id": entry.id, "level2": entry.level2, "channels": entry.channels_text},
                            "found_on": sorted(found), "items": [m.item_id for m in matches],
                            "channels": [{"name": c.name, "url": c.url} for c in own]}
                holders = [c for c in own if c.column_kind not in ("news", "notice")
                           and c.domain in (None, entry.domain)] or own
                fields = entry_fields(entry) | {"channel": _name(req.code)}
                if not all(healthy(ctx, c, runs) for c in holders):
                    res.findings.append(Channels.draft(
                        "channel_unverified", FindingStatus.UNVERIFIED, fields, severity="info", **where,
                        evidence=evidence | {"reason": "该渠道栏目抓取失败，无法核实是否发布"},
                        key=f"channel_unverified|{unit.id}|{entry.id}|{req.code}"))
                    continue
                res.basis[unit.id][entry.domain] += 1
                res.findings.append(Channels.draft(
                    "channel_gap", FindingStatus.DEFECT, fields, **where, channels_missing=[req.code], evidence=evidence,
                    key=f"channel_gap|{unit.id}|{entry.id}|{req.code}"))
            if unverifiable:
                res.findings.append(Channels.draft(
                    "channel_offline", FindingStatus.INFO,
                    entry_fields(entry) | {"channels": "、".join(_name(c) for c in unverifiable)}, severity="info",
                    **where, evidence={"channels": unverifiable, "entry": {"id": entry.id, "channels": entry.channels_text}},
                    key=f"channel_offline|{unit.id}|{entry.id}"))
    return res
