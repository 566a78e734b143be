"""Static HTML report: index.html (district overview) and units/<unit_id>.html (one scorecard per unit).

Pages are self-contained (CSS inlined, charts as inline SVG, no JavaScript, no external resources) so
they can be mailed, archived or opened offline. Crawled text is hostile input: templates autoescape
everything and StrictUndefined turns a template/context mismatch into an error instead of a blank.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from auditor.report.charts import bar_chart, histogram, line_chart
from auditor.report.context import build_report_context

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
TEMPLATES = REPORTS_DIR / "templates"
STATIC = REPORTS_DIR / "static"


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


def make_env() -> Environment:
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


def stylesheet(name: str = "report.css") -> Markup:
    """The CSS to inline; it is our own file, marked safe so `>` selectors survive autoescaping."""
    css = (STATIC / name).read_text(encoding="utf-8")
    return Markup(css.replace("</", "<\\/"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def overview_charts(ctx: dict[str, Any], href_for: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """Geometry of every chart on the district overview."""
    trend = ctx["trend"]
    return {
        "bars": {lv["level"]: bar_chart(lv["units"], href_for=href_for) for lv in ctx["levels"]},
        "hists": {lv["level"]: histogram(lv["distribution"]["bins"]) for lv in ctx["levels"]},
        "trend": line_chart([f"#{r['id']} {r['as_of']}" for r in trend["runs"]], trend["series"]),
    }


def dimension_chart(card: dict[str, Any]) -> dict[str, Any]:
    return bar_chart([{"name": d["label"], "score": d["score"], "cls": d["cls"]} for d in card["dimensions"]],
                     bar_width=320)


def unit_pages(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """Every scorecard in report order (level, then rank) with its neighbours and chart."""
    out = []
    for level_index, lv in enumerate(ctx["levels"], 1):
        members = lv["units"]
        for i, row in enumerate(members):
            card = ctx["scorecards"][row["id"]]
            out.append({"row": row, "card": card, "dim_chart": dimension_chart(card), "level_index": level_index,
                        "prev_unit": members[i - 1] if i > 0 else None,
                        "next_unit": members[i + 1] if i + 1 < len(members) else None})
    return out


def write_html(ctx: dict[str, Any], out_dir: Path) -> list[Path]:
    """Render an already built report context; returns the written files, index first."""
    out_dir = Path(out_dir)
    env = make_env()
    css = stylesheet()
    run = ctx["run"]

    def href(u: dict[str, Any]) -> str:
        return f"units/{u['page']}"

    charts = overview_charts(ctx, href)
    written = [_write(out_dir / "index.html",
                      env.get_template("index.html").render(ctx=ctx, run=run, css=css, charts=charts,
                                                            unit_href=href))]
    unit_tpl = env.get_template("unit.html")
    for page in unit_pages(ctx):
        written.append(_write(out_dir / "units" / page["row"]["page"], _unit_html(unit_tpl, run, css, page)))
    return written


def _unit_html(unit_tpl: Any, run: dict[str, Any], css: Markup, page: dict[str, Any]) -> str:
    return unit_tpl.render(card=page["card"], run=run, css=css, dim_chart=page["dim_chart"],
                           level_index=page["level_index"], prev_unit=page["prev_unit"],
                           next_unit=page["next_unit"], show_matches=True)


def unit_html(ctx: dict[str, Any], unit_id: str) -> str | None:
    """One unit's scorecard page, as write_html renders it, without rendering the other units (the
    review workspace serves one unit per request)."""
    page = next((p for p in unit_pages(ctx) if p["row"]["id"] == unit_id), None)
    if page is None:
        return None
    return _unit_html(make_env().get_template("unit.html"), ctx["run"], stylesheet(), page)


def print_document(ctx: dict[str, Any], *, unit_ids: list[str] | None = None, overview: bool = True,
                   matches: bool = False) -> str:
    """One HTML document for print/PDF: the overview (optional) then the selected scorecards (all by
    default), links between them as in-document anchors. Matched items are listed only with
    `matches` (they run to pages; the XLSX 匹配 sheet holds them all)."""
    env = make_env()
    run = ctx["run"]

    def href(u: dict[str, Any]) -> str:
        return "#u-" + u["page"].rsplit(".", 1)[0]

    pages = [p for p in unit_pages(ctx) if unit_ids is None or p["row"]["id"] in unit_ids]
    if overview:
        title = f"{ctx['district']} 基层政务公开标准化规范化评估报告（基准日 {run['as_of']}）"
    else:
        title = "、".join(p["row"]["name"] for p in pages) + f" 评估得分卡（基准日 {run['as_of']}）"
    return env.get_template("district.html").render(
        ctx=ctx, run=run, css=stylesheet(), print_css=stylesheet("print.css"), title=title,
        charts=overview_charts(ctx, href) if overview else {}, unit_href=href, show_overview=overview,
        scorecards=pages, show_matches=matches)


def render_html(session: Session, audit_run_id: int, out_dir: Path) -> list[Path]:
    """Build the report context for one audit run and write its HTML pages under out_dir."""
    return write_html(build_report_context(session, audit_run_id), out_dir)
