"""Findings as report rows (model.FindingRow): the fields a reader needs (where, when, what to fix) read from
their evidence, and the tallies and top lists built from them.

The checks put everything a reader needs on the evidence as data (`reason`, `fix_column`, dates, columns);
nothing here parses a title or a fix text, except `_legacy_*` for rows stored before the evidence carried
those keys (audit runs of older versions, still shown by history and re-rendered reports).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from auditor.catalog.channels import CHANNELS
from auditor.report import labels as L
from auditor.report.model import DefectGroup, EntryTally, FindingRow, RuleTally, Totals, UnitCounts
from auditor.store.models import CatalogEntryRow, Finding
from auditor.vocabulary import DAY_UNIT_LABELS, FindingStatus

# prose patterns of rows stored before the evidence carried `reason` / `fix_column` (see _legacy_*)
_PAREN = re.compile(r"（(.+?)）")
_REASON_IN_TITLE = re.compile(r"^[^（]*（(.+)）：")  # "无法核实（reason, may hold （…））：entry"
_COLUMN = re.compile(r"「([^」]+)」栏目")


def entry_info(entries: dict[str, CatalogEntryRow], entry_id: str | None, evidence: dict) -> dict[str, Any]:
    """Catalog row names from the snapshot table, else from the finding's own evidence."""
    row = entries.get(entry_id or "")
    ev = evidence.get("entry") if isinstance(evidence.get("entry"), dict) else {}
    data = (row.data if row is not None and isinstance(row.data, dict) else None) or {}
    return {
        "id": entry_id,
        "domain": row.domain if row else None,
        "level1": row.level1 if row else ev.get("level1"),
        "level2": row.level2 if row else ev.get("level2"),
        "time_limit": row.time_limit if row else ev.get("time_limit"),
        "basis": data.get("basis") or ev.get("basis"),
        "content": data.get("content") or ev.get("content"),
        "channels_text": data.get("channels_text") or ev.get("channels"),
    }




def days_late_label(days: int | None, ev: dict) -> str | None:
    """"6日" (calendar days) or "3个工作日": the unit follows the deadline rule the check applied."""
    if days is None:
        return None
    rule = ev.get("rule") if isinstance(ev.get("rule"), dict) else {}
    unit = rule.get("unit")
    if unit not in DAY_UNIT_LABELS:  # the checks count calendar days unless the rule says working days
        unit = "calendar_day"
    return f"{days}{DAY_UNIT_LABELS[unit]}"


def fix_where(ev: dict, f: Finding) -> str | None:
    """The column (path) the fix goes into: the evidence's column, else the columns it names, else the column
    the fix text names (`fix_column`)."""
    for key in ("path", "column"):
        if isinstance(ev.get(key), str) and ev[key]:
            return ev[key]
    for key in ("columns", "channels"):
        rows = ev.get(key)
        if isinstance(rows, list):
            names = [r.get("path") or r.get("name") for r in rows if isinstance(r, dict)]
            names = [n for n in names if isinstance(n, str) and n]
            if names:
                return "、".join(dict.fromkeys(names))
    if isinstance(ev.get("fix_column"), str) and ev["fix_column"]:
        return ev["fix_column"]
    return _legacy_fix_column(f) if f.rule == "missing" and "fix_column" not in ev else None


def _legacy_fix_column(f: Finding) -> str | None:
    """A `missing` row stored before `fix_column` (the only fix text that ever named a column): that column."""
    m = _COLUMN.search(f.fix or "")
    return m.group(1) if m else None


def evidence_url(ev: dict) -> str | None:
    """The one URL that best proves a finding: the page, else the column or channel, else the probe."""
    for key in ("url", "home", "page"):
        if isinstance(ev.get(key), str) and ev[key]:
            return ev[key]
    for key in ("columns", "channels", "probes"):
        rows = ev.get(key)
        if isinstance(rows, list):
            for row in rows:
                if isinstance(row, dict) and isinstance(row.get("url"), str) and row["url"]:
                    return row["url"]
    return None


def unverified_reason(f: Finding, ev: dict) -> str:
    """Why the auditor could not decide; shown instead of a deduction."""
    runs = [r for r in ev.get("incomplete_crawl_runs") or [] if isinstance(r, dict)]
    if runs:
        return "；".join(f"抓取批次 #{r.get('id')} 未完成（{r.get('status')}），其栏目均按未抓取处理" for r in runs)
    if isinstance(ev.get("reason"), str) and ev["reason"]:
        return ev["reason"]
    if "reason" in ev:  # the check had no reason beyond its rule
        return L.label(L.RULES, f.rule)
    return _legacy_reason(f, ev)


def _legacy_reason(f: Finding, ev: dict) -> str:
    """A row stored before unverified findings carried `reason`: recovered from its title and columns."""
    if f.rule == "unverified":
        cols = [c for c in ev.get("columns") or [] if isinstance(c, dict)]
        if not cols:
            return "未登记承载该领域的栏目"
        m = _REASON_IN_TITLE.match(f.title or "")
        if m and any("coverage" in c for c in cols):  # the check named the column not read whole, and why
            return m.group(1)
        states = sorted({s for c in cols for s in c.get("health") or [] if s and s != "ok"})
        if not states:
            return "栏目近期抓取不完整"
        detail = "、".join(L.label(L.HEALTH, s) for s in states if s != "failed")
        return f"栏目抓取失败（{detail}）" if detail else "栏目抓取失败"
    if f.rule == "channel_unverified":
        return "该渠道栏目抓取失败，无法核实是否发布"
    m = _PAREN.search(f.title or "")
    return m.group(1) if m else L.label(L.RULES, f.rule)


def channel_names(codes: list[Any]) -> str:
    return "、".join(CHANNELS[c].name if c in CHANNELS else str(c) for c in codes or [])


def finding_row(f: Finding, entries: dict[str, CatalogEntryRow], unit_names: dict[str, str]) -> FindingRow:
    """The report's row of a stored finding: labels resolved, the entry's names and what the evidence says."""
    ev = f.evidence if isinstance(f.evidence, dict) else {}
    entry = entry_info(entries, f.entry_id, ev)
    return FindingRow(
        id=f.id,
        key=f.key,
        unit_id=f.unit_id,
        unit_name=unit_names.get(f.unit_id or "", f.unit_id or ""),
        site_id=f.site_id,
        check=f.check,
        check_label=L.label(L.DIMENSIONS, f.check),
        rule=f.rule,
        rule_label=L.label(L.RULES, f.rule),
        status=f.status,
        status_label=L.label(L.STATUSES, f.status),
        severity=f.severity,
        title=f.title,
        entry_id=f.entry_id,
        entry_level1=entry["level1"],
        entry_level2=entry["level2"],
        time_limit=entry["time_limit"],
        basis=entry["basis"],
        entry_content=entry["content"],
        entry_channels=entry["channels_text"],
        domain=f.domain or entry["domain"],
        url=evidence_url(ev),
        publish_date=ev.get("publish_date"),
        written_date=ev.get("written_date"),
        due_date=ev.get("due_date"),
        latest_date=ev.get("latest_date"),
        http_status=ev.get("http_status"),
        days_late=f.days_late,
        days_late_label=days_late_label(f.days_late, ev),
        fix_where=fix_where(ev, f),
        channels_missing=list(f.channels_missing or []),
        channels_missing_label=channel_names(f.channels_missing),
        fix=f.fix,
        points=round(f.points or 0.0, 2),
        lifecycle=f.lifecycle,
        lifecycle_label=L.label(L.LIFECYCLE, f.lifecycle),
        reason=unverified_reason(f, ev) if f.status == FindingStatus.UNVERIFIED else None,
        evidence=ev,
    )


def _tally(findings: list[FindingRow]) -> dict[str, Any]:
    defects = [f for f in findings if f.status == FindingStatus.DEFECT]
    return {
        "defects": len(defects),
        "missing": sum(f.rule == "missing" for f in defects),
        "late": sum(f.rule == "late" for f in defects),
        "undated": sum(f.rule == "undated" for f in defects),
        "channel_gap": sum(f.rule == "channel_gap" for f in defects),
        "site_health": sum(f.check == "site_health" for f in defects),
        "unverified": sum(f.status == FindingStatus.UNVERIFIED for f in findings),
        "no_anchor": sum(f.rule == "no_anchor" for f in findings),
        "info": sum(f.status == FindingStatus.INFO for f in findings),
        "new": sum(f.lifecycle == "new" for f in defects),
        "points_lost": round(sum(f.points for f in defects), 2),
    }


def unit_counts(findings: list[FindingRow]) -> UnitCounts:
    """The per-unit tallies the ranking tables show next to the score."""
    return UnitCounts(**_tally(findings))


def totals(findings: list[FindingRow], units: int, unassigned: int) -> Totals:
    """The district's tallies (the scored units' findings), the overview's headline figures."""
    return Totals(**_tally(findings), units=units, unassigned=unassigned)


def group_defects(findings: list[FindingRow]) -> list[DefectGroup]:
    """Defects by check in dimension order, costliest first, so the scorecard reads as a to-do list."""
    groups: dict[str, list[FindingRow]] = defaultdict(list)
    for f in findings:
        if f.status == FindingStatus.DEFECT:
            groups[f.check].append(f)
    order = list(L.DIMENSION_ORDER) + sorted(set(groups) - set(L.DIMENSION_ORDER))
    out = []
    for check in order:
        rows = sorted(groups.get(check, []), key=lambda f: (-f.points, f.rule, f.title))
        if rows:
            out.append(DefectGroup(check, L.label(L.DIMENSIONS, check), rows, len(rows),
                                   round(sum(f.points for f in rows), 2)))
    return out


def top_by_rule(findings: list[FindingRow]) -> list[RuleTally]:
    """Most common rules across the district: what to train everyone on."""
    rows: dict[str, dict[str, Any]] = {}
    for f in findings:
        r = rows.setdefault(f.rule, {"rule": f.rule, "rule_label": f.rule_label, "check": f.check,
                                     "check_label": f.check_label, "count": 0, "defects": 0,
                                     "unverified": 0, "info": 0, "units": set(), "points": 0.0})
        r["count"] += 1
        r[{"defect": "defects"}.get(f.status, f.status if f.status == FindingStatus.UNVERIFIED else "info")] += 1
        if f.unit_id:
            r["units"].add(f.unit_id)
        if f.status == FindingStatus.DEFECT:
            r["points"] += f.points
    out = [RuleTally(**(r | {"units": len(r["units"]), "points": round(r["points"], 2)})) for r in rows.values()]
    return sorted(out, key=lambda r: (-r.defects, -r.count, r.rule))


def top_by_entry(findings: list[FindingRow], limit: int = 20) -> list[EntryTally]:
    """Catalog entries most units fail on: usually a catalog that is unclear or a column that is missing."""
    rows: dict[str, dict[str, Any]] = {}
    rules: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        if f.status != FindingStatus.DEFECT or not f.entry_id:
            continue
        r = rows.setdefault(f.entry_id, {"entry_id": f.entry_id, "domain": f.domain,
                                         "level1": f.entry_level1, "level2": f.entry_level2,
                                         "count": 0, "units": set()})
        r["count"] += 1
        if f.unit_id:
            r["units"].add(f.unit_id)
        rules[f.entry_id][f.rule_label] += 1
    out = [EntryTally(**(r | {"units": len(r["units"]),
                             "rules": "、".join(f"{k} {v}" for k, v in rules[r["entry_id"]].most_common())}))
           for r in rows.values()]
    return sorted(out, key=lambda r: (-r.units, -r.count, r.entry_id))[:limit]
