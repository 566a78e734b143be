"""Checks and scoring on a hand-built store: table-driven cases per check type, frozen as_of.

The store is built directly (no crawl), so each case states exactly what the crawler saw.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from auditor.scheme import load_scheme
from auditor.scoring.engine import run_audit
from auditor.store.models import (
    ColumnHealth,
    LinkCheck,
    ReviewDecision,
    Score,
    Site,
    SiteProbe,
    Unit,
)
from factories.scoring import AS_OF, SITE, Store, defects


def test_nothing_published_in_a_healthy_column_is_missing(tmp_path, catalog, cal):
    store = Store(tmp_path)
    findings, scores = store.audit(catalog, cal)
    missing = {f.entry_id for f in defects(findings, "missing")}
    online = {e.id for e in catalog.for_unit({"社会救助"}, "县级") if e.mode == "主动" and e.online_required}
    assert missing == online
    assert scores["completeness"] == 0
    for f in defects(findings, "missing"):
        assert f.evidence["entry"]["basis"] is not None and f.evidence["columns"][0]["url"] == SITE + "shjz/"
        assert f.fix


@pytest.mark.parametrize("status", ["failed", "blocked", "partial"])
def test_failed_crawl_gives_unverified_never_missing(tmp_path, catalog, cal, status):
    store = Store(tmp_path, column_status=status)
    findings, scores = store.audit(catalog, cal)
    assert not defects(findings, "missing")
    unverified = [f for f in findings if f.rule == "unverified"]
    assert unverified and all(f.points == 0 for f in unverified)
    assert "completeness" not in scores  # nothing could be checked, so nothing is scored


def test_unreachable_site_is_a_site_health_defect_and_entries_unverified(tmp_path, catalog, cal):
    store = Store(tmp_path, column_status="failed", site_ok=False)
    findings, _ = store.audit(catalog, cal)
    assert [f.rule for f in defects(findings)] == ["site_unreachable"]
    assert all(f.rule in ("unverified", "offline_only", "site_unreachable") for f in findings)


@pytest.mark.parametrize(
    "written, published, late_days",
    [
        (date(2026, 3, 2), date(2026, 3, 16), None),  # 10 working days exactly: on time
        (date(2026, 3, 2), date(2026, 3, 17), 1),  # one working day late
        # formed 2025-09-26; 国庆+中秋 2025-10-01..08 off, 09-28 and 10-11 worked: due 10-16
        (date(2025, 9, 26), date(2025, 10, 16), None),
        (date(2025, 9, 26), date(2025, 10, 20), 2),
        # 春节 2026-02-15..23 off, 02-14 and 02-28 worked: formed 02-11, due 03-03
        (date(2026, 2, 11), date(2026, 3, 3), None),
        (date(2026, 2, 11), date(2026, 3, 5), 2),
    ],
)
def test_timeliness_in_working_days_across_holidays(tmp_path, catalog, cal, written, published, late_days):
    store = Store(tmp_path)
    store.publish("低保办事指南（2026年版）", published, written)
    findings, _ = store.audit(catalog, cal)
    late = defects(findings, "late")
    if late_days is None:
        assert late == []
    else:
        assert [(f.entry_id, f.days_late) for f in late] == [("shehui_jiuzhu.zdshbz_bszn", late_days)]
        assert late[0].evidence["written_date"] == written.isoformat()
        assert late[0].evidence["publish_date"] == published.isoformat()


def test_undated_item_counts_as_not_updated(tmp_path, catalog, cal):
    store = Store(tmp_path)
    store.publish("低保办事指南（2026年版）", None, date(2026, 3, 2))
    findings, _ = store.audit(catalog, cal)
    undated = defects(findings, "undated")
    assert len(undated) == 1 and "视为未更新" in undated[0].title


def test_news_does_not_fulfil_a_catalog_entry(tmp_path, catalog, cal):
    store = Store(tmp_path)
    store.publish("区民政局召开低保工作推进会", date(2026, 11, 10), None, channel="news")
    findings, _ = store.audit(catalog, cal)
    assert "shehui_jiuzhu.zdshbz_bszn" in {f.entry_id for f in defects(findings, "missing")}


def test_reviewer_decisions_override_the_matcher(tmp_path, catalog, cal):
    store = Store(tmp_path)
    item_id = store.publish("关于做好困难群众基本生活保障工作的通知", date(2026, 3, 5), date(2026, 3, 2))
    findings, _ = store.audit(catalog, cal)
    assert "shehui_jiuzhu.lsjz_zcfgwj" in {f.entry_id for f in defects(findings, "missing")}
    with store.factory() as s:
        s.add(ReviewDecision(unit_id="mzj", item_id=item_id, entry_id="shehui_jiuzhu.lsjz_zcfgwj", action="relink",
                             reason="本通知即临时救助政策文件", actor="evaluator", created_at=datetime(2026, 11, 20)))
        s.add(ReviewDecision(unit_id="mzj", entry_id="shehui_jiuzhu.jdjc", action="not_applicable",
                             reason="监督检查信息由区纪委统一公开", actor="staff", created_at=datetime(2026, 11, 20)))
        s.commit()
    findings, _ = store.audit(catalog, cal)
    missing = {f.entry_id for f in defects(findings, "missing")}
    assert "shehui_jiuzhu.lsjz_zcfgwj" not in missing
    assert "shehui_jiuzhu.jdjc" not in missing


def test_stale_and_blank_columns_and_dead_links(tmp_path, catalog, cal):
    store = Store(tmp_path)
    with store.factory() as s:
        for h in s.scalars(select(ColumnHealth)):
            if h.channel_id == store.news_col.id:
                h.latest_date = date(2026, 10, 1)  # news column: 50 days old
            else:
                h.entries = 0
        s.add(LinkCheck(crawl_run_id=store.run_id, site_id="mz", url=SITE + "art/404.html", referrer=SITE + "news/",
                        kind="detail", ok=False, http_status=404, error="HTTP 404"))
        s.add(LinkCheck(crawl_run_id=store.run_id, site_id="mz", url=SITE + "art/slow.html", referrer=SITE + "news/",
                        kind="detail", ok=False, http_status=None, error="TimeoutError"))
        s.commit()
    findings, scores = store.audit(catalog, cal)
    rules = sorted(f.rule for f in defects(findings) if f.check == "site_health")
    assert rules == ["blank_column", "dead_link", "stale_column"]  # a timeout is not a dead link
    assert scores["site_health"] == 100 - 10 - 4 - 10


def test_overall_score_is_100_minus_the_points_of_its_findings(tmp_path, catalog, cal):
    store = Store(tmp_path)
    store.publish("低保办事指南（2026年版）", date(2026, 3, 20), date(2026, 3, 2))
    findings, scores = store.audit(catalog, cal)
    assert scores["overall"] == pytest.approx(100 - sum(f.points for f in findings), abs=0.01)


def test_rank_only_within_the_same_level(tmp_path, catalog, cal):
    store = Store(tmp_path)
    with store.factory() as s:
        s.add(Unit(id="jd", district="d", name="东城街道", kind="subdistrict", level="乡级",
                   domains_lead=[], domains_share=["社会救助"], contact={}))
        s.commit()
    with store.factory() as s:
        run_id = run_audit(s, catalog, load_scheme("default"), cal, AS_OF)
        ranks = {sc.unit_id: sc.rank for sc in s.scalars(select(Score).where(
            Score.audit_run_id == run_id, Score.dimension.is_(None), Score.domain.is_(None)))}
    assert ranks["mzj"] == 1  # alone among 区级 units, whatever the 乡级 unit scored


def _overall_row(store: Store, unit_id: str) -> Score:
    with store.factory() as s:
        return s.scalar(select(Score).where(Score.audit_run_id == store.last_audit, Score.unit_id == unit_id,
                                            Score.dimension.is_(None), Score.domain.is_(None)))


def _add_office(store: Store) -> None:
    """A 县政府办 that holds no catalog domain but owns a healthy portal: site health is all it can show."""
    with store.factory() as s:
        s.add(Unit(id="zfb", district="d", name="云溪区人民政府办公室", kind="department", level="区级",
                   domains_lead=[], domains_share=[], contact={}))
        s.add(Site(id="portal", name="门户网站", base_url=SITE + "p/", home_url=SITE + "p/", platform="auto",
                   owner_unit_id="zfb"))
        s.add(SiteProbe(crawl_run_id=store.run_id, site_id="portal", url=SITE + "p/", ok=True, http_status=200,
                        elapsed_ms=20, home_latest_date=date(2026, 11, 18), probed_at=datetime(2026, 11, 20)))
        s.commit()


def test_unit_without_catalog_obligations_is_not_ranked_above_assessed_units(tmp_path, catalog, cal):
    """Issue 12: the 县政府办 scored 100 优秀, rank 1, on site health alone. It is 未完整评估, unranked."""
    store = Store(tmp_path)
    store.publish("低保办事指南（2026年版）", date(2026, 3, 20), date(2026, 3, 2))
    _add_office(store)
    store.audit(catalog, cal)
    office, mzj = _overall_row(store, "zfb"), _overall_row(store, "mzj")
    assert office.score == 100  # the number stays (100 − Σ points) ...
    assert (office.rank, office.details["grade"], office.details["assessment"]) == (None, "未完整评估", "unassessed")
    assert office.details["dim_status"]["completeness"]["status"] == "unassessed"
    assert "无标准目录事项" in office.details["assessment_reasons"][0]
    assert office.details["rank_group"].startswith("未完整评估")
    assert mzj.rank == 1 and mzj.details["assessment"] in ("assessed", "partial") and mzj.details["rank_tier"] == 0


@pytest.mark.parametrize("status", ["failed", "blocked"])
def test_unit_whose_every_obligation_is_unverified_is_not_graded(tmp_path, catalog, cal, status):
    store = Store(tmp_path, column_status=status)
    _add_office(store)
    store.audit(catalog, cal)
    mzj = _overall_row(store, "mzj")
    assert mzj.rank is None and mzj.details["assessment"] == "unassessed"
    assert mzj.details["grade"] in ("未完整评估", "不合格")  # never a grade earned on site health alone
    assert "均无法核实" in mzj.details["dim_status"]["completeness"]["reason"]


def test_timeliness_without_written_date_is_not_assessable_and_not_on_time(tmp_path, catalog, cal):
    """No 成文日期: 无法评估 N 项 (an unverified finding with its reason), not 0 late; the unit ranks after
    the units whose timeliness could be judged."""
    store = Store(tmp_path)
    store.publish("低保办事指南（2026年版）", date(2026, 3, 20), None)
    findings, scores = store.audit(catalog, cal)
    no_anchor = [f for f in findings if f.rule == "no_anchor"]
    assert [(f.status, f.check) for f in no_anchor] == [("unverified", "timeliness")]
    assert "成文日期" in no_anchor[0].evidence["reason"] and no_anchor[0].points == 0
    assert "timeliness" not in scores  # not 100: nothing could be judged
    row = _overall_row(store, "mzj")
    tl = row.details["dim_status"]["timeliness"]
    assert (tl["status"], tl["checked"], tl["unverified"]) == ("unassessed", 0, 1)
    assert "无法评估1项" in tl["reason"]
    assert row.details["rank_tier"] == 1 and row.rank == 1  # ranked, but after any fully assessed unit


def test_units_ranked_by_assessment_tier_then_score(tmp_path):
    from auditor.scoring.assessment import ranks

    got = ranks([("a", "区级", 70.0, 0), ("b", "区级", 99.0, 1), ("c", "区级", 100.0, None), ("d", "区级", 80.0, 0),
                 ("e", "乡级", 50.0, 1)])
    assert got == {"d": 1, "a": 2, "b": 3, "e": 1}


def test_timeliness_judged_on_too_few_items_ranks_after(tmp_path, catalog, cal):
    """One item with a 成文日期, two without: timeliness 部分评估 on 1/3 < 50 % → ranked after (tier 1)."""
    store = Store(tmp_path)
    store.publish("低保办事指南（2026年版）", date(2026, 3, 20), date(2026, 3, 2))
    store.publish("低保办事指南（2025年版）", date(2025, 3, 20), None)
    store.publish("低保办事指南（2024年版）", date(2024, 3, 20), None)
    findings, _ = store.audit(catalog, cal)
    row = _overall_row(store, "mzj")
    tl = row.details["dim_status"]["timeliness"]
    assert (tl["status"], tl["checked"], tl["unverified"]) == ("partial", 1, 2)
    assert row.details["rank_tier"] == 1 and row.details["assessment"] == "partial"
    assert any("及时性可评估的事项不足50%" in r for r in row.details["assessment_reasons"])
    assert len([f for f in findings if f.rule == "no_anchor"]) == 2
