"""Static HTML report: index.html (district overview) and units/<unit_id>.html (one scorecard per unit).

Pages are self-contained (CSS inlined, charts as inline SVG, no JavaScript, no external resources) so
they can be mailed, archived or opened offline. Crawled text is hostile input: templates autoescape
everything and StrictUndefined turns a template/context mismatch into an error instead of a blank.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.orm import Session

from auditor.report.charts import bar_chart
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


def stylesheet() -> Markup:
    """The CSS to inline; it is our own file, marked safe so `>` selectors survive autoescaping."""
    css = (STATIC / "report.css").read_text(encoding="utf-8")
    return Markup(css.replace("</", "<\\/"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_html(ctx: dict[str, Any], out_dir: Path) -> list[Path]:
    """Render an already built report context; returns the written files, index first."""
    out_dir = Path(out_dir)
    env = make_env()
    css = stylesheet()
    run = ctx["run"]
    charts = {lv["level"]: bar_chart(lv["units"], href_prefix="units/") for lv in ctx["levels"]}
    written = [_write(out_dir / "index.html",
                      env.get_template("index.html").render(ctx=ctx, run=run, css=css, charts=charts))]
    unit_tpl = env.get_template("unit.html")
    for level_index, lv in enumerate(ctx["levels"], 1):
        members = lv["units"]
        for i, row in enumerate(members):
            card = ctx["scorecards"][row["id"]]
            dim_chart = bar_chart([{"name": d["label"], "score": d["score"], "cls": d["cls"]}
                                   for d in card["dimensions"]], bar_width=320)
            html = unit_tpl.render(card=card, run=run, css=css, dim_chart=dim_chart, level_index=level_index,
                                   prev_unit=members[i - 1] if i > 0 else None,
                                   next_unit=members[i + 1] if i + 1 < len(members) else None)
            written.append(_write(out_dir / "units" / row["page"], html))
    return written


def render_html(session: Session, audit_run_id: int, out_dir: Path) -> list[Path]:
    """Build the report context for one audit run and write its HTML pages under out_dir."""
    return write_html(build_report_context(session, audit_run_id), out_dir)
