"""The hand-built report store: a small audited district with hostile crawled text, for the report context,
HTML, PDF and browser tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from auditor.store.db import open_db
from auditor.store.models import (
    AuditRun,
    CatalogEntryRow,
    Channel,
    ColumnHealth,
    CrawlRun,
    Finding,
    Item,
    Match,
    Score,
    Site,
    Unit,
)

HOSTILE = '<script>alert(1)</script>=HYPERLINK("http://evil","x")'
FORMULA = "=1+1关于印发某某方案的通知"
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/x","点我领取补贴")'
DIMS = ("completeness", "timeliness", "channels", "site_health")
WEIGHTS = {"completeness": 40, "timeliness": 30, "channels": 20, "site_health": 10}

UNITS = [  # id, name, kind, level, overall, rank, grade
    ("fgj", "区发展和改革局", "department", "区级", 72.5, 2, "合格"),
    ("jyj", "区教育局", "department", "区级", 91.0, 1, "优秀"),
    ("cgjd", "城关街道", "subdistrict", "乡级", 55.0, 1, "不合格"),
    ("dhz", "东湖镇", "subdistrict", "乡级", None, None, "未评分"),
]


def make_overall(run_id: int, uid: str, score: float | None, rank: int | None, grade: str, level: str) -> Score:
    return Score(audit_run_id=run_id, unit_id=uid, score=score if score is not None else -1, rank=rank,
                 details={"grade": grade, "level": level, "scored": score is not None})


def make_finding(run_id: int, uid: str | None, check: str, rule: str, status: str, title: str, key: str,
                 **kw) -> Finding:
    return Finding(audit_run_id=run_id, unit_id=uid, check=check, rule=rule, status=status, title=title,
                   key=key, **kw)


def build_report_store(tmp_path: Path):
    """Two audit runs on four units (one never scored) and a news-only site unit, with hostile crawled titles
    (script, spreadsheet formulas, DDE, javascript: URLs) in items, findings and evidence."""
    factory = open_db(str(tmp_path / "t.db"))
    with factory() as s:
        _add_units_and_site(s)
        s.flush()
        _add_crawl(s)
        s.flush()
        _add_crawl_results(s)
        s.flush()
        _add_audit_runs(s)
        s.flush()
        _add_previous_run(s)
        _add_scores(s)
        _add_findings(s)
        _add_matches(s)
        s.commit()
    return factory


def _add_units_and_site(s: Session) -> None:
    """The four units, the news-only site unit, and the portal site they share."""
    for uid, name, kind, level, *_ in UNITS:
        s.add(Unit(id=uid, district="demo", name=name, kind=kind, level=level))
    s.add(Unit(id="site:portal", district="demo", name="门户网站新闻栏目", kind="site", level=""))
    s.add(Site(id="portal", name="某区人民政府网", base_url="http://gov.example/",
               home_url="http://gov.example/", owner_unit_id="fgj"))


def _add_crawl(s: Session) -> None:
    """Two catalog columns (one of them failed to crawl) and a news column, and the crawl run."""
    s.add_all([
        Channel(id=1, unit_id="fgj", code="WEBSITE", site_id="portal", name="财政预决算",
                url="http://gov.example/fgj/czyjs/", column_path="信息公开/财政预决算", domain="财政预决算"),
        Channel(id=2, unit_id="cgjd", code="WEBSITE", site_id="portal", name="街道公开",
                url="http://gov.example/cgjd/", column_path="城关街道/信息公开"),
        Channel(id=3, unit_id="site:portal", code="WEBSITE", site_id="portal", name="政务要闻",
                url="http://gov.example/news/", column_kind="news"),
    ])
    s.add(CrawlRun(id=1, started_at=datetime(2026, 3, 1, 8), finished_at=datetime(2026, 3, 1, 9),
                   status="complete"))


def _add_crawl_results(s: Session) -> None:
    """Column health, two catalog entries and the crawled items with hostile titles and URLs."""
    s.add_all([
        ColumnHealth(crawl_run_id=1, channel_id=1, url="http://gov.example/fgj/czyjs/", status="ok",
                     http_status=200, entries=12, pages=1, latest_date=date(2026, 2, 20)),
        ColumnHealth(crawl_run_id=1, channel_id=2, url="http://gov.example/cgjd/", status="failed",
                     http_status=503, error="HTTP 503 Service Unavailable"),
    ])
    s.add_all([
        CatalogEntryRow(id="cz-01", catalog_version="v1", domain="财政预决算", level1="财政预算",
                        level2="部门预算", time_limit="批复后20日内", mode="主动", levels=["县级"],
                        data={"basis": "《预算法》第十四条", "content": "部门预算及说明",
                              "channels_text": "■政府网站"}),
        CatalogEntryRow(id="zd-01", catalog_version="v1", domain="重大建设项目", level1="批准服务信息",
                        level2="审批结果", time_limit="形成或变更之日起20个工作日内", mode="主动",
                        levels=["县级", "乡级"]),
    ])
    s.add_all([
        Item(id=1, canonical_url="http://gov.example/fgj/a1.html", title=HOSTILE,
             publish_date=date(2026, 2, 20), written_date=date(2026, 1, 5)),
        Item(id=2, canonical_url="http://gov.example/jyj/b1.html", title=FORMULA,
             publish_date=date(2026, 2, 1)),
        Item(id=3, canonical_url="javascript:alert(2)", title="普通标题"),
        Item(id=4, canonical_url="http://gov.example/cgjd/c1.html", title=DDE),
        Item(id=5, canonical_url="http://gov.example/fgj/a2.html", title=LINK, publish_date=date(2026, 2, 25)),
    ])


def _add_audit_runs(s: Session) -> None:
    """The previous audit run and the current one (on crawl run 1, which resolved one defect)."""
    s.add(AuditRun(id=1, started_at=datetime(2026, 2, 1), finished_at=datetime(2026, 2, 1, 1),
                   status="complete", as_of=date(2026, 2, 1), scheme="default", rules_version="default@2026.1"))
    s.add(AuditRun(id=2, started_at=datetime(2026, 3, 2), finished_at=datetime(2026, 3, 2, 1),
                   status="complete", as_of=date(2026, 3, 2), scheme="default", crawl_run_id=1,
                   catalog_version="v1", rules_version="default@2026.1", code_version="0.1.0",
                   summary={"crawl_runs": [1], "resolved": ["missing|jyj|zd-01"]}))


def _add_previous_run(s: Session) -> None:
    """Run 1's scores and findings: one defect of jyj that is fixed by run 2."""
    s.add_all([make_overall(1, "fgj", 70.0, 1, "合格", "区级"), make_overall(1, "jyj", 80.0, 2, "良好", "区级"),
               make_finding(1, "jyj", "completeness", "missing", "defect", "未公开：批准服务信息 / 审批结果",
                            "missing|jyj|zd-01", entry_id="zd-01", points=5.0),
               make_finding(1, "fgj", "completeness", "missing", "defect", "未公开：财政预算 / 部门预算",
                            "missing|fgj|cz-01", entry_id="cz-01", points=10.0)])


def _add_scores(s: Session) -> None:
    """Run 2's overall, dimension and domain scores of every scored unit, and the unscored site unit."""
    for uid, _, _, level, overall, rank, grade in UNITS:
        s.add(make_overall(2, uid, overall, rank, grade, level))
        if overall is not None:
            for d in DIMS:
                s.add(Score(audit_run_id=2, unit_id=uid, dimension=d, score=overall,
                            details={"weight": WEIGHTS[d]}))
            s.add(Score(audit_run_id=2, unit_id=uid, domain="财政预决算", dimension="completeness",
                        score=overall))
            s.add(Score(audit_run_id=2, unit_id=uid, domain="重大建设项目", dimension="timeliness",
                        score=100.0))
    s.add(Score(audit_run_id=2, unit_id="site:portal", score=-1, details={"scored": False, "grade": "未评分"}))


def _add_findings(s: Session) -> None:
    """Run 2's findings, one of each kind the reports show, hostile text in titles and evidence."""
    s.add_all([
        make_finding(2, "fgj", "completeness", "missing", "defect", "未公开：财政预算 / 部门预算",
                     "missing|fgj|cz-01", entry_id="cz-01", domain="财政预决算", points=10.0,
                     lifecycle="persisting", fix="在「信息公开/财政预决算」栏目公开部门预算",
                     evidence={"entry": {"id": "cz-01"}, "columns": [{"name": "财政预决算",
                                                                      "url": "http://gov.example/fgj/czyjs/",
                                                                      "health": ["ok"]}]}),
        make_finding(2, "fgj", "timeliness", "late", "defect", f"逾期公开3个工作日：{HOSTILE}",
                     "late|fgj|zd-01|http://gov.example/fgj/a1.html", entry_id="zd-01", domain="重大建设项目",
                     days_late=3, points=4.5, fix="今后在时限内发布。",
                     evidence={"url": "http://gov.example/fgj/a1.html", "title": HOSTILE,
                               "written_date": "2026-01-05", "due_date": "2026-02-02",
                               "publish_date": "2026-02-20"}),
        make_finding(2, "fgj", "site_health", "stale_column", "defect", "栏目超过14天未更新：政务要闻",
                     "stale_column|http://gov.example/news/", points=1.0,
                     evidence={"url": "http://gov.example/news/", "latest_date": "2026-01-01"}),
        make_finding(2, "jyj", "channels", "channel_gap", "defect", f"未在政务新媒体公开：{FORMULA}",
                     "channel_gap|jyj|zd-01|NEWMEDIA", entry_id="zd-01", domain="重大建设项目",
                     channels_missing=["NEWMEDIA"], points=2.0, fix="请同步发布。"),
        make_finding(2, "cgjd", "completeness", "unverified", "unverified",
                     "无法核实（栏目抓取失败）：批准服务信息 / 审批结果",
                     "unverified|cgjd|zd-01", entry_id="zd-01", domain="重大建设项目", severity="info",
                     evidence={"columns": [{"name": "街道公开", "url": "http://gov.example/cgjd/",
                                            "health": ["failed"]}]}),
        make_finding(2, None, "site_health", "dead_link", "defect", f"链接失效（HTTP 404）：{HOSTILE}",
                     "dead_link|javascript:alert(3)", evidence={"url": "javascript:alert(3)", "http_status": 404}),
    ])


def _add_matches(s: Session) -> None:
    """Run 2's matches of the five items: accepted, rejected and sent to review."""
    s.add_all([
        Match(audit_run_id=2, item_id=1, unit_id="fgj", entry_id="zd-01", score=92.0, decision="accept"),
        Match(audit_run_id=2, item_id=2, unit_id="jyj", entry_id="zd-01", score=88.0, decision="accept"),
        Match(audit_run_id=2, item_id=3, unit_id="jyj", entry_id="cz-01", score=40.0, decision="reject"),
        Match(audit_run_id=2, item_id=4, unit_id="cgjd", entry_id="zd-01", score=75.0, decision="review"),
        Match(audit_run_id=2, item_id=5, unit_id="fgj", entry_id="cz-01", score=90.0, decision="accept"),
    ])
