"""Table-driven cases per check type on a hand-built store (see factories.scoring.Store), frozen as_of.

Covers: no false "missing" over several crawl runs, periodic / annual / persistent entries, offline
channels with recorded evidence, the 国办 site-health veto aggregates over the monitoring window,
unit catalog conformity (through a fake diff), and the guoban deductions scheme.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from auditor.catalog.models import Catalog
from auditor.checks import conformity
from auditor.scheme import load_scheme, rules_dir
from auditor.store.models import Channel, ChannelEvidence, ColumnHealth, ReviewDecision, Score
from factories.scoring import AS_OF, BSZN, BSZN_TITLE, SITE, Store, defects, variant


def scheme_with(tmp_path: Path, base: str = "default", **changes):
    """A scheme file written from a shipped one with dotted keys changed: checks__periodic__grace_days=3."""
    data = yaml.safe_load((rules_dir() / f"{base}.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split("__")
        for k in path:
            node = node.setdefault(k, {})
        node[last] = value
    out = tmp_path / f"{base}-variant.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_scheme(str(out))


def by_rule(findings, *rules):
    return sorted((f.rule, f.status, f.entry_id) for f in findings if f.rule in rules)


# ----------------------------------------------------------------------------------- no false missing


@pytest.mark.parametrize(
    "statuses, healthy_runs, expected",
    [
        (["ok"], 1, "missing"),
        (["failed"], 1, "unverified"),
        (["ok", "failed"], 1, "missing"),  # newest first: only the latest run must be healthy
        (["ok", "failed"], 2, "unverified"),  # … unless two healthy runs are required
        (["ok", "ok", "ok"], 3, "missing"),
        (["ok", "blocked", "ok"], 3, "unverified"),
        (["failed", "ok", "ok"], 2, "unverified"),
    ],
)
def test_missing_only_after_healthy_runs(tmp_path, catalog, cal, statuses, healthy_runs, expected):
    store = Store(tmp_path, column_status=statuses[-1])
    for status in reversed(statuses[:-1]):
        store.crawl(column_status=status)
    scheme = scheme_with(tmp_path, checks__completeness__healthy_runs=healthy_runs)
    findings, scores = store.audit(catalog, cal, scheme)
    rules = {f.rule for f in findings if f.entry_id == "shehui_jiuzhu.jdjc" and f.check == "completeness"}
    assert rules == {expected}
    if expected == "unverified":
        assert not defects(findings, "missing") and "completeness" not in scores


# ----------------------------------------------------------------------------------- periodic and annual


@pytest.mark.parametrize(
    "changes, published, rule, days",
    [
        ({"period": "annual"}, [date(2025, 3, 2)], None, None),
        ({"period": "annual"}, [date(2024, 5, 6), date(2026, 3, 2)], "period_missed", None),  # nothing in 2025
        ({"period": "semiannual"}, [date(2026, 3, 2)], "period_missed", None),  # 2026 H1 ok? no: H2 2026 open, H1 ok
        ({"period": "semiannual"}, [date(2026, 5, 6)], None, None),
        ({"period": "quarterly"}, [date(2026, 5, 6)], "period_missed", None),  # 2026 Q3 empty
        ({"time_limit": "半年至少更新1次"}, [date(2026, 3, 2)], "periodic_overdue", 79),  # due 2026-09-02
        ({"time_limit": "半年至少更新1次"}, [date(2026, 6, 1)], None, None),
        ({"time_limit": "每年1月31日前"}, [date(2026, 1, 20)], None, None),
        ({"time_limit": "每年1月31日前"}, [date(2026, 2, 10)], "annual_late", 10),
        ({"time_limit": "每年1月31日前"}, [date(2025, 12, 1)], "annual_missed", None),
        # 2026 Q3 ends 09-30; 10 working days after it (国庆 off) fall in October
        ({"time_limit": "每季度结束后10个工作日内"}, [date(2026, 10, 12)], None, None),
        ({"time_limit": "每季度结束后10个工作日内"}, [date(2026, 5, 6)], "after_period_missed", None),
        ({"time_limit": "每月10日前公开上月情况"}, [date(2026, 11, 9)], None, None),  # 10月情况 by 11-10
        ({"time_limit": "每月10日前公开上月情况"}, [date(2026, 9, 30)], "after_period_missed", None),
    ],
)
def test_periodic_and_annual_entries(tmp_path, catalog, cal, changes, published, rule, days):
    cat = variant(catalog, **changes)
    store = Store(tmp_path)
    for i, d in enumerate(published):
        store.publish(f"低保办事指南（{d.year}年第{i + 1}版）", d, d)
    findings, _ = store.audit(cat, cal)
    got = [(f.rule, f.days_late) for f in defects(findings) if f.check == "periodic"]
    if changes.get("period") == "semiannual" and published == [date(2026, 3, 2)]:
        # 2026 H1 holds the publication: the last completed half-year is fine
        assert got == []
        return
    assert got == ([(rule, days)] if rule else [])
    for f in findings:
        if f.check == "periodic":
            assert f.entry_id == BSZN and f.evidence["publications"] and f.fix


def test_periodic_lookback_and_catalog_effective(tmp_path, catalog, cal):
    cat = variant(catalog, period="annual")
    store = Store(tmp_path)
    store.publish(BSZN_TITLE, date(2026, 3, 2), date(2026, 3, 2))
    scheme = scheme_with(tmp_path, checks__periodic__lookback_periods=3)
    findings, _ = store.audit(cat, cal, scheme)
    # 2025 and 2024 are empty; 2023 is judged too (catalog effective 2021-01-01)
    assert sorted(f.evidence["period"]["label"] for f in defects(findings, "period_missed")) == \
        ["2023年", "2024年", "2025年"]
    late_cat = Catalog(version=cat.version, effective=date(2026, 1, 1), entries=cat.entries)
    findings, _ = store.audit(late_cat, cal, scheme)
    assert [f.evidence["period"]["label"] for f in defects(findings, "period_missed")] == []


# ----------------------------------------------------------------------------------- persistent entries


@pytest.mark.parametrize(
    "second_crawl, dead, expected",
    [
        (None, False, None),  # listed in the only crawl: online
        ("relisted", False, None),
        ("dropped", False, ("withdrawn", "defect")),
        ("dropped_failed", False, ("persistence_unverified", "unverified")),
        ("relisted", True, ("withdrawn", "defect")),  # still listed but the page answers 404
    ],
)
def test_persistent_entries_stay_online(tmp_path, catalog, cal, second_crawl, dead, expected):
    from auditor.store.models import LinkCheck

    cat = variant(catalog, time_limit="长期公开")
    store = Store(tmp_path)
    store.publish(BSZN_TITLE, date(2026, 3, 5), date(2026, 3, 2))
    if second_crawl == "relisted":
        store.crawl()
    elif second_crawl == "dropped":
        store.crawl(relist=False)
    elif second_crawl == "dropped_failed":
        store.crawl(column_status="failed")
    if dead:
        with store.factory() as s:
            s.add(LinkCheck(crawl_run_id=store.run_id, site_id="mz", url=SITE + "art/1.html",
                            referrer=SITE + "shjz/", kind="detail", ok=False, http_status=404, error="HTTP 404"))
            s.commit()
    findings, _ = store.audit(cat, cal)
    got = [(f.rule, f.status) for f in findings if f.check == "persistence"]
    assert got == ([expected] if expected else [])
    assert not defects(findings, "missing") or BSZN not in {f.entry_id for f in defects(findings, "missing")}


# ----------------------------------------------------------------------------------- offline channels


@pytest.mark.parametrize(
    "evidence, unverifiable, channels_checked",
    [
        ([], ["READING", "SVC_CENTER"], 1),  # the website only
        (["READING"], ["SVC_CENTER"], 2),
        (["READING", "SVC_CENTER"], None, 3),
        (["BOARD"], ["READING", "SVC_CENTER"], 1),  # evidence for a channel the entry does not require
    ],
)
def test_offline_channels_count_only_with_evidence(tmp_path, catalog, cal, evidence, unverifiable, channels_checked):
    store = Store(tmp_path)
    store.publish(BSZN_TITLE, date(2026, 3, 5), date(2026, 3, 2))
    with store.factory() as s:
        for code in evidence:
            s.add(ChannelEvidence(unit_id="mzj", entry_id=BSZN, channel_code=code, description="公示栏照片",
                                  uploaded_by="staff", created_at=datetime(2026, 11, 19)))
        s.commit()
    findings, scores = store.audit(catalog, cal)
    offline = [f for f in findings if f.rule == "channel_offline" and f.entry_id == BSZN]
    if unverifiable is None:
        assert offline == []
    else:
        assert [f.evidence["channels"] for f in offline] == [unverifiable] and offline[0].points == 0
    with store.factory() as s:
        dim = s.scalar(select(Score).where(Score.audit_run_id == store.last_audit, Score.unit_id == "mzj",
                                           Score.domain.is_(None), Score.dimension == "channels"))
    assert dim.details["checked"] == channels_checked


@pytest.mark.parametrize("evidence, rule, counted", [(False, "offline_only", False), (True, "offline_evidence", True)])
def test_offline_only_entry_counts_with_evidence(tmp_path, catalog, cal, evidence, rule, counted):
    cat = variant(catalog, "shehui_jiuzhu.jdjc",
                  channels=[{"code": "BOARD", "required": True, "text": "公开栏"}], channels_text="■公开栏")
    store = Store(tmp_path)
    if evidence:
        with store.factory() as s:
            s.add(ChannelEvidence(unit_id="mzj", entry_id="shehui_jiuzhu.jdjc", channel_code="BOARD",
                                  uploaded_by="staff", created_at=datetime(2026, 11, 19)))
            s.commit()
    findings, _ = store.audit(cat, cal)
    mine = [f for f in findings if f.entry_id == "shehui_jiuzhu.jdjc"]
    assert [f.rule for f in mine] == [rule]
    assert mine[0].status != "defect" and mine[0].points == 0
    with store.factory() as s:
        dom = s.scalar(select(Score).where(Score.audit_run_id == store.last_audit, Score.unit_id == "mzj",
                                           Score.domain == "社会救助", Score.dimension == "completeness"))
    missing = len([f for f in defects(findings, "missing")])
    online = missing + (1 if counted else 0)
    assert dom.score == pytest.approx(100 * (1 - missing / online), abs=0.01)


# ----------------------------------------------------------------------------------- site health veto


def _news_columns(store: Store, n: int, latest: date | None, entries: int = 10) -> None:
    with store.factory() as s:
        for i in range(n):
            ch = Channel(unit_id="mzj", code="WEBSITE", site_id="mz", name=f"动态{i}", url=f"{SITE}dt{i}/",
                         column_path=f"动态{i}", column_kind="news")
            s.add(ch)
            s.flush()
            s.add(ColumnHealth(crawl_run_id=store.run_id, channel_id=ch.id, url=ch.url, status="ok",
                               entries=entries, pages=1, latest_date=latest))
        s.commit()


@pytest.mark.parametrize(
    "probes_by_run, window, vetoed",
    [
        ([[(True, 20.0)] * 20], 7, False),
        ([[(True, 20.0)] * 19 + [(True, 15000.0)]], 7, True),  # 1 of 20 at 15 s = 5 %
        ([[(True, 20.0)] * 20 + [(True, 15000.0)]], 7, False),  # 1 of 21 < 5 %
        ([[(True, 20.0)] * 10, [(True, 20.0)] * 9 + [(False, 0.0)]], 7, True),  # over two runs
        ([[(True, 20.0)] * 10, [(False, 0.0)] * 10], 1, False),  # the bad run is outside the window
        ([[(False, 0.0)]], 7, True),
    ],
)
def test_unreachable_veto_over_the_monitoring_window(tmp_path, catalog, cal, probes_by_run, window, vetoed):
    store = Store(tmp_path)
    with store.factory() as s:  # replace the first run's probe with the case's oldest run
        from auditor.store.models import SiteProbe

        for p in s.scalars(select(SiteProbe)):
            s.delete(p)
        for ok, ms in probes_by_run[-1]:
            s.add(SiteProbe(crawl_run_id=store.run_id, site_id="mz", url=SITE, ok=ok, elapsed_ms=ms,
                            home_latest_date=date(2026, 11, 18) if ok else None, probed_at=datetime(2026, 11, 20)))
        s.commit()
    for probes in reversed(probes_by_run[:-1]):
        store.crawl(probes=probes)
    scheme = scheme_with(tmp_path, checks__site_health__monitoring_runs=window)
    findings, _ = store.audit(catalog, cal, scheme)
    veto = defects(findings, "site_unreachable")
    assert bool(veto) == vetoed
    if vetoed:
        assert veto[0].severity == "veto" and veto[0].evidence["share"] >= 0.05


@pytest.mark.parametrize(
    "stale, blank, expected",
    [
        (4, 0, []),
        (5, 0, ["stale_columns_veto"]),
        (10, 0, ["long_stale_veto", "stale_columns_veto"]),
        (0, 4, ["blank_columns_veto"]),  # + the Store's blank catalog column = 5
        (0, 3, []),
    ],
)
def test_column_red_lines(tmp_path, catalog, cal, stale, blank, expected):
    store = Store(tmp_path)
    _news_columns(store, stale, date(2026, 10, 1))
    with store.factory() as s:
        for i in range(blank):
            ch = Channel(unit_id="mzj", code="WEBSITE", site_id="mz", name=f"空{i}", url=f"{SITE}k{i}/",
                         column_kind="other")
            s.add(ch)
            s.flush()
            s.add(ColumnHealth(crawl_run_id=store.run_id, channel_id=ch.id, url=ch.url, status="ok", entries=0))
        s.commit()
    findings, _ = store.audit(catalog, cal)
    aggregates = sorted(f.rule for f in defects(findings) if f.rule.endswith("_veto"))
    assert aggregates == expected
    assert len(defects(findings, "stale_column")) == stale
    for f in defects(findings):
        if f.rule.endswith("_veto"):
            assert f.severity == "veto" and f.site_id == "mz" and f.unit_id == "mzj"
            assert len(f.evidence["columns"]) == f.evidence["count"] >= f.evidence["threshold"]


# ----------------------------------------------------------------------------------- conformity


class FakeConformity:
    def __init__(self, rule, entry_id, unit_row, message, severity):
        self.rule, self.entry_id, self.unit_row, self.message, self.severity = rule, entry_id, unit_row, message, severity


@pytest.mark.parametrize(
    "diff, expected",
    [
        ([], []),
        ([FakeConformity("deleted", BSZN, None, "缺少“办事指南”", "error")], [("defect", BSZN)]),
        ([FakeConformity("looser_deadline", BSZN, 7, "公开时限宽于标准目录", "error")], [("defect", BSZN)]),
        ([FakeConformity("no_stage", BSZN, 7, "未标注公开环节", "warning")], [("info", BSZN)]),
        ([FakeConformity("deleted", "yiwu_jiaoyu.zsjh", None, "other domain", "error")], []),
        ([FakeConformity("local_addition", None, 12, "标准目录外事项", "info")], [("info", None)]),
    ],
)
def test_conformity_turns_diff_results_into_findings(tmp_path, catalog, cal, monkeypatch, diff, expected):
    calls = []
    monkeypatch.setattr(conformity, "LOADER", lambda path: {"file": str(path)})

    def fake_diff(unit_catalog, cat, domain=None, level=None):
        calls.append((unit_catalog["file"], level, domain))
        return diff

    monkeypatch.setattr(conformity, "DIFFER", fake_diff)
    store = Store(tmp_path)
    from auditor.scoring.engine import run_audit
    from auditor.store.models import Finding

    scheme = scheme_with(tmp_path, checks__conformity__enabled=True)
    with store.factory() as s:
        run_id = run_audit(s, catalog, scheme, cal, AS_OF, unit_catalogs={"mzj": str(tmp_path / "mzj.xlsx")})
        found = [(f.status, f.entry_id) for f in s.scalars(select(Finding).where(
            Finding.audit_run_id == run_id, Finding.check == "conformity"))]
    assert calls == [(str(tmp_path / "mzj.xlsx"), "县级", None)]
    assert found == expected


def test_conformity_uses_the_catalog_diff_interface():
    import inspect

    from auditor.catalog.diff import diff_unit_catalog
    from auditor.catalog.unit_catalog import read_unit_catalog

    assert conformity._differ() is diff_unit_catalog and conformity._loader() is read_unit_catalog
    assert list(inspect.signature(diff_unit_catalog).parameters)[:4] == ["unit_catalog", "catalog", "domain", "level"]


def test_conformity_disabled_or_unconfigured_does_not_run(tmp_path, catalog, cal, monkeypatch):
    monkeypatch.setattr(conformity, "LOADER", lambda path: pytest.fail("must not load"))
    store = Store(tmp_path)
    findings, _ = store.audit(catalog, cal)  # default: conformity disabled
    assert not [f for f in findings if f.check == "conformity"]
    findings, _ = store.audit(catalog, cal, scheme_with(tmp_path, checks__conformity__enabled=True))
    assert not [f for f in findings if f.check == "conformity"]  # enabled, but no unit catalog configured


# ----------------------------------------------------------------------------------- guoban scheme


def _overall(store: Store) -> Score:
    with store.factory() as s:
        return s.scalar(select(Score).where(Score.audit_run_id == store.last_audit, Score.unit_id == "mzj",
                                            Score.dimension.is_(None), Score.domain.is_(None)))


def _only_bszn_applies(store: Store, catalog) -> None:
    with store.factory() as s:
        for e in catalog.for_unit({"社会救助"}, "县级"):
            if e.id != BSZN:
                s.add(ReviewDecision(unit_id="mzj", entry_id=e.id, action="not_applicable", reason="test",
                                     actor="t", created_at=datetime(2026, 11, 19)))
        s.commit()


@pytest.mark.parametrize(
    "case, score, grade, verdict, bonus",
    [
        # 8 missing × 4 = 32 (completeness cap 40), blank catalog column 5 → 63: pass, no bonus (≤ 80)
        ("nothing_published", 63, "合格", "pass", 0),
        # + 5 stale news columns (5 each, site_health cap 20 → 20) and the aggregate red line → veto
        ("stale_columns", 0, "不合格", "veto", 0),
        # 63 − 3 stale columns × 5 (site_health 5 + 15 = 20, at its cap) → 48 < 60: fails, not vetoed
        ("three_stale", 48, "不合格", "fail", 0),
        ("unreachable", 0, "不合格", "veto", 0),
        # one applicable entry, on time: 100 − 5 (blank column) = 95 > 80 → bonus
        ("one_entry_on_time", 95 + 8 + 6, "合格", "pass", 14),
        ("one_entry_late", 93 + 8, "合格", "pass", 8),
    ],
)
def test_guoban_veto_deductions_and_bonus(tmp_path, catalog, cal, case, score, grade, verdict, bonus):
    scheme = scheme_with(tmp_path, "guoban", scoring__bonus=[
        {"id": "full_catalog", "label": "目录事项全部公开", "points": 8, "dimension": "completeness",
         "min_checked": 1, "clean_of": ["missing"]},
        {"id": "all_on_time", "label": "全部按时限公开", "points": 6, "dimension": "timeliness",
         "min_checked": 1, "clean_of": ["late", "undated"]},
        {"id": "clean_links", "label": "站点无问题", "points": 2, "dimension": "site_health", "min_checked": 0,
         "clean_of": ["blank_column", "stale_column"]},
    ])
    store = Store(tmp_path, column_status="failed" if case == "unreachable" else "ok",
                  site_ok=case != "unreachable")
    if case == "stale_columns":
        _news_columns(store, 5, date(2026, 10, 1))
    if case == "three_stale":
        _news_columns(store, 3, date(2026, 10, 1))
    if case.startswith("one_entry"):
        _only_bszn_applies(store, catalog)
        published = date(2026, 3, 10) if case == "one_entry_on_time" else date(2026, 3, 20)
        store.publish(BSZN_TITLE, published, date(2026, 3, 2))
    findings, _ = store.audit(catalog, cal, scheme)
    s = _overall(store)
    assert (s.score, s.details["grade"], s.details["verdict"], s.details["bonus"]) == (score, grade, verdict, bonus)
    lost = sum(f.points for f in findings if f.unit_id == "mzj")
    assert s.score == pytest.approx(100 - lost + s.details["bonus"], abs=0.01)


def test_guoban_bonus_capped(tmp_path, catalog, cal):
    scheme = scheme_with(tmp_path, "guoban", scoring__bonus_cap=5, scoring__bonus=[
        {"id": "a", "label": "a", "points": 4, "dimension": "completeness", "min_checked": 1, "clean_of": ["missing"]},
        {"id": "b", "label": "b", "points": 4, "dimension": "timeliness", "min_checked": 1, "clean_of": ["late"]},
    ])
    store = Store(tmp_path)
    _only_bszn_applies(store, catalog)
    store.publish(BSZN_TITLE, date(2026, 3, 10), date(2026, 3, 2))
    store.audit(catalog, cal, scheme)
    s = _overall(store)
    assert s.details["bonus"] == 5 and [b["points"] for b in s.details["bonus_items"]] == [4, 1]


def test_unknown_anchor_event_is_reported_not_judged(tmp_path, catalog, cal):
    """A 公开时限 counted from an event the page does not date is an info finding, never 'late'."""
    cat = variant(catalog, time_limit="项目竣工验收后10个工作日内")
    store = Store(tmp_path)
    store.publish(BSZN_TITLE, date(2026, 9, 1), date(2026, 3, 2))  # half a year after 成文日期
    findings, _ = store.audit(cat, cal)
    timeliness = [f for f in findings if f.check == "timeliness" and f.entry_id == BSZN]
    assert [(f.rule, f.status) for f in timeliness] == [("not_assessable", "info")]
    assert "项目竣工验收" in timeliness[0].title and timeliness[0].evidence["rule"]["event"] == "项目竣工验收"
