"""Spreadsheet and data exports (XLSX, CSV, JSON) of one audit run, built from the shared report context.

Titles, URLs and error texts come from crawled government sites and are untrusted: a title starting
with "=" would be evaluated as a formula by Excel (CSV/formula injection). Every string cell of the
spreadsheet exports passes through `neutralise` (OWASP guidance: prefix a single quote).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session

from auditor.cellsafe import neutralise
from auditor.report import labels as L
from auditor.report.model import DimStatus, ReportContext, plain
from auditor.report.report_context import build_report_context
from auditor.report.xlsx_stream import StreamingWorkbook

XLSX_MAX_CELL = 32767
Table = tuple[list[str], Iterable[list[Any]]]  # rows are generated: a 1,000-unit run is never held twice


def _scores(ctx: ReportContext) -> Table:
    dims = [d.code for d in ctx.dimensions]
    head = ["单位编码", "单位", "层级", "总分", "等级", "排名", "同层级排名单位数",
            *[L.DIMENSIONS[d] for d in dims], "问题数", "未公开", "逾期", "未注明日期", "渠道缺失",
            "网站健康问题", "无法核实", "扣分合计", "上次总分", "较上次", "已整改", "评估依据",
            "评估状态", "排名分组", "未完整评估原因", "时限无法评估",
            *[f"{L.DIMENSIONS[d]}评估" for d in dims]]
    return head, _score_rows(ctx, dims)


def _score_rows(ctx: ReportContext, dims: list[str]) -> Iterator[list[Any]]:
    for u in ctx.units:
        c, p = u.counts, u.previous
        yield [u.id, u.name, u.level, u.score, u.grade, u.rank, u.rank_of,
               *[u.dims[d] for d in dims], c.defects, c.missing, c.late, c.undated,
               c.channel_gap, c.site_health, c.unverified, c.points_lost,
               p.score if p else None, p.delta if p else None, p.resolved if p else None, u.yardstick["label"],
               u.assessment_label, u.rank_group, "；".join(u.assessment_reasons), c.no_anchor,
               *[_dim_status(u.dim_status.get(d)) for d in dims]]


def _dim_status(st: DimStatus | None) -> str:
    if st is None or not st.status:
        return ""
    return st.label + (f"：{st.reason}" if st.reason else "")


def _findings(ctx: ReportContext) -> Table:
    head = ["单位编码", "单位", "维度", "问题类型", "性质", "问题", "领域", "目录事项编码", "一级事项", "二级事项",
            "证据链接", "成文日期", "应公开日期", "发布日期", "最近更新", "逾期", "缺失渠道", "扣分", "整改建议",
            "新增/持续", "问题标识", "公开时限", "公开依据", "整改栏目", "逾期（含单位）", "无法核实原因"]
    rows = ([f.unit_id, f.unit_name, f.check_label, f.rule_label, f.status_label, f.title,
             f.domain, f.entry_id, f.entry_level1, f.entry_level2, f.url, f.written_date,
             f.due_date, f.publish_date, f.latest_date, f.days_late, f.channels_missing_label,
             f.points, f.fix, f.lifecycle_label, f.key, f.time_limit, f.basis, f.fix_where,
             f.days_late_label, f.reason] for f in ctx.findings)
    return head, rows


def _matches(ctx: ReportContext) -> Table:
    head = ["单位编码", "单位", "信息标题", "链接", "目录事项编码", "二级事项", "领域", "匹配分", "判定",
            "发布日期", "成文日期"]
    rows = ([m.unit_id, m.unit_name, m.title, m.url, m.entry_id, m.entry_level2, m.domain,
             m.score, m.decision_label, m.publish_date, m.written_date] for m in ctx.matches)
    return head, rows


def _columns(ctx: ReportContext) -> Table:
    head = ["单位编码", "单位", "栏目", "栏目路径", "栏目类型", "渠道", "领域", "链接", "抓取批次", "抓取状态",
            "HTTP", "条目数", "页数", "无日期条目", "最新日期", "适配器", "错误",
            "覆盖", "覆盖说明", "已读比例", "声明条数", "声明页数", "失败列表页", "跳过列表页",
            "已取详情页", "详情页失败", "跳过详情页"]
    rows = ([c.unit_id, c.unit_name, c.name, c.column_path, c.kind_label, c.code, c.domain,
             c.url, c.crawl_run_id, c.status_label, c.http_status, c.entries, c.pages,
             c.undated_entries, c.latest_date, c.adapter, c.error,
             c.coverage_label, c.coverage_reason, c.share_seen, c.declared_total, c.declared_pages,
             c.pages_failed, c.pages_skipped, c.details_fetched, c.details_failed, c.details_skipped]
            for c in ctx.columns)
    return head, rows


def _upcoming(ctx: ReportContext) -> Table:
    head = ["单位编码", "单位", "领域", "目录事项编码", "一级事项", "二级事项", "信息", "类型", "公开时限",
            "应公开日期", "剩余", "剩余单位", "依据"]
    names = {u.id: u.name for u in ctx.units}
    rows = ([uid, names.get(uid, uid), r.domain, r.entry_id, r.level1, r.level2, r.title, r.kind, r.time_limit,
             r.due_date, r.days_left, r.days_unit, r.why]
            for uid, items in ctx.upcoming.units.items() for r in items)
    return head, rows


def _changes(ctx: ReportContext) -> Table:
    head = ["单位编码", "单位", "对比批次", "上次总分", "本次总分", "变化", "原因", "项数", "影响分值"]
    rows = []
    for u in ctx.units:
        ch = ctx.scorecards[u.id].changes
        if not ch:
            continue
        base = [u.id, u.name, ch.previous_run.id, ch.score_before, ch.score_now, ch.delta]
        if ch.reasons:
            rows += [base + [r.text, r.count, r.points] for r in ch.reasons]
        else:
            rows.append(base + ["新增问题", len(ch.new), -ch.new_points])
            rows.append(base + ["已整改问题", len(ch.resolved), ch.resolved_points])
    return head, rows


def _catalog_diffs(ctx: ReportContext) -> Table:
    if ctx.catalog_diffs is None:
        return [], []
    cols = ctx.catalog_diffs.columns
    return list(cols), [[r.get(c) if isinstance(r.get(c), (str, int, float)) or r.get(c) is None else str(r.get(c))
                         for c in cols] for r in ctx.catalog_diffs.rows]


def _run_info(ctx: ReportContext) -> Table:
    r = ctx.run
    crawls = "；".join(f"#{c.id} {c.started_at} 至 {c.finished_at or '—'}" for c in r.crawl_runs)
    rows = [["评估批次", r.id], ["状态", r.status], ["评估基准日", r.as_of], ["评分方案", r.rules_version],
            ["目录版本", r.catalog_version], ["程序版本", r.code_version], ["开始", r.started_at],
            ["完成", r.finished_at], ["抓取批次", crawls]]
    if ctx.previous:
        p = ctx.previous
        rows += [["对比批次", p.run.id], ["新增问题", p.new], ["已整改问题", p.resolved],
                 ["持续问题", p.persisting]]
    return ["项目", "内容"], rows


SHEETS = {"得分": _scores, "问题清单": _findings, "匹配": _matches, "栏目健康": _columns, "评估信息": _run_info,
          "较上次变化": _changes, "即将到期": _upcoming}
# Sheets written only when the store has their data (another stage provides it).
OPTIONAL_SHEETS = {"目录差异": _catalog_diffs}
CSV_FILES = {"scores.csv": _scores, "findings.csv": _findings, "matches.csv": _matches, "columns.csv": _columns}


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _xlsx_value(value: Any) -> Any:
    value = neutralise(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_CELL]
    return value


WIDTH_SAMPLE = 500  # rows looked at to size the columns


def _write_sheet(wb: StreamingWorkbook, title: str, table: Table) -> None:
    """Stream one sheet: rows go to the file as they are generated. Columns are sized from the first
    WIDTH_SAMPLE rows, which are the only ones held."""
    head, rows = table
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    widths = [max(8, min(60, max([_display_width(name)] + [_display_width(r[j]) for r in sample]) + 2))
              for j, name in enumerate(head)]
    wb.add_sheet(title, head, ([_xlsx_value(v) for v in row] for row in chain(sample, rows)), widths)


def write_xlsx(ctx: ReportContext, path: Path) -> Path:
    """The workbook, streamed sheet by sheet (auditor/report/xlsx_stream.py): every string neutralised, so
    none is a formula; header row bold, shaded and frozen; an autofilter on every sheet."""
    wb = StreamingWorkbook(Path(path))
    for title, build in SHEETS.items():
        _write_sheet(wb, title, build(ctx))
    for title, build in OPTIONAL_SHEETS.items():
        head, rows = build(ctx)
        rows = list(rows)
        if head and rows:
            _write_sheet(wb, title, (head, rows))
    return wb.close()


def write_csv(ctx: ReportContext, out_dir: Path) -> list[Path]:
    """UTF-8 with BOM: without it Excel on Chinese Windows opens the files as GBK and garbles them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in CSV_FILES.items():
        head, rows = build(ctx)
        path = out_dir / name
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL)  # a field never splits into cells, whatever the delimiter
            writer.writerow(head)
            for row in rows:
                writer.writerow(["" if v is None else neutralise(v.replace("\x00", "") if isinstance(v, str) else v)
                                 for v in row])
        written.append(path)
    return written


def write_json(ctx: ReportContext, path: Path) -> Path:
    """The full context, unneutralised: JSON is read by programs, where a quote prefix would corrupt data.

    Streamed: one top-level key per line and, inside the big lists and maps (units, scorecards, findings,
    matches, columns …), one element per line, each encoded on its own, so the whole document is never
    one string in memory. Dataclasses are written as objects of their fields, in declaration order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    enc = json.JSONEncoder(ensure_ascii=False, default=plain).encode
    with path.open("w", encoding="utf-8") as fh:
        fh.write("{")
        for i, (key, value) in enumerate(plain(ctx).items()):
            fh.write(("," if i else "") + "\n" + enc(key) + ": ")
            if isinstance(value, list) and len(value) > 1:
                fh.write("[")
                for j, item in enumerate(value):
                    fh.write(("," if j else "") + "\n  " + enc(item))
                fh.write("\n]")
            elif isinstance(value, dict) and len(value) > 1 and key in STREAMED_MAPS:
                fh.write("{")
                for j, (k, item) in enumerate(value.items()):
                    fh.write(("," if j else "") + "\n  " + enc(str(k)) + ": " + enc(item))
                fh.write("\n}")
            else:
                fh.write(enc(value))
        fh.write("\n}\n")
    return path


STREAMED_MAPS = frozenset({"scorecards"})


def export_xlsx(session: Session, audit_run_id: int, path: Path) -> Path:
    """Workbook with sheets 得分, 问题清单, 匹配, 栏目健康 (and 评估信息)."""
    return write_xlsx(build_report_context(session, audit_run_id), path)


def export_csv(session: Session, audit_run_id: int, out_dir: Path) -> list[Path]:
    """scores.csv, findings.csv, matches.csv, columns.csv (column health and coverage) under out_dir."""
    return write_csv(build_report_context(session, audit_run_id), out_dir)


def export_json(session: Session, audit_run_id: int, path: Path) -> Path:
    return write_json(build_report_context(session, audit_run_id), path)
