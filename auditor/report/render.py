"""Static HTML report: index.html (district overview) and units/<unit_id>.html (one scorecard per unit).

Pages are self-contained (CSS inlined, charts as inline SVG, no JavaScript, no external resources) so
they can be mailed, archived or opened offline. Crawled text is hostile input: templates autoescape
everything and StrictUndefined turns a template/context mismatch into an error instead of a blank.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from auditor.report import parallel
from auditor.report.charts import Bar, bar_chart, histogram, line_chart
from auditor.report.model import (
    Level,
    LevelSpan,
    Matrix,
    MatrixRow,
    MatrixUnit,
    RankGroup,
    ReportContext,
    RunInfo,
    Scorecard,
    UnitRow,
)
from auditor.report.report_context import build_report_context, heat_class

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
TEMPLATES = REPORTS_DIR / "templates"
STATIC = REPORTS_DIR / "static"
PAGE_SIZE = 100  # units per ranking page; a level above it is paged (index.html stays small)


def fmt_score(value: Any, digits: int = 1) -> str:
    """Scores with fixed decimals; "—" where there is no score (not applicable or not scored)."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{digits}f}"


def fmt_datetime(value: Any) -> str:
    """ISO timestamps shortened to minutes for display."""
    if not value:
        return "—"
    return str(value).replace("T", " ")[:16]


def is_http(url: Any) -> bool:
    """Only http(s) URLs become links: a crawled javascript: or data: URL stays plain text."""
    if not isinstance(url, str) or not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


@lru_cache(maxsize=1)
def make_env() -> Environment:
    """One environment per process: templates compile once, not once per unit page."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "svg"),
                                     default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(score=fmt_score, dt=fmt_datetime)
    env.filters["is_http"] = is_http
    return env


@lru_cache(maxsize=4)
def stylesheet(name: str = "report.css") -> Markup:
    """The CSS to inline; it is our own file, marked safe so `>` selectors survive autoescaping."""
    css = (STATIC / name).read_text(encoding="utf-8")
    return Markup(css.replace("</", "<\\/"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Layout:
    """How the overview is cut up. A level with more than page_size units is "large": the HTML index
    links to ranking pages of page_size units (each with its bar chart and heat map) instead of holding
    them, and the overview (HTML and PDF) shows level averages instead of one bar or column per unit."""

    page_size: int = PAGE_SIZE
    paged: bool = True  # False for print: the district PDF holds every ranking row

    def large(self, ctx: ReportContext) -> bool:
        return any(len(lv.units) > self.page_size for lv in ctx.levels)


def ranking_pages(ctx: ReportContext, page_size: int = PAGE_SIZE) -> dict[str, list[dict[str, Any]]]:
    """Level → its ranking pages (only for levels above page_size units): file, label, units."""
    out: dict[str, list[dict[str, Any]]] = {}
    for level_index, lv in enumerate(ctx.levels, 1):
        members = lv.units
        if len(members) <= page_size:
            continue
        pages = []
        for n, lo in enumerate(range(0, len(members), page_size), 1):
            chunk = members[lo:lo + page_size]
            ranks = [u.rank for u in chunk if u.rank is not None]
            label = f"第 {min(ranks)}–{max(ranks)} 名" if ranks else f"第 {n} 页（未排名）"
            if ranks and len(ranks) < len(chunk):
                label += "及未排名单位"
            file = f"{level_index}-{n}.html"
            pages.append({"file": file, "href": f"ranking/{file}", "label": label, "count": len(chunk),
                          "first": chunk[0].name, "last": chunk[-1].name, "units": chunk,
                          "level_index": level_index, "number": n})
        out[lv.level] = pages
    return out


def heat_summary(ctx: ReportContext) -> dict[str, Any]:
    """Domain × level mean of the heat map: what the overview shows when one column per unit is too many."""
    level_of = {u.id: u.level for u in ctx.units}
    levels = [{"level": lv.level, "label": lv.label} for lv in ctx.levels if lv.units]
    rows = []
    for row in ctx.matrix.rows:
        by_level: dict[str, list[float]] = {}
        for c in row.cells:
            if c.score is not None:
                by_level.setdefault(level_of.get(c.unit_id, ""), []).append(c.score)
        cells = []
        for lv in levels:
            vals = by_level.get(lv["level"], [])
            mean = round(statistics.fmean(vals), 2) if vals else None
            cells.append({"score": mean, "cls": heat_class(mean)})
        rows.append({"domain": row.domain, "cells": cells, "mean": row.mean, "cls": heat_class(row.mean),
                     "defects": sum(c.defects for c in row.cells)})
    return {"levels": levels, "rows": rows}


def overview_view(ctx: ReportContext, layout: Layout) -> dict[str, Any]:
    large = layout.large(ctx)
    paged = ranking_pages(ctx, layout.page_size) if layout.paged else {}
    return {"large": large, "paged": paged, "page_size": layout.page_size,
            "heat_summary": heat_summary(ctx) if large else None}


def overview_charts(ctx: ReportContext, href_for: Callable[[Any], str],
                    layout: Layout | None = None) -> dict[str, Any]:
    """Geometry of every chart on the district overview (no per-unit bar chart for a large level)."""
    layout = layout or Layout()
    trend = ctx.trend
    return {
        "bars": {lv.level: bar_chart(lv.units, href_for=href_for) for lv in ctx.levels
                 if len(lv.units) <= layout.page_size},
        "hists": {lv.level: histogram(lv.distribution.bins) for lv in ctx.levels},
        "trend": line_chart([f"#{r.id} {r.as_of}" for r in trend.runs], trend.series),
    }


def dimension_chart(card: Scorecard) -> dict[str, Any]:
    return bar_chart([Bar(d.label, d.score, d.cls) for d in card.dimensions], bar_width=320)


def unit_pages(ctx: ReportContext, unit_ids: Iterable[str] | None = None,
               page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
    """Scorecards in report order (level, then rank) with neighbours and chart, one at a time: only the
    selected units' pages are built (all by default), so a caller never holds the whole district."""
    wanted = None if unit_ids is None else set(unit_ids)
    for level_index, lv in enumerate(ctx.levels, 1):
        members = lv.units
        paged = len(members) > page_size
        for i, row in enumerate(members):
            if wanted is not None and row.id not in wanted:
                continue
            card = ctx.scorecards[row.id]
            rank_href = (f"../ranking/{level_index}-{i // page_size + 1}.html" if paged
                         else f"../index.html#rank-{level_index}")
            yield {"row": row, "card": card, "dim_chart": dimension_chart(card), "level_index": level_index,
                   "rank_href": rank_href,
                   "prev_unit": members[i - 1] if i > 0 else None,
                   "next_unit": members[i + 1] if i + 1 < len(members) else None}


def write_html(ctx: ReportContext, out_dir: Path, *, page_size: int = PAGE_SIZE,
               workers: int = 1) -> list[Path]:
    """Render an already built report context; returns the written files, index first, then ranking
    pages (large levels only), then every unit page. Each page is written as soon as it is rendered;
    unit pages by `workers` forked processes when the district is large (auditor/report/parallel.py)."""
    out_dir = Path(out_dir)
    env = make_env()
    css = stylesheet()
    run = ctx.run
    layout = Layout(page_size=page_size)

    def href(u: UnitRow | MatrixUnit) -> str:
        return f"units/{u.page}"

    view = overview_view(ctx, layout)
    written = [_write(out_dir / "index.html",
                      env.get_template("index.html").render(ctx=ctx, run=run, css=css, view=view,
                                                            charts=overview_charts(ctx, href, layout),
                                                            unit_href=href))]
    written += _write_ranking_pages(ctx, out_dir, view["paged"], css)
    tasks = [(str(out_dir), u.id, page_size) for u in ctx.units]
    return written + parallel.map_units(ctx, _write_unit_page, tasks, workers=workers)


def _write_unit_page(ctx: ReportContext, task: tuple[str, str, int]) -> Path:
    out_dir, unit_id, page_size = task
    page = next(unit_pages(ctx, [unit_id], page_size))
    return _write(Path(out_dir) / "units" / page["row"].page,
                  _unit_html(make_env().get_template("unit.html"), ctx.run, stylesheet(), page))


def _write_ranking_pages(ctx: ReportContext, out_dir: Path, paged: dict[str, list[dict[str, Any]]],
                         css: Markup) -> list[Path]:
    tpl = make_env().get_template("ranking.html")
    levels = {lv.level: lv for lv in ctx.levels}

    def href(u: UnitRow | MatrixUnit) -> str:
        return f"../units/{u.page}"

    written = []
    for level, pages in paged.items():
        lv = levels[level]
        for i, page in enumerate(pages):
            ids = {u.id for u in page["units"]}
            groups = [RankGroup(g, [u for u in page["units"] if u.rank_group == g])
                      for g in dict.fromkeys(u.rank_group for u in page["units"])]
            html = tpl.render(ctx=ctx, run=ctx.run, css=css, lv=lv, page=page, groups=groups,
                              level_index=page["level_index"], unit_href=href,
                              prev_page=pages[i - 1] if i else None,
                              next_page=pages[i + 1] if i + 1 < len(pages) else None,
                              bars=bar_chart(page["units"], href_for=href),
                              matrix=matrix_slice(ctx.matrix, ids, lv))
            written.append(_write(out_dir / "ranking" / page["file"], html))
    return written


def matrix_slice(matrix: Matrix, ids: set[str], lv: Level) -> Matrix:
    """The heat map restricted to some units of one level (a ranking page)."""
    units = [u for u in matrix.units if u.id in ids]
    rows = []
    for r in matrix.rows:
        cells = [c for c in r.cells if c.unit_id in ids]
        scored = [c.score for c in cells if c.score is not None]
        rows.append(MatrixRow(r.domain, cells, round(statistics.fmean(scored), 2) if scored else None))
    return Matrix(domains=matrix.domains, units=units, rows=rows,
                  groups=[LevelSpan(lv.level, lv.label, len(units))] if units else [])


def _unit_html(unit_tpl: Any, run: RunInfo, css: Markup, page: dict[str, Any]) -> str:
    return unit_tpl.render(card=page["card"], run=run, css=css, dim_chart=page["dim_chart"],
                           level_index=page["level_index"], rank_href=page["rank_href"],
                           prev_unit=page["prev_unit"], next_unit=page["next_unit"], show_matches=True)


def unit_html(ctx: ReportContext, unit_id: str) -> str | None:
    """One unit's scorecard page, as write_html renders it, without rendering the other units (the
    review workspace serves one unit per request)."""
    page = next(unit_pages(ctx, [unit_id]), None)
    if page is None:
        return None
    return _unit_html(make_env().get_template("unit.html"), ctx.run, stylesheet(), page)


def print_document(ctx: ReportContext, *, unit_ids: list[str] | None = None, overview: bool = True,
                   matches: bool = False, unit_pdfs: str = "") -> str:
    """One HTML document for print/PDF: the overview (optional) then the selected scorecards (all by
    default), links between them as in-document anchors. Matched items are listed only with
    `matches` (they run to pages; the XLSX 匹配 sheet holds them all). The district summary PDF is the
    overview with unit_ids=[] (every ranking row, level averages where a level is large). It carries no
    styles: report/typeset.py reads its structure and reports/typst/document.typ lays it out."""
    env = make_env()
    run = ctx.run
    layout = Layout(paged=False)

    def href(u: UnitRow | MatrixUnit) -> str:
        return "#u-" + u.page.rsplit(".", 1)[0]

    pages = list(unit_pages(ctx, unit_ids))
    if overview:
        title = f"{ctx.district} 基层政务公开标准化规范化评估报告（基准日 {run.as_of}）"
    else:
        title = "、".join(p["row"].name for p in pages) + f" 评估得分卡（基准日 {run.as_of}）"
    return env.get_template("district.html").render(
        ctx=ctx, run=run, title=title,
        charts=overview_charts(ctx, href, layout) if overview else {}, unit_href=href, show_overview=overview,
        view=overview_view(ctx, layout) if overview else {}, scorecards=pages, show_matches=matches,
        unit_pdfs=unit_pdfs)


def render_html(session: Session, audit_run_id: int, out_dir: Path) -> list[Path]:
    """Build the report context for one audit run and write its HTML pages under out_dir."""
    return write_html(build_report_context(session, audit_run_id), out_dir)
