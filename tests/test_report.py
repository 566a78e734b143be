"""Report context, HTML pages and exports on a small hand-built store with hostile crawled text."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from auditor.report.export import SHEETS, export_csv, export_json, export_xlsx, neutralise
from auditor.report.model import fields_of, plain
from auditor.report.render import render_html
from auditor.report.report_context import ReportError, build_report_context
from auditor.store.models import (
    AuditRun,
    CatalogEntryRow,
    ColumnHealth,
    Score,
    Unit,
)
from factories.report import DDE, FORMULA, HOSTILE, LINK, build_report_store, make_finding


@pytest.fixture()
def store(tmp_path: Path):
    return build_report_store(tmp_path)


class _Tables(HTMLParser):
    """Collects the unit ids of each ranking table, keyed by its data-level."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[str]] = {}
        self._level: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "ranking" in (a.get("class") or "").split():
            self._level = a.get("data-level") or ""
            self.tables[self._level] = []
        elif tag == "tr" and self._level is not None and a.get("data-unit"):
            self.tables[self._level].append(a["data-unit"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._level = None


def test_context_is_plain_data_and_excludes_site_units(store) -> None:
    with store() as s:
        ctx = build_report_context(s, 2)
    json.dumps(ctx, default=fields_of)  # no dates, ORM objects or sets (dataclasses are written as their fields)
    assert [lv.level for lv in ctx.levels] == ["区级", "乡级"]
    assert [u.id for u in ctx.levels[0].units] == ["jyj", "fgj"]
    assert [u.id for u in ctx.levels[1].units] == ["cgjd", "dhz"]
    assert "site:portal" not in ctx.scorecards and all(u.kind != "site" for u in ctx.units)
    fgj = ctx.scorecards["fgj"]
    assert fgj.unit.counts.missing == 1 and fgj.unit.counts.late == 1
    assert fgj.unit.counts.site_health == 1
    assert [g.check for g in fgj.defect_groups] == ["completeness", "timeliness", "site_health"]
    late = fgj.defect_groups[1].findings[0]
    assert late.url == "http://gov.example/fgj/a1.html" and late.due_date == "2026-02-02"
    assert late.entry_level2 == "审批结果"
    assert ctx.scorecards["cgjd"].unverified[0].reason == "栏目抓取失败"
    assert ctx.scorecards["cgjd"].columns[0].status == "failed"
    assert ctx.scorecards["dhz"].unit.score is None
    assert ctx.run.crawl_runs[0].started_at == "2026-03-01T08:00:00"
    # comparison with run 1
    prev = ctx.previous
    assert prev.run.id == 1 and prev.resolved == 1 and prev.persisting == 1 and prev.new == 3
    rows = {u.id: u for u in ctx.units}
    assert rows["fgj"].previous.delta == 2.5 and rows["jyj"].previous.resolved == 1
    assert ctx.matrix.domains == ["财政预决算", "重大建设项目"]
    assert ctx.top_rules[0].defects >= 1
    assert len(ctx.unassigned_findings) == 1


def test_first_run_failed_run_and_unknown_run(store, tmp_path: Path) -> None:
    with store() as s:
        ctx = build_report_context(s, 1)
        assert ctx.previous is None and ctx.run.crawl_runs == []
        paths = render_html(s, 1, tmp_path / "first")
        assert {p.name for p in paths} == {"index.html", "fgj.html", "jyj.html"}
        assert "暂无对比数据" in paths[0].read_text(encoding="utf-8")
        s.add(AuditRun(id=3, started_at=datetime(2026, 3, 3), status="failed", as_of=date(2026, 3, 3),
                       scheme="default"))
        s.commit()
        paths = render_html(s, 3, tmp_path / "failed")
        assert [p.name for p in paths] == ["index.html"]
        assert "failed" in paths[0].read_text(encoding="utf-8")
        with pytest.raises(ReportError):
            build_report_context(s, 99)


def test_html_pages_escape_hostile_text_and_rank_by_level(store, tmp_path: Path) -> None:
    out = tmp_path / "html"
    with store() as s:
        paths = render_html(s, 2, out)
    index = out / "index.html"
    assert paths[0] == index
    assert {p.name for p in (out / "units").iterdir()} == {"fgj.html", "jyj.html", "cgjd.html", "dhz.html"}
    pages = {p: p.read_text(encoding="utf-8") for p in paths}
    for text in pages.values():
        assert "<script" not in text.lower()
        assert not [h for h in re.findall(r'href="([^"]*)"', text) if not h.startswith(("http", "units/", "../", "#"))
                    and not h.endswith(".html")]
        assert not re.search(r'<link\b|\bsrc=', text)  # self-contained
        assert "Noto Sans CJK SC" in text and "@media print" in text
    unit = pages[out / "units" / "fgj.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in unit
    assert '=HYPERLINK(&#34;http://evil.example/x&#34;,&#34;点我领取补贴&#34;)' in unit
    assert "evil.example" not in "".join(re.findall(r'href="([^"]*)"', unit))
    assert "../index.html" in unit and "整改建议" in unit and "逾期" in unit
    html = pages[index]
    assert "&lt;script&gt;" in html  # the unassigned dead-link finding
    parser = _Tables()
    parser.feed(html)
    assert parser.tables == {"区级": ["jyj", "fgj"], "乡级": ["cgjd", "dhz"]}
    assert "门户网站新闻栏目" not in html and "site:portal" not in html
    assert 'href="units/fgj.html"' in html and "<svg" in html and 'class="heat"' in html
    for word in ("总分", "等级", "排名", "完整性", "及时性", "渠道覆盖", "网站健康", "未公开", "渠道缺失", "无法核实"):
        assert word in html


def test_xlsx_sheets_frozen_filtered_and_inert(store, tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    with store() as s:
        export_xlsx(s, 2, path)
    wb = openpyxl.load_workbook(path)
    assert list(SHEETS) == wb.sheetnames
    assert {"得分", "问题清单", "匹配", "栏目健康"} <= set(wb.sheetnames)
    cells = {}
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws["A1"].font.b
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    cells.setdefault(cell.value, []).append(cell)
    # titles that start a formula are quoted; the script title does not start one and stays verbatim text
    for value in ("'" + FORMULA, "'" + DDE, HOSTILE, "'" + LINK):
        assert value in cells and all(c.data_type == "s" for c in cells[value])
    assert FORMULA not in cells and DDE not in cells and LINK not in cells
    assert not [c for cs in cells.values() for c in cs if c.hyperlink is not None]
    assert not [v for v in cells if v and v[0] in "=+-@\t\r＝＋－＠"]
    matches = pd.read_excel(path, sheet_name="匹配")
    assert {HOSTILE, "'" + FORMULA, "'" + DDE, "'" + LINK} <= set(matches["信息标题"])
    scores = pd.read_excel(path, sheet_name="得分")
    assert "site:portal" not in set(scores["单位编码"]) and len(scores) == 4


def test_csv_has_bom_and_neutralised_cells(store, tmp_path: Path) -> None:
    with store() as s:
        paths = export_csv(s, 2, tmp_path / "csv")
    assert [p.name for p in paths] == ["scores.csv", "findings.csv", "matches.csv", "columns.csv"]
    for p in paths:
        assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    with (tmp_path / "csv" / "matches.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    titles = {r["信息标题"] for r in rows}
    assert {HOSTILE, "'" + FORMULA, "'" + DDE, "普通标题"} <= titles
    with (tmp_path / "csv" / "findings.csv").open(encoding="utf-8-sig", newline="") as fh:
        findings = list(csv.DictReader(fh))
    assert all(not v.startswith(("=", "+", "-", "@")) for r in findings for v in r.values())
    assert {r["单位"] for r in findings} >= {"区发展和改革局", "城关街道"}


def test_json_export_keeps_raw_text(store, tmp_path: Path) -> None:
    with store() as s:
        path = export_json(s, 2, tmp_path / "r.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["run"]["id"] == 2
    assert any(m["title"] == HOSTILE for m in data["matches"])


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86 10", "'+86 10"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("＝1+1", "'＝1+1"), ("＋1", "'＋1"), ("－1", "'－1"), ("＠a", "'＠a"),
    ("  =cmd", "'  =cmd"), ("正常标题", "正常标题"), ("", ""), (None, None), (-3.5, -3.5), (7, 7),
])
def test_neutralise(value, expected) -> None:
    assert neutralise(value) == expected


def test_scorecard_explains_findings_and_changes(store) -> None:
    with store() as s:
        ctx = build_report_context(s, 2)
    fgj = ctx.scorecards["fgj"]
    assert fgj.anchor == "u-fgj"
    [missing] = fgj.missing
    assert missing.basis == "《预算法》第十四条" and missing.time_limit == "批复后20日内"
    assert missing.fix_where == "财政预决算" and missing.entry_content == "部门预算及说明"
    [late] = fgj.late
    assert late.days_late_label == "3日" and late.due_date == "2026-02-02"
    assert [f.rule for f in fgj.site_problems] == ["stale_column"]
    assert [f.rule for f in ctx.scorecards["jyj"].channel_gaps] == ["channel_gap"]
    assert fields_of(fgj.coverage) == {"columns": 1, "ok": 1, "failed": 0, "not_crawled": 0, "sites_down": 0,
                               "complete": 1, "partial": 0, "coverage_failed": 0}  # a pre-coverage row: status ok
    assert ctx.scorecards["cgjd"].coverage.failed == 1
    # changes since run 1: the score delta, the new defects and the resolved one, with their points
    ch = fgj.changes
    assert ch.previous_run.id == 1 and ch.delta == 2.5 and ch.score_before == 70.0
    assert {f.rule for f in ch.new} == {"late", "stale_column"} and ch.new_points == 5.5
    assert ch.source == "store" and ch.reasons is None
    jyj = ctx.scorecards["jyj"].changes
    assert [(r.key, r.points, r.why) for r in jyj.resolved] == [("missing|jyj|zd-01", 5.0, "已整改")]
    assert ctx.scorecards["cgjd"].changes.score_before is None  # not scored in run 1
    # trend over both runs, per level mean and per unit
    tr = ctx.trend
    assert [r.id for r in tr.runs] == [1, 2]
    assert {u.id: u.values for u in tr.units}["fgj"] == [70.0, 72.5]
    assert tr.series[0].values == [75.0, 81.75]
    # methodology: scheme parameters, versions, crawl dates, matcher decisions
    md = ctx.methodology
    assert md.rules_version == "default@2026.1" and md.catalog_version == "v1"
    assert md.crawl_runs[0].started_at == "2026-03-01T08:00:00"
    if md.scheme_loaded:
        assert {w.code for w in md.weights} >= {"completeness", "timeliness"} and md.grades
    assert {d.decision: d.count for d in md.matcher.decisions} == {"accept": 3, "reject": 1,
                                                                    "review": 1}
    assert md.matcher.evaluation is None
    json.dumps(ctx, default=fields_of)


def test_recorded_score_delta_reasons_are_shown(store, tmp_path: Path) -> None:
    from auditor.report import trends

    with store() as s:
        assert trends.has_table(s, "score_deltas")
        from auditor.store.models_scoring import ScoreDelta

        s.add(ScoreDelta(audit_run_id=2, previous_run_id=1, unit_id="fgj", score=72.5, previous_score=70.0,
                         delta=2.5, reasons=[{"reason": "fixed", "points": 10.0, "count": 1, "keys": []},
                                             {"reason": "newly_late", "points": -4.5, "count": 1, "keys": []},
                                             {"reason": "rescaled", "points": -3.0, "count": 0, "keys": []}]))
        s.commit()
        ctx = build_report_context(s, 2)
        render_html(s, 2, tmp_path)
    ch = ctx.scorecards["fgj"].changes
    assert ch.source == "scoring"
    assert [(r.text, r.points) for r in ch.reasons] == [
        ("已整改", 10.0), ("新增逾期或未注明日期", -4.5), ("核查基数、封顶或否决项变化带来的折算", -3.0)]
    html = (tmp_path / "units" / "fgj.html").read_text(encoding="utf-8")
    assert "新增逾期或未注明日期" in html and "变化原因" in html


def test_upcoming_obligations_from_catalog_when_scoring_has_none(store) -> None:
    from auditor.report import trends

    with store() as s:
        s.add(CatalogEntryRow(id="cz-02", catalog_version="v1", domain="财政预决算", level1="财政预算",
                              level2="年度报告", time_limit="每年1月31日前", mode="主动", levels=["县级"]))
        s.add(CatalogEntryRow(id="cz-03", catalog_version="v1", domain="财政预决算", level1="财政预算",
                              level2="采购意向", time_limit="每年12月31日前", mode="主动", levels=["县级"]))
        unit = s.get(Unit, "fgj")
        unit.domains_lead = ["财政预决算"]
        s.commit()
        run = s.get(AuditRun, 2)
        rows = trends._upcoming_from_store(s, run, ["fgj", "jyj"])
    # as_of 2026-03-02: the 31 January date has passed (next one is beyond 90 days); 31 December too far
    assert rows == {}
    with store() as s:
        run = s.get(AuditRun, 2)
        run.as_of = date(2026, 12, 1)
        s.commit()
        rows = trends._upcoming_from_store(s, run, ["fgj", "jyj"])
    assert list(rows) == ["fgj"]  # jyj does not lead 财政预决算
    assert [(r.due_date, r.days_left, r.level2) for r in rows["fgj"]] == [
        ("2026-12-31", 30, "采购意向"), ("2027-01-31", 61, "年度报告")]


def test_html_has_every_scorecard_and_overview_section(store, tmp_path: Path) -> None:
    with store() as s:
        render_html(s, 2, tmp_path)
    unit = (tmp_path / "units" / "fgj.html").read_text(encoding="utf-8")
    for word in ("维度得分", "领域得分", "较上次评估的变化", "问题清单与整改建议", "未公开事项", "公开依据",
                 "《预算法》第十四条", "及时性问题", "应公开日期", "网站健康问题", "即将到期的公开义务",
                 "抓取覆盖与无法核实事项", "已匹配信息", 'id="u-fgj-defects"'):
        assert word in unit, word
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    for word in ("历次评估趋势", "附录：评估方法", "匹配准确度", "抓取时间", 'class="chart line"',
                 'class="chart hist"', "2026-03-01 08:00"):
        assert word in index, word
    # the heat map names units briefly, with the full name in the tooltip
    assert 'title="区发展和改革局"' in index


def test_xlsx_has_changes_and_upcoming_sheets(store, tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    with store() as s:
        export_xlsx(s, 2, path)
    changes = pd.read_excel(path, sheet_name="较上次变化")
    assert set(changes["单位编码"]) >= {"fgj", "jyj"}
    fgj = changes[changes["单位编码"] == "fgj"]
    assert set(fgj["原因"]) == {"新增问题", "已整改问题"} and set(fgj["变化"]) == {2.5}
    assert list(pd.read_excel(path, sheet_name="即将到期").columns)[:2] == ["单位编码", "单位"]
    findings = pd.read_excel(path, sheet_name="问题清单")
    assert "《预算法》第十四条" in set(findings["公开依据"]) and "3日" in set(findings["逾期（含单位）"])
    assert "目录差异" not in openpyxl.load_workbook(path).sheetnames  # no unit-catalog diffs in this store


def test_unit_catalog_diffs_sheet_and_section(store, tmp_path: Path) -> None:
    with store() as s:
        s.add(make_finding(2, "fgj", "conformity", "catalog_conformity", "defect",
                       f"单位目录与标准目录不一致（deleted）：缺少 {LINK}", "catalog_conformity|fgj|deleted|cz-01",
                       entry_id="cz-01", domain="财政预决算", points=1.5, fix="按标准目录修订本单位公开目录。",
                       evidence={"file": "catalogs/fgj.xlsx", "diff_rule": "deleted", "unit_row": None,
                                 "message": f"缺少 {LINK}", "entry": {"id": "cz-01", "level2": "部门预算"}}))
        s.commit()
        export_xlsx(s, 2, tmp_path / "r.xlsx")
        render_html(s, 2, tmp_path / "html")
    diffs = pd.read_excel(tmp_path / "r.xlsx", sheet_name="目录差异")
    [row] = diffs.to_dict("records")
    assert row["单位编码"] == "fgj" and row["差异类型"] == "删减了标准目录事项" and row["二级事项"] == "部门预算"
    assert row["说明"] == f"缺少 {LINK}" and row["单位目录文件"] == "catalogs/fgj.xlsx"
    index = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "单位目录与标准目录差异" in index and "删减了标准目录事项" in index
    unit = (tmp_path / "html" / "units" / "fgj.html").read_text(encoding="utf-8")
    assert "其他问题" in unit and "目录规范性" in unit


def _fair_and_partial(store) -> None:
    """Run 2 as the engine now stores it: 东湖镇 未完整评估 (no obligations), 城关街道's column read in part."""
    from sqlalchemy import select

    with store() as s:
        dhz = s.scalar(select(Score).where(Score.audit_run_id == 2, Score.unit_id == "dhz", Score.dimension.is_(None)))
        dhz.score, dhz.rank = 100.0, None
        dhz.details = {"grade": "未完整评估", "level": "乡级", "scored": True, "assessment": "unassessed",
                       "assessment_reasons": ["完整性：无标准目录事项（未承担目录领域），完整性无法评估"],
                       "rank_group": "未完整评估（不排名）", "rank_tier": None,
                       "dim_status": {"completeness": {"status": "unassessed", "checked": 0, "unverified": 0,
                                                       "reason": "无标准目录事项（未承担目录领域），完整性无法评估"},
                                      "site_health": {"status": "assessed", "checked": 0, "unverified": 0,
                                                      "reason": ""}}}
        h = s.scalar(select(ColumnHealth).where(ColumnHealth.channel_id == 2))
        h.status, h.coverage, h.share_seen, h.declared_total, h.entries = "ok", "partial", 0.114, 175, 20
        h.coverage_reason = "列表声明共175条，读到20条（11%）：9个分页链接指向站外主机 old.example.gov.cn，未跟随"
        h.pages_skipped = 9
        s.commit()


def test_ranking_shows_unassessed_units_apart_and_scorecards_show_coverage(store, tmp_path: Path) -> None:
    _fair_and_partial(store)
    with store() as s:
        ctx = build_report_context(s, 2)
        render_html(s, 2, tmp_path / "html")
    rural = next(lv for lv in ctx.levels if lv.level == "乡级")
    assert [g.label for g in rural.groups] == ["已评估", "未完整评估（不排名）"]
    assert [u.id for u in rural.unassessed] == ["dhz"]
    assert rural.distribution.n == 1  # the 未完整评估 unit's 100 is not in the level's mean
    dhz = ctx.scorecards["dhz"].unit
    assert (dhz.assessment_label, dhz.dim_status["completeness"].label) == ("未完整评估", "未评估")
    col = next(c for c in ctx.scorecards["cgjd"].columns if c.channel_id == 2)
    assert (col.coverage, col.coverage_label, col.share_seen, col.declared_total) == \
        ("partial", "部分", 0.114, 175)
    assert ctx.scorecards["cgjd"].coverage.partial == 1
    index = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "未完整评估（不排名）" in index and "无标准目录事项" in index
    card = (tmp_path / "html" / "units" / "cgjd.html").read_text(encoding="utf-8")
    assert 'data-coverage="partial"' in card and "部分 11%" in card and "old.example.gov.cn" in card
    dhz_card = (tmp_path / "html" / "units" / "dhz.html").read_text(encoding="utf-8")
    assert "该单位不参与排名" in dhz_card


def test_exports_carry_assessment_and_coverage(store, tmp_path: Path) -> None:
    _fair_and_partial(store)
    with store() as s:
        xlsx = export_xlsx(s, 2, tmp_path / "a.xlsx")
        paths = export_csv(s, 2, tmp_path / "csv")
        data = json.loads(export_json(s, 2, tmp_path / "a.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(xlsx)
    scores = pd.DataFrame(list(wb["得分"].values)[1:], columns=list(wb["得分"].values)[0]).set_index("单位编码")
    assert scores.loc["dhz", "评估状态"] == "未完整评估" and "无标准目录事项" in scores.loc["dhz", "未完整评估原因"]
    assert scores.loc["dhz", "完整性评估"].startswith("未评估")
    cols = pd.DataFrame(list(wb["栏目健康"].values)[1:], columns=list(wb["栏目健康"].values)[0])
    row = cols[cols["栏目"] == "街道公开"].iloc[0]
    assert (row["覆盖"], row["已读比例"], row["声明条数"], row["跳过列表页"]) == ("部分", 0.114, 175, 9)
    by_name = {p.name: p for p in paths}
    with by_name["columns.csv"].open(encoding="utf-8-sig") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert {r["栏目"]: r["覆盖"] for r in csv_rows}["街道公开"] == "部分"
    assert next(c for c in data["columns"] if c["channel_id"] == 2)["coverage_reason"].startswith("列表声明共175条")
    assert next(u for u in data["units"] if u["id"] == "dhz")["assessment"] == "unassessed"


# ------------------------------------------------------------------ streamed output (issue 17: reports at scale)
def test_large_levels_get_ranking_pages_and_a_small_index(store, tmp_path: Path) -> None:
    """A level above page_size units is ranked on pages of its own; index.html links to them and shows
    level averages instead of one bar and one heat-map column per unit. Every link resolves to a file."""
    from auditor.report.render import write_html

    with store() as s:
        ctx = build_report_context(s, 2)
    out = tmp_path / "paged"
    paths = write_html(ctx, out, page_size=1)
    assert paths[0] == out / "index.html"
    assert sorted(p.name for p in (out / "ranking").iterdir()) == ["1-1.html", "1-2.html", "2-1.html", "2-2.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(index)
    assert parser.tables == {}  # no ranking rows in the index …
    assert 'href="ranking/1-1.html"' in index and 'href="ranking/2-2.html"' in index  # … links to them
    assert 'class="heat-summary"' in index and 'class="heat"' not in index
    first = (out / "ranking" / "1-1.html").read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(first)
    assert parser.tables == {"区级": ["jyj"]}
    assert 'href="../units/jyj.html"' in first and 'href="1-2.html"' in first and 'class="heat"' in first
    fgj = (out / "units" / "fgj.html").read_text(encoding="utf-8")
    assert 'href="../ranking/1-2.html"' in fgj
    for page in [*(out / "ranking").iterdir(), *(out / "units").iterdir(), out / "index.html"]:
        for href in re.findall(r'href="(?!https?:)([^"#]+\.html)', page.read_text(encoding="utf-8")):
            assert (page.parent / href).resolve().is_file(), f"{page.name}: {href}"


def test_write_reports_writes_every_format_from_one_context(store, tmp_path: Path, monkeypatch) -> None:
    from auditor.errors import AuditorError
    from auditor.report.output import write_reports

    with store() as s:
        ctx = build_report_context(s, 2)
    with pytest.raises(AuditorError, match="unknown format"):
        write_reports(ctx, tmp_path / "x", ["html", "docx"])
    monkeypatch.setenv("AUDITOR_PDF_NO_CJK", "1")  # a machine without a Chinese font: the PDF is skipped
    done = write_reports(ctx, tmp_path / "r", ["json", "csv", "pdf", "xlsx", "html"])
    names = [p.relative_to(tmp_path / "r").as_posix() for p in done.paths]
    assert names[:3] == ["index.html", "units/jyj.html", "units/fgj.html"]
    assert {"audit-run-2.xlsx", "scores.csv", "findings.csv", "matches.csv", "columns.csv",
            "audit-run-2.json"} <= set(names)
    assert not list((tmp_path / "r").rglob("*.pdf")) and "fonts-noto-cjk" in done.skipped["pdf"]
    with pytest.raises(ReportError):
        write_reports(ctx, tmp_path / "p", ["pdf"])  # the only format asked for: an error, not a skip
    # the streamed JSON is the context, value for value
    assert json.loads((tmp_path / "r" / "audit-run-2.json").read_text(encoding="utf-8")) == \
        json.loads(json.dumps(fields_of(ctx), ensure_ascii=False, default=plain))


def test_unit_pages_from_the_worker_pool_are_the_pages_rendered_in_process(store, tmp_path: Path,
                                                                          monkeypatch) -> None:
    from auditor.report import parallel
    from auditor.report.render import write_html

    with store() as s:
        ctx = build_report_context(s, 2)
    serial = write_html(ctx, tmp_path / "one", workers=1)
    monkeypatch.setattr(parallel, "MIN_TASKS", 1)  # the pool even for four units
    pooled = write_html(ctx, tmp_path / "two", workers=2)
    assert [p.relative_to(tmp_path / "two") for p in pooled] == [p.relative_to(tmp_path / "one") for p in serial]
    for a, b in zip(serial, pooled):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_streamed_xlsx_keeps_text_as_text(tmp_path: Path) -> None:
    """The streaming writer: markup characters, leading blanks and quotes survive as text; numbers stay
    numbers; an empty or missing value is an empty cell; sheet names with quotes still get their filter."""
    from auditor.report.xlsx_stream import StreamingWorkbook, column_letter

    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
    wb = StreamingWorkbook(tmp_path / "s.xlsx")
    rows = [["<b>&amp;</b>", "  两端空格  ", 3, 2.5, None, "", True], ["'=1+1", '"引号"', 0, -1.25, "x", "y", False]]
    assert wb.add_sheet("单位's 表", ["a", "b", "c", "d", "e", "f", "g"], iter(rows), [10] * 7) == 2
    wb.close()
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["单位's 表"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=2)] == [
        ["<b>&amp;</b>", "  两端空格  ", 3, 2.5, None, None, True], ["'=1+1", '"引号"', 0, -1.25, "x", "y", False]]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G3" and ws["A1"].font.b
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)


def test_methodology_lists_veto_rules_in_the_checks_order_whatever_the_hash_seed() -> None:
    """The veto rules are a frozenset in the scheme; the report lists them in the order the checks declare
    their rules, so two runs of the same audit write the same methodology (PYTHONHASHSEED varies per run)."""
    import os
    import subprocess
    import sys

    from auditor.report import labels as L

    code = ("import json; from auditor.report.trends import _in_rule_order;"
            "print(json.dumps(_in_rule_order(frozenset({'dead_link', 'home_stale', 'site_unreachable', 'blank_column'}))))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outs) == 1
    listed = json.loads(outs.pop())
    assert listed == sorted(listed, key=list(L.RULES).index)
