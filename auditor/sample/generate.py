"""Build the sample district deterministically from district.yaml, the catalog and a seed.

The result is a content plan (what each site publishes) and the ground truth: every published
catalog item, every seeded defect, and every entry that cannot be verified because its site is down.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from auditor.catalog.models import Catalog, CatalogEntry
from auditor.catalog.workdays import WorkingCalendar
from auditor.checks.deadlines import deadline_for
from auditor.sample.habits import (
    apply_habits,
    habit_title,
    load_habits,
    procurement_column,
    procurement_source,
    record_expectations,
)
from auditor.sample.plan import DistrictPlan, PlanAttachment, PlanColumn, PlanFeed, PlanItem, PlanSite
from auditor.sample.titles import entry_title, news_title, unique

SPEC_PATH = Path(__file__).resolve().parent / "data" / "district.yaml"
ATTACHMENT_KINDS = ["pdf", "doc", "xls"]


@dataclass
class SampleUnit:
    id: str
    name: str
    short: str
    code: str
    kind: str
    level: str
    site: str
    lead: list[str]
    share: list[str]

    @property
    def domains(self) -> list[str]:
        return list(dict.fromkeys([*self.lead, *self.share]))

    @property
    def catalog_level(self) -> str:
        return "县级" if self.level == "区级" else "乡级"


@dataclass
class GroundTruth:
    """What the audit of the sample must find, no more and no less.

    Besides what is published, the seeded defects and the unverified entries, it records the effect
    of every real-portal habit (auditor/sample/habits.py): items a crawler cannot see (`unseen`), seeded
    defects that therefore cannot be observed (`unobserved`), the expected coverage of every column,
    items whose timeliness cannot be judged, expected publisher/source, items that belong to no entry,
    reposts, and units that cannot be assessed on a dimension.
    """

    as_of: date
    published: list[dict[str, Any]] = field(default_factory=list)
    defects: list[dict[str, Any]] = field(default_factory=list)
    unverified: list[dict[str, Any]] = field(default_factory=list)
    unseen: list[dict[str, Any]] = field(default_factory=list)
    unobserved: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[dict[str, Any]] = field(default_factory=list)
    timeliness_unassessable: list[dict[str, Any]] = field(default_factory=list)
    publishers: list[dict[str, Any]] = field(default_factory=list)
    unattributed: list[dict[str, Any]] = field(default_factory=list)
    reposts: list[dict[str, Any]] = field(default_factory=list)
    unassessed_units: list[dict[str, Any]] = field(default_factory=list)
    habits: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "published": self.published, "defects": self.defects,
                "unverified": self.unverified, "unseen": self.unseen, "unobserved": self.unobserved,
                "coverage": self.coverage, "timeliness_unassessable": self.timeliness_unassessable,
                "publishers": self.publishers, "unattributed": self.unattributed, "reposts": self.reposts,
                "unassessed_units": self.unassessed_units, "habits": self.habits}


@dataclass
class SampleDistrict:
    spec: dict[str, Any]
    units: list[SampleUnit]
    plan: DistrictPlan
    truth: GroundTruth
    # unit id -> list of (site key, column key, column kind, domain or None)
    unit_columns: dict[str, list[tuple[str, str, str, str | None]]]
    feeds_by_unit: dict[str, str]
    # (unit id, title) -> entry id of every catalog item, on any site (reachable or not)
    item_entries: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        return self.truth.as_of


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    spec["_dir"] = str(Path(path).resolve().parent)
    return spec


def _applicable(catalog: Catalog, unit: SampleUnit) -> list[CatalogEntry]:
    return [e for e in catalog.for_unit(set(unit.domains), unit.catalog_level) if e.mode == "主动"]


def _requires(entry: CatalogEntry, code: str) -> bool:
    return any(c.code == code and c.required for c in entry.channels)


class _Builder:
    def __init__(self, spec: dict[str, Any], catalog: Catalog, cal: WorkingCalendar) -> None:
        self.spec = spec
        self.catalog = catalog
        self.cal = cal
        self.rng = random.Random(spec["seed"])
        self.as_of: date = spec["as_of"]
        self.start: date = spec["history_start"]
        self.titles: set[str] = set()
        self.seq = 0
        self.units = [SampleUnit(id=u["id"], name=u["name"], short=u["short"], code=u["code"], kind=u["kind"],
                                 level=u["level"], site=u["site"], lead=u.get("lead", []), share=u.get("share", []))
                      for u in spec["units"]]
        self.sites = {s["key"]: PlanSite(key=s["key"], name=s["name"], style=s["style"],
                                         encoding=s.get("encoding", "utf-8"), unreachable=s.get("unreachable", False))
                      for s in spec["sites"]}
        self.feeds = {f["unit"]: PlanFeed(key=f["key"], name=f["name"], format=f["format"]) for f in spec["feeds"]}
        self.truth = GroundTruth(as_of=self.as_of)
        self.unit_columns: dict[str, list[tuple[str, str, str, str | None]]] = {u.id: [] for u in self.units}
        self.habits = load_habits(spec)
        self.hrng = random.Random(spec["seed"] + 8)  # habits draw apart, so the ordinary content stays put
        # item uid -> (unit, entry, column, site) for catalog items; item uid -> its feed copy
        self.catalog_items: dict[str, tuple[SampleUnit, CatalogEntry, PlanColumn, PlanSite]] = {}
        self.feed_copies: dict[str, PlanItem] = {}
        self.attach_candidates: list[tuple[SampleUnit, PlanItem]] = []

    # ---------------------------------------------------------------- helpers
    def _uid(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-{self.seq:05d}"

    def _working_day_between(self, lo: date, hi: date) -> date:
        for _ in range(50):
            d = lo + timedelta(days=self.rng.randint(0, max(0, (hi - lo).days)))
            if self.cal.is_working_day(d):
                return d
        return lo

    def _on_time(self, entry: CatalogEntry, title: str, written: date) -> date:
        """A publish date inside the entry's deadline (or within two working days if it has none)."""
        rule = deadline_for(entry, title)
        due = rule.due_date(written, self.cal) if rule is not None else None
        limit = due.date if due is not None else self.cal.add_working_days(written, 2)[0]
        limit = min(limit, self.as_of - timedelta(days=1))
        for _ in range(20):
            k = self.rng.randint(0, 5)
            d = self.cal.add_working_days(written, k)[0] if k else written
            if d <= limit:
                return d
        return written

    def _item(self, unit: SampleUnit, title: str, written: date | None, published: date, category: str,
              body: str, attach: bool, doc_no: str | None) -> PlanItem:
        atts = []
        if attach:
            kind = self.rng.choice(ATTACHMENT_KINDS)
            atts.append(PlanAttachment(name=f"附件：{title}.{kind}", filename=f"{self._uid('att')}.{kind}", kind=kind))
        year = (written or published).year
        return PlanItem(uid=self._uid(unit.id), title=title, publish_date=published, written_date=written,
                        index_no=f"{unit.code}/{year}-{self.seq:05d}", publisher=unit.name, doc_no=doc_no,
                        category=category, body=body, attachments=atts)

    # ---------------------------------------------------------------- catalog content
    def _column_for(self, unit: SampleUnit, entry: CatalogEntry) -> PlanColumn:
        site = self.sites[unit.site]
        procurement = procurement_column(self.habits, entry)
        key = f"{unit.id}_{procurement['key'] if procurement else entry.domain_code}"
        for col in site.columns:
            if col.key == key:
                return col
        if procurement:
            col = PlanColumn(key=key, name=procurement["name"], path=list(procurement["path"]), kind="catalog")
            site.columns.append(col)
            self.unit_columns[unit.id].append((site.key, key, "catalog", entry.domain))
            return col
        if unit.kind == "subdistrict" and unit.site == "portal":
            path = ["首页", "政府信息公开", "乡镇（街道）", unit.short, "法定主动公开内容", entry.domain]
        elif unit.site == "portal":
            path = ["首页", "政府信息公开", "部门", unit.short, "法定主动公开内容", entry.domain]
        else:
            path = ["首页", "政府信息公开", "法定主动公开内容", entry.domain]
        col = PlanColumn(key=key, name=entry.domain, path=path, kind="catalog")
        site.columns.append(col)
        self.unit_columns[unit.id].append((site.key, key, "catalog", entry.domain))
        return col

    def _choose_defects(self, applicable: dict[str, list[CatalogEntry]]) -> tuple[set, set, list]:
        d = self.spec["defects"]
        reachable = [u for u in self.units if not self.sites[u.site].unreachable]
        feed_units = [u for u in reachable if u.id in self.feeds]
        gap_pool = [(u.id, e.id) for u in feed_units for e in applicable[u.id] if _requires(e, "NEWMEDIA")]
        self.rng.shuffle(gap_pool)
        gaps = set(gap_pool[: d["channel_gap"]])
        # missing: spread over units, never emptying a column, never a gap entry
        missing: set[tuple[str, str]] = set()
        units = reachable[:]
        self.rng.shuffle(units)
        i = 0
        while len(missing) < d["missing"] and i < 10 * len(units):
            unit = units[i % len(units)]
            i += 1
            cands = [e for e in applicable[unit.id] if (unit.id, e.id) not in missing | gaps and e.online_required]
            if not cands:
                continue
            e = self.rng.choice(cands)
            same_domain = [x for x in applicable[unit.id] if x.domain == e.domain and (unit.id, x.id) not in missing]
            if len(same_domain) <= 1:
                continue
            missing.add((unit.id, e.id))
        late_pool = [(u.id, e.id) for u in reachable for e in applicable[u.id]
                     if (u.id, e.id) not in missing | gaps and e.deadline.kind == "deadline_after"
                     and e.deadline.amount]
        self.rng.shuffle(late_pool)
        late = late_pool[: d["late"]]
        return missing, gaps, late

    def _holiday_anchor(self, i: int) -> date:
        """Formation dates just before 国庆 2025 and 春节 2026, so deadlines run across the holidays."""
        return [date(2025, 9, 26), date(2026, 2, 11), date(2025, 9, 24), date(2026, 2, 9)][i % 4]

    def build_catalog_content(self) -> None:
        applicable = {u.id: _applicable(self.catalog, u) for u in self.units}
        missing, gaps, late = self._choose_defects(applicable)
        late_map = {key: n for n, key in enumerate(late)}
        n_holiday = self.spec["defects"]["late_across_holidays"]
        attach_candidates = self.attach_candidates
        for unit in self.units:
            site = self.sites[unit.site]
            ambiguous = {e.level2 for e in applicable[unit.id]
                         if sum(1 for x in applicable[unit.id] if x.level2 == e.level2) > 1}
            for entry in applicable[unit.id]:
                col = self._column_for(unit, entry)
                key = (unit.id, entry.id)
                if site.unreachable:
                    self.truth.unverified.append({"unit": unit.id, "entry_id": entry.id, "reason": "site unreachable",
                                                 "site": site.key, "column": col.key})
                if key in missing:
                    self.truth.defects.append({"type": "missing", "unit": unit.id, "entry_id": entry.id})
                    continue
                items = self._entry_items(unit, entry, entry.level2 in ambiguous, key in late_map,
                                          late_map.get(key, 99) < n_holiday)
                for item, is_late, due, days_late in items:
                    col.items.append(item)
                    self.catalog_items[item.uid] = (unit, entry, col, site)
                    if not site.unreachable:
                        self.truth.published.append({"unit": unit.id, "entry_id": entry.id, "title": item.title,
                                                     "channel": "WEBSITE", "site": site.key, "column": col.key})
                    if is_late:
                        self.truth.defects.append({
                            "type": "late", "unit": unit.id, "entry_id": entry.id, "title": item.title,
                            "written_date": item.written_date.isoformat(), "due_date": due.isoformat(),
                            "publish_date": item.publish_date.isoformat(), "days_late": days_late})
                    elif item.attachments and not site.unreachable:
                        attach_candidates.append((unit, item))
                    if unit.id in self.feeds and _requires(entry, "NEWMEDIA") and key not in gaps:
                        self._add_feed_item(unit, entry, item)
                if key in gaps:
                    self.truth.defects.append({"type": "channel_gap", "unit": unit.id, "entry_id": entry.id,
                                               "channels_missing": ["NEWMEDIA"]})

    def choose_missing_attachments(self, visible: set[str]) -> None:
        """Seed dead attachments on items a crawler can see (a hidden item's attachment proves nothing)."""
        pool = [(u, it) for u, it in self.attach_candidates if it.uid in visible]
        self.rng.shuffle(pool)
        for unit, item in pool[: self.spec["defects"]["missing_attachments"]]:
            item.attachments[0].missing = True
            self.truth.defects.append({"type": "missing_attachment", "unit": unit.id, "title": item.title,
                                       "attachment": item.attachments[0].name})

    def _entry_items(self, unit: SampleUnit, entry: CatalogEntry, ambiguous: bool, make_late: bool,
                     across_holiday: bool) -> list[tuple[PlanItem, bool, date | None, int | None]]:
        """The items one unit published for one entry, newest first; at most one of them late."""
        if entry.period == "annual":
            writtens = [self._working_day_between(date(y, 1, 20), date(y, 3, 20)) for y in (2024, 2025, 2026)]
        else:
            n = self.rng.randint(1, 3)
            writtens = sorted(self._working_day_between(self.start, self.as_of - timedelta(days=45)) for _ in range(n))
        if entry.deadline.kind == "periodic" and entry.deadline.amount:
            # "半年至少更新1次": the newest update falls inside the last interval, or the audit says overdue
            span = entry.deadline.amount * {"month": 30, "week": 7}.get(entry.deadline.unit or "", 1)
            lo = max(self.start, self.as_of - timedelta(days=max(46, span - 20)))
            writtens[-1] = max(writtens[-1], self._working_day_between(lo, self.as_of - timedelta(days=45)))
        if make_late and across_holiday:
            writtens[-1] = self._holiday_anchor(self.rng.randint(0, 3))
        out = []
        for idx, written in enumerate(writtens):
            title = entry_title(self.rng, unit.short, unit.name, entry, written, ambiguous)
            title = unique(self.titles, habit_title(self.habits, self.hrng, unit, entry, written) or title)
            is_late = make_late and idx == len(writtens) - 1
            due_d: date | None = None
            days_late: int | None = None
            if is_late:
                rule = deadline_for(entry, title)
                due = rule.due_date(written, self.cal)
                assert due is not None, entry.id
                extra = self.rng.randint(2, 9)
                published = self.cal.add_working_days(due.date, extra)[0]
                due_d = due.date
                days_late = (self.cal.working_days_between(due.date, published) if rule.unit == "working_day"
                             else (published - due.date).days)
            else:
                published = self._on_time(entry, title, written)
            doc_no = f"云{unit.short[1]}〔{written.year}〕{self.rng.randint(1, 99)}号" if self.rng.random() < 0.4 else None
            body = (f"{title}。根据{entry.basis[:60]}，现将有关情况公开如下：{entry.content[:120]}。"
                    f"{unit.name}，{written.year}年{written.month}月{written.day}日。")
            item = self._item(unit, title, written, published, entry.domain, body,
                              attach=self.rng.random() < 0.5, doc_no=doc_no)
            source = procurement_source(self.habits, entry)
            if source:  # procurement notices: no meta table, 来源 the trading website
                item.show_meta, item.source = False, source
            out.append((item, is_late, due_d, days_late))
        out.sort(key=lambda t: t[0].publish_date, reverse=True)
        return out

    def _add_feed_item(self, unit: SampleUnit, entry: CatalogEntry, item: PlanItem) -> None:
        feed = self.feeds[unit.id]
        fi = PlanItem(uid=f"{item.uid}-wx", title=item.title, publish_date=item.publish_date,
                      written_date=item.written_date, index_no=item.index_no, publisher=item.publisher,
                      doc_no=item.doc_no, category=item.category, body=item.body)
        feed.items.append(fi)
        self.feed_copies[item.uid] = fi
        self.truth.published.append({"unit": unit.id, "entry_id": entry.id, "title": item.title,
                                     "channel": "NEWMEDIA", "site": None, "column": feed.key})

    # ---------------------------------------------------------------- news and notices
    def build_site_columns(self) -> None:
        owners = {s["key"]: s.get("owner") for s in self.spec["sites"]}
        dead_pool: list[tuple[str, PlanItem]] = []
        for site_key, columns in self.spec["site_columns"].items():
            site = self.sites[site_key]
            for cdef in columns:
                col = PlanColumn(key=cdef["key"], name=cdef["name"], path=["首页", cdef["name"]], kind=cdef["kind"])
                newest = self.as_of - timedelta(days=cdef.get("stale_days", self.rng.randint(1, 3)))
                span = (newest - self.start).days
                dates = sorted((newest - timedelta(days=int(span * (i / max(1, cdef["count"] - 1)) ** 1.3))
                                for i in range(cdef["count"])), reverse=True)
                for d in dates:
                    unit = self.rng.choice(self.units)
                    title = unique(self.titles, news_title(self.rng, unit.short, cdef["kind"], d))
                    item = self._item(unit, title, None, d, cdef["name"], f"{title}。{unit.name}。", attach=False,
                                      doc_no=None)
                    item.publisher = site.name
                    col.items.append(item)
                    if not site.unreachable and cdef["kind"] == "news":
                        dead_pool.append((site_key, item))
                site.columns.append(col)
                owner = owners.get(site_key)
                if owner:
                    self.unit_columns[owner].append((site_key, col.key, cdef["kind"], None))
                if cdef["count"] == 0 and not site.unreachable:
                    self.truth.defects.append({"type": "blank_column", "site": site_key, "column": col.key,
                                               "column_name": col.name, "unit": owner})
                elif cdef.get("stale_days") and not site.unreachable:
                    self.truth.defects.append({"type": "stale_column", "site": site_key, "column": col.key,
                                               "column_name": col.name, "unit": owner,
                                               "latest_date": newest.isoformat()})
        self.rng.shuffle(dead_pool)
        by_site: dict[str, int] = {}
        chosen = []
        for site_key, item in dead_pool:  # spread dead links over sites
            if by_site.get(site_key, 0) == 0 or len(by_site) >= 3:
                chosen.append((site_key, item))
                by_site[site_key] = by_site.get(site_key, 0) + 1
            if len(chosen) == self.spec["defects"]["dead_links"]:
                break
        for site_key, item in chosen:
            item.dead = True
            self.truth.defects.append({"type": "dead_link", "site": site_key, "title": item.title,
                                       "unit": owners.get(site_key)})
        for s in self.spec["sites"]:
            if s.get("unreachable"):
                self.truth.defects.append({"type": "site_unreachable", "site": s["key"], "unit": s.get("owner")})

    def finish(self) -> SampleDistrict:
        for site in self.sites.values():
            for col in site.columns:
                col.items.sort(key=lambda it: (it.publish_date or date.min, it.uid), reverse=True)
        for feed in self.feeds.values():
            feed.items.sort(key=lambda it: (it.publish_date or date.min, it.uid), reverse=True)
        plan = DistrictPlan(sites=list(self.sites.values()), feeds=list(self.feeds.values()))
        return SampleDistrict(spec=self.spec, units=self.units, plan=plan, truth=self.truth,
                              unit_columns=self.unit_columns,
                              feeds_by_unit={u: f.key for u, f in self.feeds.items()})


def build_sample(catalog: Catalog, cal: WorkingCalendar | None = None, spec_path: Path = SPEC_PATH) -> SampleDistrict:
    """Generate the whole sample district; the same inputs always give the same district."""
    builder = _Builder(load_spec(spec_path), catalog, cal or WorkingCalendar())
    builder.build_catalog_content()
    visible = apply_habits(builder)
    builder.choose_missing_attachments(visible)
    builder.build_site_columns()
    district = builder.finish()
    record_expectations(builder, district)
    district.item_entries = {(unit.id, item.title): entry.id
                             for uid, (unit, entry, col, _) in builder.catalog_items.items()
                             for item in col.items if item.uid == uid}
    return district


def count_detail_pages(sample: SampleDistrict) -> int:
    return sum(len(c.items) for s in sample.plan.sites for c in s.columns)
