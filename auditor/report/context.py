"""One plain-data view of an audit run, shared by the HTML report and every export.

Built once from the store so the HTML pages, XLSX, CSV and JSON can never disagree; contains only
dicts, lists, strings and numbers (dates as ISO strings) so it serialises to JSON as is.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.errors import AuditorError
from auditor.report import coverage, history
from auditor.report import labels as L
from auditor.report.findings import finding_dict, group_defects, top_by_entry, top_by_rule, unit_counts
from auditor.store.models import AuditRun, CatalogEntryRow, CrawlRun, Finding, Score, Unit

BINS = ((0, 60), (60, 70), (70, 80), (80, 90), (90, 101))


class ReportError(AuditorError):
    """The requested audit run cannot be reported on."""


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def heat_class(score: float | None) -> str:
    """CSS class of a score cell: five bands, plus one for "not scored"."""
    if score is None:
        return "hna"
    for i, (low, _) in enumerate(reversed(BINS)):
        if score >= low:
            return f"h{len(BINS) - i}"
    return "h1"


def unit_page(unit_id: str) -> str:
    """File name of a unit's page; ids outside [A-Za-z0-9_-] get a hash so names stay safe and unique."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", unit_id)
    if safe != unit_id or not safe:
        safe = f"{safe}-{hashlib.sha1(unit_id.encode()).hexdigest()[:8]}"
    return f"{safe}.html"


def short_name(name: str, district: str = "") -> str:
    """"云溪区北岭镇人民政府" → "北岭镇": for narrow table headers; the full name stays in the tooltip."""
    out = name
    if district and out.startswith(district) and len(out) > len(district) + 1:
        out = out[len(district):]
    else:
        m = re.match(r"^.{1,6}?[区县市旗](?=.{2,})", out)
        if m and not out.startswith(("区", "县")):
            out = out[m.end():]
    for suffix in ("人民政府", "办事处"):
        if out.endswith(suffix) and len(out) > len(suffix) + 1:
            out = out[: -len(suffix)]
    return out or name


def _crawl_ids(run: AuditRun) -> list[int]:
    ids = (run.summary or {}).get("crawl_runs") or []
    ids = [i for i in ids if isinstance(i, int)]
    return ids or ([run.crawl_run_id] if run.crawl_run_id is not None else [])


def _run_info(session: Session, run: AuditRun) -> dict[str, Any]:
    crawls = [session.get(CrawlRun, i) for i in _crawl_ids(run)]
    return {
        "id": run.id, "status": run.status, "as_of": _iso(run.as_of), "scheme": run.scheme,
        "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
        "catalog_version": run.catalog_version, "rules_version": run.rules_version,
        "code_version": run.code_version,
        "crawl_runs": [{"id": c.id, "status": c.status, "started_at": _iso(c.started_at),
                        "finished_at": _iso(c.finished_at)} for c in crawls if c is not None],
    }


def _scores(session: Session, run_id: int) -> tuple[dict, dict, dict, dict]:
    """Overall rows, unit → dimension → score, unit → dimension → weight, unit → domain → dimension → score."""
    overall: dict[str, Score] = {}
    dims: dict[str, dict[str, float]] = defaultdict(dict)
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    domains: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for s in session.scalars(select(Score).where(Score.audit_run_id == run_id)):
        if s.dimension is None and s.domain is None:
            overall[s.unit_id] = s
        elif s.domain is None:
            dims[s.unit_id][s.dimension] = s.score
            weights[s.unit_id][s.dimension] = float((s.details or {}).get("weight") or 0)
        elif s.dimension is not None:
            domains[s.unit_id][s.domain][s.dimension] = s.score
    return overall, dims, weights, domains


def _combine(dims: dict[str, float], weights: dict[str, float]) -> float | None:
    """A domain's score: its dimension scores weighted like the overall score (equal if weights unknown)."""
    parts = [(v, weights.get(d, 0) if weights else 1.0) for d, v in dims.items() if v is not None]
    total = sum(w for _, w in parts)
    if not total:
        parts = [(v, 1.0) for v, _ in parts]
        total = len(parts)
    return round(sum(v * w for v, w in parts) / total, 2) if total else None


def _overall_value(s: Score | None) -> float | None:
    if s is None or (s.details or {}).get("scored") is False or s.score < 0:
        return None
    return round(s.score, 2)


def _previous(session: Session, run: AuditRun, current_keys: set[str]) -> dict[str, Any] | None:
    """The earlier complete run of the same scheme (as the engine chooses it) and what changed since."""
    prev = session.scalar(select(AuditRun).where(AuditRun.status == "complete", AuditRun.id < run.id,
                                                 AuditRun.scheme == run.scheme).order_by(AuditRun.id.desc()))
    if prev is None:
        return None
    overall, _, _, _ = _scores(session, prev.id)
    rows = session.execute(select(Finding.key, Finding.unit_id, Finding.status, Finding.title, Finding.rule)
                           .where(Finding.audit_run_id == prev.id)).all()
    resolved = [r for r in rows if r.key not in current_keys]
    per_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in resolved:
        if r.status == "defect" and r.unit_id:
            per_unit[r.unit_id].append({"key": r.key, "title": r.title, "rule_label": L.label(L.RULES, r.rule)})
    summary_resolved = (run.summary or {}).get("resolved")
    return {
        "run": {"id": prev.id, "as_of": _iso(prev.as_of), "finished_at": _iso(prev.finished_at),
                "rules_version": prev.rules_version},
        "scores": {uid: {"score": _overall_value(s), "rank": s.rank} for uid, s in overall.items()},
        "resolved_defects": per_unit,
        "resolved_total": len(resolved),
        "resolved_keys": list(summary_resolved) if isinstance(summary_resolved, list) else
        sorted(r.key for r in resolved),
    }


def _unit_row(u: Unit, overall: Score | None, dims: dict[str, float], counts: dict[str, Any]) -> dict[str, Any]:
    score = _overall_value(overall)
    details = (overall.details if overall else None) or {}
    return {
        "id": u.id, "name": u.name, "kind": u.kind, "level": u.level, "district": u.district,
        "level_label": L.label(L.LEVELS, u.level), "page": unit_page(u.id),
        "score": score, "scored": score is not None, "cls": heat_class(score),
        "grade": details.get("grade") or "未评分", "rank": overall.rank if overall else None, "rank_of": None,
        "dims": {d: dims.get(d) for d in L.DIMENSION_ORDER},
        "dim_cls": {d: heat_class(dims.get(d)) for d in L.DIMENSION_ORDER},
        "counts": counts, "previous": None,
        **_assessment(details),
        "yardstick": details.get("yardstick") or {"source": "national", "label": "国家标准目录"},
    }


def _assessment(details: dict[str, Any]) -> dict[str, Any]:
    """Fair scores (auditor/scoring/assessment.py): the unit's assessment status, its reasons and each
    dimension's status. Runs scored before it have none: they read as assessed."""
    code = details.get("assessment") or "assessed"
    raw = details.get("dim_status") if isinstance(details.get("dim_status"), dict) else {}
    dim_status = {}
    for d in L.DIMENSION_ORDER:
        st = raw.get(d) if isinstance(raw.get(d), dict) else {}
        dim_status[d] = {"status": st.get("status"), "label": L.label(L.ASSESSMENT, st.get("status")),
                         "reason": st.get("reason") or "", "checked": st.get("checked"),
                         "unverified": st.get("unverified"), "share": st.get("share")}
    return {"assessment": code, "assessment_label": L.label(L.UNIT_ASSESSMENT, code),
            "assessment_reasons": [r for r in details.get("assessment_reasons") or [] if isinstance(r, str)],
            "rank_group": details.get("rank_group") or "已评估", "rank_tier": details.get("rank_tier", 0),
            "dim_status": dim_status}


def _distribution(rows: list[dict[str, Any]]) -> dict[str, Any]:
    scores = [r["score"] for r in rows if r["score"] is not None]
    bins = [{"label": f"{lo}–{min(hi - 1, 100)}", "low": lo, "count": sum(lo <= s < hi for s in scores)}
            for lo, hi in BINS]
    grades = Counter(r["grade"] for r in rows)
    return {
        "n": len(rows), "scored": len(scores),
        "mean": round(statistics.fmean(scores), 2) if scores else None,
        "median": round(statistics.median(scores), 2) if scores else None,
        "min": min(scores) if scores else None, "max": max(scores) if scores else None,
        "bins": bins, "grades": [{"grade": g, "count": n} for g, n in grades.most_common()],
    }


def _matrix(levels: list[dict[str, Any]], domain_scores: dict, weights: dict,
            findings_by_unit: dict[str, list[dict]], domain_order: list[str]) -> dict[str, Any]:
    """Domain × unit heat map; a cell is the unit's weighted domain score, None where not applicable."""
    units = [u for lv in levels for u in lv["units"]]
    present = {d for u in units for d in domain_scores.get(u["id"], {})}
    domains = [d for d in domain_order if d in present] + sorted(present - set(domain_order))
    rows = []
    for d in domains:
        cells = []
        for u in units:
            dims = domain_scores.get(u["id"], {}).get(d)
            value = _combine(dims, weights.get(u["id"], {})) if dims else None
            tip = " / ".join(f"{L.DIMENSIONS[k]} {dims[k]:g}" for k in L.DOMAIN_DIMENSIONS if dims and k in dims)
            defects = sum(1 for f in findings_by_unit.get(u["id"], []) if f["domain"] == d and f["status"] == "defect")
            cells.append({"unit_id": u["id"], "score": value, "cls": heat_class(value), "tip": tip,
                          "defects": defects})
        scored = [c["score"] for c in cells if c["score"] is not None]
        rows.append({"domain": d, "cells": cells, "mean": round(statistics.fmean(scored), 2) if scored else None})
    groups = [{"level": lv["level"], "label": lv["label"], "span": len(lv["units"])} for lv in levels if lv["units"]]
    return {"domains": domains, "units": [{"id": u["id"], "name": u["name"], "page": u["page"],
                                           "short": short_name(u["name"], u["district"])} for u in units],
            "groups": groups, "rows": rows}


def build_report_context(session: Session, audit_run_id: int) -> dict[str, Any]:
    """Everything a report about one audit run shows, as plain data."""
    run = session.get(AuditRun, audit_run_id)
    if run is None:
        raise ReportError(f"audit run {audit_run_id} not found")
    overall, dims, weights, domain_scores = _scores(session, run.id)
    units = [u for u in session.scalars(select(Unit).order_by(Unit.id))
             if u.kind != "site" and not u.id.startswith("site:") and u.id in overall]
    all_names = {u.id: u.name for u in session.scalars(select(Unit))}
    entries = {e.id: e for e in session.scalars(select(CatalogEntryRow).order_by(CatalogEntryRow.id))}
    domain_order = list(dict.fromkeys(e.domain for e in entries.values()))
    findings = [finding_dict(f, entries, all_names) for f in session.scalars(  # streamed: no ORM copy of them all
        select(Finding).where(Finding.audit_run_id == run.id).order_by(Finding.id).execution_options(yield_per=2000))]
    unit_ids = {u.id for u in units}
    by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        if f["unit_id"] in unit_ids:
            by_unit[f["unit_id"]].append(f)
    rows = {u.id: _unit_row(u, overall.get(u.id), dims.get(u.id, {}), unit_counts(by_unit.get(u.id, [])))
            for u in units}
    previous = _previous(session, run, {f["key"] for f in findings})
    if previous:
        _attach_previous(rows, previous)
    levels = []
    for level in sorted({u.level for u in units}, key=L.level_key):
        members = sorted((rows[u.id] for u in units if u.level == level),
                         key=lambda r: (r["rank"] is None, r["rank"] or 0, -(r["score"] or 0), r["id"]))
        ranked = sum(r["rank"] is not None for r in members)
        for r in members:
            r["rank_of"] = ranked
        groups = [{"label": g, "units": [r for r in members if r["rank_group"] == g]}
                  for g in dict.fromkeys(r["rank_group"] for r in members)]
        levels.append({"level": level, "label": L.label(L.LEVELS, level), "units": members, "groups": groups,
                       "unassessed": [r for r in members if r["assessment"] == "unassessed"],
                       "distribution": _distribution([r for r in members if r["assessment"] != "unassessed"])})
    crawl_ids = _crawl_ids(run)
    cols = coverage.columns(session, crawl_ids, all_names)
    site_rows = coverage.sites(session, crawl_ids)
    match_rows = coverage.matches(session, run.id, entries, all_names)
    cols_by, sites_by, matches_by = _group(cols, "unit_id"), _group(site_rows, "owner_unit_id"), \
        _group(match_rows, "unit_id")
    scorecards = {u.id: _scorecard(rows[u.id], by_unit.get(u.id, []), domain_scores.get(u.id, {}),
                                   weights.get(u.id, {}), cols_by.get(u.id, []), sites_by.get(u.id, []),
                                   matches_by.get(u.id, []), previous, domain_order)
                  for u in units}
    unit_changes = history.changes(session, run, previous, rows, by_unit)
    due = history.upcoming(session, run, list(rows.values()))
    for uid, card in scorecards.items():
        card["changes"] = unit_changes.get(uid)
        card["upcoming"] = due["units"].get(uid, [])
        card["upcoming_source"] = due["source"]
        card["upcoming_horizon"] = due["horizon_days"]
    scored_findings = [f for f in findings if f["unit_id"] in unit_ids]
    unassigned = [f for f in findings if f["unit_id"] not in unit_ids]
    run_info = _run_info(session, run)
    match_stats = history.matcher(session, run)
    ordered_units = [rows[u["id"]] for lv in levels for u in lv["units"]]
    return {
        "run": run_info,
        "trend": history.trend(session, run, ordered_units),
        "methodology": history.methodology(run, run_info, match_stats),
        "upcoming": due,
        "catalog_diffs": history.catalog_diffs(findings),
        "district": Counter((u.district_name or u.district) for u in units).most_common(1)[0][0] if units else "",
        "dimensions": [{"code": d, "label": L.DIMENSIONS[d]} for d in L.DIMENSION_ORDER],
        "levels": levels,
        "units": ordered_units,
        "totals": unit_counts(scored_findings) | {"units": len(units), "unassigned": len(unassigned)},
        "distribution": _distribution([r for r in rows.values() if r["assessment"] != "unassessed"]),
        "matrix": _matrix(levels, domain_scores, weights, by_unit, domain_order),
        "top_rules": top_by_rule(findings),
        "top_entries": top_by_entry(scored_findings),
        "previous": _previous_summary(previous, scored_findings),
        "scorecards": scorecards,
        "findings": findings,
        "unassigned_findings": unassigned,
        "matches": match_rows,
        "columns": cols,
        "sites": site_rows,
    }


def _attach_previous(rows: dict[str, dict[str, Any]], previous: dict[str, Any]) -> None:
    """Score delta and fixed defects per unit; a unit new since the previous run has no delta."""
    for uid, row in rows.items():
        before = previous["scores"].get(uid) or {}
        old = before.get("score")
        delta = round(row["score"] - old, 2) if row["score"] is not None and old is not None else None
        row["previous"] = {"score": old, "rank": before.get("rank"), "delta": delta,
                           "resolved": len(previous["resolved_defects"].get(uid, []))}


def _group(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


def _previous_summary(previous: dict[str, Any] | None, findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    if previous is None:
        return None
    defects = [f for f in findings if f["status"] == "defect"]
    return {
        "run": previous["run"],
        "new": sum(f["lifecycle"] == "new" for f in defects),
        "persisting": sum(f["lifecycle"] == "persisting" for f in defects),
        "resolved": sum(len(v) for v in previous["resolved_defects"].values()),
        "resolved_all": previous["resolved_total"],
        "resolved_keys": previous["resolved_keys"],
    }


def _note_groups(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hints (no points) by rule: one row per kind with the entries it concerns, not one row each."""
    groups: dict[str, dict[str, Any]] = {}
    for f in notes:
        g = groups.setdefault(f["rule"], {"rule": f["rule"], "rule_label": f["rule_label"], "count": 0,
                                          "items": [], "fixes": []})
        g["count"] += 1
        g["items"].append(f["entry_level2"] or f["title"])
        if f["fix"] and f["fix"] not in g["fixes"]:
            g["fixes"].append(f["fix"])
    return [g | {"items": list(dict.fromkeys(g["items"])), "fix": "；".join(g["fixes"])} for g in groups.values()]


def _scorecard(row: dict[str, Any], findings: list[dict[str, Any]], domain_scores: dict[str, dict[str, float]],
               weights: dict[str, float], cols: list[dict], site_rows: list[dict], mine: list[dict],
               previous: dict[str, Any] | None, domain_order: list[str]) -> dict[str, Any]:
    """One unit's page: why it scored what it did and what to fix, costliest first."""
    uid = row["id"]
    order = {d: i for i, d in enumerate(domain_order)}
    domains = []
    for d in sorted(domain_scores, key=lambda d: (order.get(d, len(order)), d)):
        value = _combine(domain_scores[d], weights)
        domains.append({"domain": d, "score": value, "cls": heat_class(value),
                        "dims": {k: domain_scores[d].get(k) for k in L.DOMAIN_DIMENSIONS},
                        "dim_cls": {k: heat_class(domain_scores[d].get(k)) for k in L.DOMAIN_DIMENSIONS},
                        "defects": sum(f["domain"] == d and f["status"] == "defect" for f in findings)})
    shown = [m for m in mine if m["decision"] in ("accept", "confirmed", "review")]
    defects = [f for f in findings if f["status"] == "defect"]
    by_cost = sorted(defects, key=lambda f: (-f["points"], f["rule"], f["title"]))
    health = Counter(c["status"] or "none" for c in cols)
    cover = Counter(c["coverage"] or "none" for c in cols)
    return {
        "unit": row,
        "anchor": "u-" + row["page"].rsplit(".", 1)[0],
        "missing": [f for f in by_cost if f["rule"] == "missing"],
        "late": [f for f in by_cost if f["check"] == "timeliness"],
        "channel_gaps": [f for f in by_cost if f["check"] == "channels"],
        "site_problems": [f for f in by_cost if f["check"] == "site_health"],
        "other_defects": [f for f in by_cost if f["rule"] != "missing"
                          and f["check"] not in ("timeliness", "channels", "site_health")],
        "coverage": {"columns": len(cols), "ok": health.get("ok", 0),
                     "failed": sum(n for k, n in health.items() if k not in ("ok", "none")),
                     "not_crawled": health.get("none", 0),
                     "complete": cover.get("complete", 0), "partial": cover.get("partial", 0),
                     "coverage_failed": cover.get("failed", 0),
                     "sites_down": sum(1 for r in site_rows if r["probes"] and not r["ok"])},
        "dimensions": [{"code": d, "label": L.DIMENSIONS[d], "score": row["dims"][d], "cls": row["dim_cls"][d],
                        "weight": weights.get(d), "status": row["dim_status"][d]} for d in L.DIMENSION_ORDER],
        "domains": domains,
        "defect_groups": group_defects(findings),
        "unverified": [f for f in findings if f["status"] == "unverified"],
        "notes": [f for f in findings if f["status"] == "info"],
        "note_groups": _note_groups([f for f in findings if f["status"] == "info"]),
        "columns": cols,
        "sites": site_rows,
        "matches": shown,
        "matches_hidden": len(mine) - len(shown),
        "resolved": (previous or {}).get("resolved_defects", {}).get(uid, []),
    }
