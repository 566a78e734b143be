"""Real-portal habits seeded into the sample district, and their expected effect on the audit.

Every habit in /work/shared/domain/real-portal-habits.md has misled an audit of a real portal; the sample
has them so the audit is tested where it was wrong. `data/habits.yaml` says which columns, units and
entries carry which habit. The generator calls, in order:

* `habit_title` / `procurement_column` / `procurement_source` while it builds the catalog content
  (procurement notices in a 政府采购 column, township name lists);
* `apply_habits` once the content exists (pager links on a dead host, pages never generated, detail
  pages without 成文日期, 来源 naming a website, reposts, bare housing-project titles); it returns the
  items a crawler can reach through the list pages;
* `record_expectations` on the finished district: it rewrites the ground truth to what an audit can
  see (hidden items are 'unseen', entries resting on a partial column are 'unverified', late items
  without an anchor are 'unassessable') and records the expected coverage of every column.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from auditor.checks.deadlines import deadline_for
from auditor.sample.plan import PlanColumn, PlanItem, PlanSite

if TYPE_CHECKING:
    from auditor.catalog.models import CatalogEntry
    from auditor.sample.generate import SampleDistrict, SampleUnit, _Builder



def load_habits(spec: dict[str, Any]) -> dict[str, Any]:
    """The habits file named by the district spec (`habits:`), or no habits."""
    name = spec.get("habits")
    if not name:
        return {}
    path = Path(spec.get("_dir", ".")) / name
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("province", {"name": "青江省", "abbr": "青"})
    return data


def _fmt(template: str, habits: dict[str, Any], **extra: Any) -> str:
    prov = habits.get("province", {})
    return template.format(prov=prov.get("name", ""), abbr=prov.get("abbr", ""), city=habits.get("city", ""),
                           **extra)


# ------------------------------------------------------------------ while the content is built

def procurement_column(habits: dict[str, Any], entry: CatalogEntry) -> dict[str, Any] | None:
    """The 政府采购 column (key, name, path) that holds this entry's items, if it is a procurement row."""
    proc = habits.get("procurement")
    if not proc or entry.level1 not in proc.get("sources", {}) or entry.id not in proc.get("titles", {}):
        return None
    return {"key": "zfcg", "name": proc["column"]["name"], "path": proc["column"]["path"]}


def procurement_source(habits: dict[str, Any], entry: CatalogEntry) -> str | None:
    """来源 of a procurement notice: the city's trading website, not an issuing body."""
    if procurement_column(habits, entry) is None:
        return None
    return _fmt(habits["procurement"]["sources"][entry.level1], habits)


def habit_title(habits: dict[str, Any], rng: random.Random, unit: SampleUnit, entry: CatalogEntry,
                written: date) -> str | None:
    """A procurement notice or a township name list title for this entry, else None (ordinary title)."""
    proc = habits.get("procurement") or {}
    templates = None
    if procurement_column(habits, entry) is not None:
        templates = proc["titles"][entry.id]
    elif unit.kind == "subdistrict" and entry.id in (habits.get("name_lists") or {}):
        templates = habits["name_lists"][entry.id]
    elif entry.id in (habits.get("entry_titles") or {}):
        templates = habits["entry_titles"][entry.id]
    if not templates:
        return None
    return _fmt(rng.choice(templates), habits, y=written.year, m=written.month, short=unit.short,
                buyer=rng.choice(proc.get("buyers") or [unit.name]),
                goods=rng.choice(proc.get("goods") or ["办公设备"]),
                works=rng.choice(proc.get("works") or ["道路改造工程"]))


# ------------------------------------------------------------------ after the content is built

def _find_column(b: _Builder, key: str) -> tuple[PlanSite, PlanColumn]:
    for site in b.sites.values():
        for col in site.columns:
            if col.key == key:
                return site, col
    raise ValueError(f"habits.yaml: no column {key!r} in the sample district")


def _sort(col: PlanColumn) -> None:
    col.items.sort(key=lambda it: (it.publish_date or date.min, it.uid), reverse=True)


def _late_titles(b: _Builder) -> set[str]:
    return {d["title"] for d in b.truth.defects if d["type"] == "late"}


def _signature(issuer: str, day: date) -> str:
    return f"{issuer}\n{day.year}年{day.month}月{day.day}日"


def apply_habits(b: _Builder) -> set[str]:
    """Apply the habits to the plan; returns the uids of catalog items listed on readable list pages."""
    h = b.habits
    rng = b.hrng
    if h:
        b.truth.habits.append({"habit": "unit_without_domain", "units": [u.id for u in b.units if not u.domains]})
    for spec in h.get("coverage", []):
        site, col = _find_column(b, spec["column"])
        col.page_size = spec.get("page_size")
        col.pager_host = spec.get("pager_host")
        col.served_pages = spec.get("served_pages")
        site.hosts.extend(h for h in spec.get("site_hosts", []) if h not in site.hosts)
        b.truth.habits.append({"habit": spec["kind"], "site": site.key, "column": col.key})
    housing = h.get("housing_names")
    if housing:
        site, col = _find_column(b, housing["column"])
        unit = next(u for u in b.units if col.key.startswith(u.id + "_"))
        # a bare project name in a 保障性住房 column is that project's information (issue 13's labelling rule:
        # judged from title plus column), so it is published for the project row, not left unattributed
        entry = b.catalog.by_id[housing["entry"]]
        for title in housing["titles"]:
            published = b._working_day_between(b.start, b.as_of - timedelta(days=30))
            item = b._item(unit, title, None, published, col.name,
                           f"{title}项目位于云溪区，为保障性租赁住房项目。{unit.name}。", attach=False, doc_no=None)
            b.titles.add(title)
            col.items.append(item)
            b.catalog_items[item.uid] = (unit, entry, col, site)
            b.truth.published.append({"unit": unit.id, "entry_id": entry.id, "title": title, "channel": "WEBSITE",
                                      "site": site.key, "column": col.key, "habit": "housing_name"})
        b.truth.habits.append({"habit": "housing_names", "site": site.key, "column": col.key,
                               "count": len(housing["titles"])})
    for site in b.sites.values():
        for col in site.columns:
            _sort(col)
    visible = {it.uid for site in b.sites.values() if not site.unreachable for col in site.columns
               for it in col.visible_items(site.page_size)}
    late = _late_titles(b)

    def plain(uid: str, item: PlanItem) -> bool:
        """An ordinary visible catalog item: not late, not a habit already."""
        return (uid in visible and uid in b.catalog_items and item.title not in late and item.show_meta
                and item.show_written and not item.doc_no_in_body)

    nwd = h.get("no_written_date") or {}
    for key in nwd.get("columns", []):
        _, col = _find_column(b, key)
        for item in col.items:
            item.show_written = False
        b.truth.habits.append({"habit": "no_written_date_column", "column": key, "items": len(col.items)})
    late_items = [it for uid, (_, _, col, site) in b.catalog_items.items()
                  for it in [next(i for i in col.items if i.uid == uid)]
                  if it.title in late and uid in visible and it.show_written and it.show_meta
                  and it.written_date and it.written_date.month not in (9, 2)]  # keep the holiday cases
    late_items.sort(key=lambda it: it.uid)
    rng.shuffle(late_items)
    kept = late_items[: nwd.get("late_kept", 0)]
    lost = late_items[len(kept): len(kept) + nwd.get("late_unassessable", 0)]
    for item in kept:
        unit = b.catalog_items[item.uid][0]
        item.show_written = False
        item.doc_no = item.doc_no or f"云{unit.short[1]}〔{item.written_date.year}〕{rng.randint(1, 99)}号"
        item.signature = _signature(unit.name, item.written_date)
    for item in lost:
        item.show_written, item.doc_no = False, None
    if kept or lost:
        b.truth.habits.append({"habit": "late_without_written_date", "kept_late": [i.title for i in kept],
                               "unassessable": [i.title for i in lost]})
    for spec in h.get("website_source", []):
        pool = [it for col in b.sites[spec["site"]].columns if col.kind == "catalog" for it in col.items
                if plain(it.uid, it)]
        chosen = pool[:: max(1, len(pool) // max(1, spec["count"]))][: spec["count"]]
        for item in chosen:
            item.show_meta, item.source = False, spec["source"]
        b.truth.habits.append({"habit": "website_source", "site": spec["site"], "source": spec["source"],
                               "count": len(chosen)})
    for spec in h.get("reposts", []):
        _repost(b, spec, plain, rng)
    return visible


def _repost(b: _Builder, spec: dict[str, Any], plain, rng: random.Random) -> None:
    """Turn one ordinary item of the entry into a repost of a higher-level document."""
    cands = [it for uid, (u, e, col, _) in b.catalog_items.items() if u.id == spec["unit"] and e.id == spec["entry"]
             for it in col.items if it.uid == uid and plain(uid, it)]
    if not cands:
        raise ValueError(f"habits.yaml: no ordinary item of {spec['unit']}/{spec['entry']} to turn into a repost")
    item = sorted(cands, key=lambda it: it.uid)[0]
    unit, entry, col, site = b.catalog_items[item.uid]
    old = item.title
    y = item.written_date.year
    item.title = title = _fmt(spec["title"], b.habits, y=y)
    b.titles.add(title)
    item.doc_no = _fmt(spec["doc_no"], b.habits, y=y, n=rng.randint(5, 120))
    issuer = _fmt(spec["issuer"], b.habits)
    item.doc_no_in_body, item.show_written, item.source = True, False, issuer
    item.signature = _signature(issuer, item.written_date)
    item.body = ("各有关单位：\n为贯彻落实党中央、国务院决策部署，现就有关事项通知如下，"
                 f"请结合实际认真贯彻执行。（{unit.name}转发）")
    copy = b.feed_copies.get(item.uid)
    if copy is not None:
        copy.title, copy.body = title, item.body
    for p in b.truth.published:
        if p["unit"] == unit.id and p["entry_id"] == entry.id and p["title"] == old:
            p["title"] = title
    b.truth.reposts.append({"unit": unit.id, "entry_id": entry.id, "site": site.key, "column": col.key,
                            "title": title, "doc_no": item.doc_no, "doc_no_where": "first body line",
                            "written_date": item.written_date.isoformat(), "written_date_anchor": "signature",
                            "publish_date": item.publish_date.isoformat(), "publisher": unit.name, "source": issuer})


# ------------------------------------------------------------------ the ground truth of what can be seen

def column_url(site: PlanSite, col: PlanColumn) -> str:
    """Site-relative URL of the column's first list page (as the renderers assign it)."""
    if site.style == "static_paging":
        from auditor.sample.render.static_paging import column_dir, page_name
        return column_dir(col) + page_name(0)
    from auditor.sample.render.hanweb import column_numbers, column_path
    return column_path(column_numbers(site)[col.key])


def _anchored(item: PlanItem) -> bool:
    """Whether the page lets a reader find the 成文日期: the meta cell, or 文号 plus a dated signature."""
    if item.show_meta and item.show_written and item.written_date:
        return True
    doc_shown = bool(item.doc_no) and (item.doc_no_in_body or item.show_meta)
    return doc_shown and bool(item.signature)


@dataclass
class _Visibility:
    """What a crawler can reach in the sample: shared by every rewrite of the ground truth."""

    visible: set[str] = field(default_factory=set)  # uids of items on readable list pages
    col_of: dict[tuple[str, str], PlanColumn] = field(default_factory=dict)  # (site, column) → column
    partial: dict[str, dict[str, Any]] = field(default_factory=dict)  # column key → its coverage row


def record_expectations(b: _Builder, district: SampleDistrict) -> None:
    """Rewrite the ground truth to what an audit can see, and record every habit's expected effect."""
    vis = _record_coverage(b)
    _drop_unseen(b, vis)
    _mark_unverified(b, vis)
    _unobserve_hidden_late(b, vis)
    _mark_unassessable(b, vis)
    _record_publishers(b, vis)
    _record_unassessed_units(b)


def _coverage_row(site: PlanSite, col: PlanColumn, seen: int, reason: str | None) -> dict[str, Any]:
    """The expected coverage of one column: failed (site down), partial (with its habit) or complete."""
    per = col.size(site.page_size)
    pages = max(1, math.ceil(len(col.items) / per))
    row: dict[str, Any] = {"site": site.key, "column": col.key, "name": col.name, "kind": col.kind,
                           "url_path": column_url(site, col), "declared_total": len(col.items),
                           "declared_pages": pages, "entries_seen": 0 if site.unreachable else seen,
                           "pages_readable": 0 if site.unreachable else col.listed_pages(site.page_size)}
    if site.unreachable:
        row.update(coverage="failed", reason="site_unreachable", share_seen=None)
    else:
        row["share_seen"] = round(seen / len(col.items), 3) if col.items else None
        row.update(coverage="partial" if seen < len(col.items) else "complete",
                   reason=reason if seen < len(col.items) else None)
    return row


def _record_coverage(b: _Builder) -> _Visibility:
    """Record every column's expected coverage and collect which items a crawler can reach."""
    habit_of = {s["column"]: s["kind"] for s in b.habits.get("coverage", [])}
    vis = _Visibility()
    for site in b.sites.values():
        for col in site.columns:
            vis.col_of[(site.key, col.key)] = col
            items = col.visible_items(site.page_size)
            if not site.unreachable:
                vis.visible |= {it.uid for it in items}
            b.truth.coverage.append(_coverage_row(site, col, len(items), habit_of.get(col.key)))
    vis.partial = {r["column"]: r for r in b.truth.coverage if r["coverage"] == "partial"}
    return vis


def _drop_unseen(b: _Builder, vis: _Visibility) -> None:
    """Items on list pages nobody can read: not published as far as an audit can know."""
    truth = b.truth
    kept = []
    for p in truth.published:
        if p["channel"] == "WEBSITE":
            col = vis.col_of[(p["site"], p["column"])]
            item = next(it for it in col.items if it.title == p["title"])
            if item.uid not in vis.visible:
                truth.unseen.append({**p, "reason": vis.partial[p["column"]]["reason"]})
                continue
        kept.append(p)
    truth.published = kept


def _mark_unverified(b: _Builder, vis: _Visibility) -> None:
    """Entries not seen whose column is partial: unverified, never missing."""
    from auditor.sample.generate import _applicable
    truth, partial = b.truth, vis.partial
    seen = {(p["unit"], p["entry_id"]) for p in truth.published}
    for unit in b.units:
        holders = [(site_key, col_key, dom) for site_key, col_key, kind, dom in b.unit_columns[unit.id]
                   if kind == "catalog"]
        for entry in _applicable(b.catalog, unit):
            if (unit.id, entry.id) in seen:
                continue
            cols = [c for s, c, d in holders if d == entry.domain and c in partial]
            if not cols or b.sites[unit.site].unreachable:
                continue
            truth.unverified.append({"unit": unit.id, "entry_id": entry.id, "reason": "partial column",
                                     "site": unit.site, "column": cols[0],
                                     "coverage_reason": partial[cols[0]]["reason"]})
            for d in [d for d in truth.defects if d["type"] == "missing" and d["unit"] == unit.id
                      and d["entry_id"] == entry.id]:
                truth.defects.remove(d)
                truth.unobserved.append({**d, "now": "unverified", "why": f"column {cols[0]} is partial"})


def _unobserve_hidden_late(b: _Builder, vis: _Visibility) -> None:
    """Seeded late items nobody can see are no longer expected as late."""
    truth = b.truth
    items_by_title = {it.title: (uid, it) for uid, (_, _, col, _) in b.catalog_items.items()
                      for it in col.items if it.uid == uid}
    for d in [d for d in truth.defects if d["type"] == "late"]:
        uid, item = items_by_title[d["title"]]
        if uid not in vis.visible:
            truth.defects.remove(d)
            truth.unobserved.append({**d, "now": "unseen", "why": "listed only on list pages the crawler cannot read"})


def _mark_unassessable(b: _Builder, vis: _Visibility) -> None:
    """Visible items with a deadline whose page hides the 成文日期: timeliness cannot be assessed."""
    truth = b.truth
    late = {d["title"] for d in truth.defects if d["type"] == "late"}
    for uid, (unit, entry, col, site) in sorted(b.catalog_items.items()):
        item = next(it for it in col.items if it.uid == uid)
        if uid not in vis.visible or _anchored(item):
            continue
        rule = deadline_for(entry, item.title)
        if not rule.has_deadline or rule.kind != "deadline_after":
            continue
        truth.timeliness_unassessable.append({"unit": unit.id, "entry_id": entry.id, "title": item.title,
                                              "site": site.key, "column": col.key, "seeded_late": item.title in late,
                                              "why": "no 成文日期 on the page and no other anchor"})
        for d in [d for d in truth.defects if d["type"] == "late" and d["title"] == item.title]:
            truth.defects.remove(d)
            truth.unobserved.append({**d, "now": "unassessable", "why": "no 成文日期 on the page"})


def _record_publishers(b: _Builder, vis: _Visibility) -> None:
    """The publisher an audit should read: none for pages without a meta table, the original for reposts."""
    truth = b.truth
    for uid, (unit, _entry, col, site) in sorted(b.catalog_items.items()):
        item = next(it for it in col.items if it.uid == uid)
        if uid in vis.visible and not item.show_meta:
            truth.publishers.append({"unit": unit.id, "site": site.key, "column": col.key, "title": item.title,
                                     "publisher": None, "source": item.source})
    for r in truth.reposts:
        truth.publishers.append({"unit": r["unit"], "site": r["site"], "column": r["column"], "title": r["title"],
                                 "publisher": r["publisher"], "source": r["source"]})


def _record_unassessed_units(b: _Builder) -> None:
    """Units holding no catalog domain are shown as 未评估 for completeness, never ranked above others."""
    for unit in b.units:
        if not unit.domains:
            b.truth.unassessed_units.append({"unit": unit.id, "dimension": "completeness", "shown": "未评估",
                                             "ranked_above_assessed": False,
                                             "why": "holds no catalog domain: nothing to be complete about"})
