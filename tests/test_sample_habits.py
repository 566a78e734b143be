"""The sample district's real-portal habits, checked without a crawl: the ground truth is consistent with
the plan, and the matcher, given what a crawler can see, attributes exactly what the ground truth says.

(The end-to-end test checks the same through a real crawl; this one is fast and names the item that
breaks when titles or the matcher change.)
"""

from __future__ import annotations

from collections import Counter

import pytest

from auditor.catalog.loader import load_catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.match.matcher import ItemView, Matcher, Thresholds
from auditor.match.matching import unit_prefixes
from auditor.sample.generate import build_sample
from auditor.vocabulary import catalog_level


@pytest.fixture(scope="module")
def sample():
    return build_sample(load_catalog(), WorkingCalendar())


class _Unit:  # the fields unit_prefixes reads
    def __init__(self, name: str) -> None:
        self.name = name


def _views(sample):
    """unit id -> ItemViews of what a crawler sees in the unit's channels (as auditor.match.matching builds them)."""
    out: dict[str, list[tuple[ItemView, str]]] = {u.id: [] for u in sample.units}
    n = 0
    for unit in sample.units:
        for site_key, col_key, kind, domain in sample.unit_columns[unit.id]:
            site = sample.plan.site(site_key)
            if site.unreachable:
                continue
            col = next(c for c in site.columns if c.key == col_key)
            for item in col.visible_items(site.page_size):
                n += 1
                out[unit.id].append((ItemView(n, item.title, domain, kind, "/".join(col.path), item.publish_date),
                                     "WEBSITE"))
        feed_key = sample.feeds_by_unit.get(unit.id)
        if feed_key:
            feed = next(f for f in sample.plan.feeds if f.key == feed_key)
            for item in feed.items:
                n += 1
                out[unit.id].append((ItemView(n, item.title, None, "feed", feed.name, item.publish_date), "NEWMEDIA"))
    return out


def test_matcher_attributes_what_the_ground_truth_says(sample):
    catalog = load_catalog()
    matcher = Matcher(Thresholds())
    accepted: set[tuple] = set()
    for unit in sample.units:
        views = _views(sample)[unit.id]
        if not views:
            continue
        entries = [e for e in catalog.for_unit(set(unit.domains), unit.catalog_level) if e.mode == "主动"]
        by_id = {v.item_id: (v, ch) for v, ch in views}
        for r in matcher.match(entries, [v for v, _ in views], unit_prefixes=unit_prefixes(_Unit(unit.name)),
                               unit_level=catalog_level(unit.level)):
            if r.decision == "accept":
                v, ch = by_id[r.item_id]
                accepted.add((unit.id, r.entry_id, v.title, ch))
    published = {(p["unit"], p["entry_id"], p["title"], p["channel"]) for p in sample.truth.published}
    assert sorted(published - accepted) == [], "published items the matcher does not attribute"
    assert sorted(accepted - published) == [], "items attributed to an entry they do not belong to"
    unattributed = {(u["unit"], u["title"]) for u in sample.truth.unattributed}
    assert not {(u, t) for u, _, t, _ in accepted} & unattributed


def test_every_habit_is_seeded(sample):
    truth = sample.truth
    kinds = Counter(h["habit"] for h in truth.habits)
    for habit in ("offsite_pager", "pages_not_served", "owned_host_refuses", "no_written_date_column", "late_without_written_date",
                  "website_source", "housing_names", "unit_without_domain"):
        assert kinds[habit] == 1, habit
    assert {r["coverage_reason"] for r in truth.unverified if r["reason"] == "partial column"} == \
        {"offsite_pager", "pages_not_served", "owned_host_refuses"}
    assert sample.plan.site("portal").hosts == ["localhost:2"]
    assert len(truth.reposts) == 3 and all(r["title"].startswith("（转载）") for r in truth.reposts)
    titles = {p["title"] for p in truth.published}
    assert any("采购" in t and "公告" in t for t in titles) and any("招标公告" in t for t in titles)
    assert any("五保" in t for t in titles) and any("贫困户名单" in t for t in titles)
    late = {d["title"] for d in truth.defects if d["type"] == "late"}
    judged = [u for u in truth.timeliness_unassessable if u["seeded_late"]]
    assert judged and not {u["title"] for u in judged} & late
    kept = next(h for h in truth.habits if h["habit"] == "late_without_written_date")["kept_late"]
    assert kept and set(kept) <= late, "a late item without 成文日期 but with 文号 and signature stays late"
    assert {p["source"] for p in truth.publishers if p["publisher"] is None} >= {"本网", "江城市政府采购网"}
    assert [u["unit"] for u in truth.unassessed_units] == ["zfb"]


def test_ground_truth_is_consistent(sample):
    truth = sample.truth
    unverified = {(u["unit"], u["entry_id"]) for u in truth.unverified}
    missing = {(d["unit"], d["entry_id"]) for d in truth.defects if d["type"] == "missing"}
    published = {(p["unit"], p["entry_id"]) for p in truth.published}
    assert not unverified & missing and not unverified & published and not missing & published
    partial = {r["column"] for r in truth.coverage if r["coverage"] == "partial"}
    assert partial == {"rsj_jiuye", "xhjd_jiuye", "nsz_nongcun_weifang"}
    for u in truth.unverified:  # no missing finding rests on a partial column
        if u["reason"] == "partial column":
            assert u["column"] in partial
    for r in truth.coverage:
        if r["coverage"] == "partial":
            assert 0 < r["share_seen"] < 1 and r["entries_seen"] < r["declared_total"]
    unseen = {p["title"] for p in truth.unseen}
    assert unseen and not unseen & {p["title"] for p in truth.published}
    holiday = [d for d in truth.defects if d["type"] == "late" and d["written_date"][5:7] in ("09", "02")]
    assert holiday, "some late items must run across 国庆 or 春节"
