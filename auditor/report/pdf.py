"""PDF for formal submission: a district summary (overview, rankings, summary tables, page numbers) and
one PDF per unit (its scorecard), rendered by WeasyPrint from the same templates as the HTML.

Each document is rendered on its own (a 1,000-unit district is 1,001 small documents, never one of
3,000 pages), by a pool of forked workers that share the report context.

Fonts: the templates ask for "Noto Sans CJK SC" (Debian: fonts-noto-cjk); WeasyPrint finds it through
fontconfig. Without any Chinese font WeasyPrint would write a PDF whose Chinese text is blank, so the font
is checked with fontconfig (`fc-list :lang=zh`) before rendering and, when there is none, no PDF is written
(NoCJKFontError: one line saying why and what to install). AUDITOR_PDF_NO_CJK=1 simulates a machine without
one. Nothing is fetched while rendering: the URL fetcher refuses every URL, so a crawled link
can never make the renderer reach the network (the documents hold no images or stylesheets by URL).

Speed: a unit PDF costs about 0.55 CPU-s (WeasyPrint: styles and layout ≈ 0.35 s, drawing and the font
subsets ≈ 0.2 s). WeasyPrint subsets the embedded CJK font with HarfBuzz-Subset (Debian:
libharfbuzz-subset0); without that library it falls back to fontTools, which takes about 12 CPU-s per unit
PDF on the 65,535-glyph Noto Sans CJK — 20 times slower, and WeasyPrint's own warning about it is hidden
with its other log noise, so write_pdf logs one warning of its own (font_subsetter).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from auditor.report import parallel
from auditor.report.model import ReportContext, UnitRow
from auditor.report.render import STATIC, print_document
from auditor.report.report_context import ReportError, build_report_context

log = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"


def _weasyprint():
    try:
        import weasyprint
    except ImportError as exc:
        raise ReportError(
            f"PDF output needs WeasyPrint, which could not be loaded ({exc})",
            hint="pip install 'weasyprint>=62' and, on Debian, apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
                 "libharfbuzz-subset0 fonts-noto-cjk") from None
    except OSError as exc:  # the Python package is there but Pango/HarfBuzz are not
        raise ReportError(f"WeasyPrint cannot load its system libraries ({exc})",
                          hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 "
                               "fonts-noto-cjk") from None
    return weasyprint


class NoCJKFontError(ReportError):
    """No Chinese font for the PDF: it would render with blank text, so it is not written."""


def cjk_font_available() -> bool | None:
    """True/False when fontconfig can tell whether a Chinese font is installed; None if unknown (no fc-list)."""
    if os.environ.get("AUDITOR_PDF_NO_CJK"):
        return False
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.strip())


def require_cjk_font() -> None:
    """Raise NoCJKFontError unless fontconfig lists a Chinese font (WeasyPrint finds fonts through it)."""
    found = cjk_font_available()
    if found:
        return
    why = ("fontconfig lists no Chinese font (`fc-list :lang=zh` is empty)" if found is False
           else "fontconfig (fc-list) is not installed, so no Chinese font can be found")
    raise NoCJKFontError(f"PDF not written: {why}, and its Chinese text would render blank",
                         hint="install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) and run again; "
                              "the HTML, XLSX, CSV and JSON reports are unaffected")


def font_subsetter() -> str:
    """"harfbuzz" when WeasyPrint can subset fonts with HarfBuzz-Subset (≥ 4.1, as WeasyPrint requires),
    else "fonttools": its fallback, about 12 CPU-s per unit PDF with the CJK font instead of ≈ 0.05."""
    try:
        from weasyprint.text import ffi
    except (ImportError, OSError):
        return "fonttools"
    hb_subset = getattr(ffi, "harfbuzz_subset", None)
    try:
        recent = bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))
    except AttributeError:
        recent = False
    return "harfbuzz" if hb_subset is not None and recent else "fonttools"


@lru_cache(maxsize=1)
def warn_slow_subsetter() -> bool:
    """Log once per process when the CJK font will be subset by fontTools (20 times slower); True if so."""
    if font_subsetter() == "harfbuzz":
        return False
    log.warning("HarfBuzz-Subset is not installed: WeasyPrint subsets the Chinese font with fontTools, about "
                "12 CPU-s per unit PDF instead of 0.5 (Debian: apt-get install libharfbuzz-subset0)")
    return True


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ValueError(f"report PDFs load no external resources (refused {url[:80]!r})")


def _fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that refuses everything: a class instance on WeasyPrint ≥ 66, a function before."""
    base = getattr(getattr(weasyprint, "urls", None), "URLFetcher", None)
    if not isinstance(base, type):
        return _refuse

    class Refuse(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, *args: Any, **kwargs: Any) -> Any:
            _refuse(url)

        def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
            _refuse(url)

    try:
        return Refuse(allowed_protocols=())
    except TypeError:
        return Refuse()


def html_to_pdf(html: str, path: Path, *, font_checked: bool = False, stylesheets: list | None = None) -> Path:
    """Write one HTML document as PDF; no URL is ever fetched. Refuses without a Chinese font (checked
    once per batch by write_pdf, which passes font_checked). stylesheets: parsed weasyprint.CSS objects
    applied besides the document's own."""
    weasyprint = _weasyprint()
    if not font_checked:
        require_cjk_font()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wlog = logging.getLogger("weasyprint")
    level = wlog.level
    wlog.setLevel(max(level, logging.ERROR))  # screen-only CSS (SVG fill, print-color-adjust) is noise here
    try:
        weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetcher(weasyprint)).write_pdf(
            str(path), stylesheets=stylesheets)
    finally:
        wlog.setLevel(level)
    return path


def district_pdf_name(ctx: ReportContext) -> str:
    """The district summary PDF keeps the name the single district PDF had."""
    return f"audit-run-{ctx.run.id}.pdf"


def unit_pdf_path(out_dir: Path, unit: UnitRow) -> Path:
    return Path(out_dir) / "units" / (unit.page.rsplit(".", 1)[0] + ".pdf")


@lru_cache(maxsize=1)
def print_stylesheets() -> list:
    """report.css and print.css parsed once per process: WeasyPrint compiles every selector of a
    stylesheet (with eval) when it parses it, which was a sixth of each scorecard's render time when
    every document carried its own copy."""
    weasyprint = _weasyprint()
    text = "\n".join((STATIC / name).read_text(encoding="utf-8") for name in ("report.css", "print.css"))
    return [weasyprint.CSS(string=text, base_url=None, url_fetcher=_fetcher(weasyprint))]


def write_district_pdf(ctx: ReportContext, out_dir: Path, *, with_units: bool = True) -> Path:
    """The district summary: overview, every ranking row, distributions, common problems, methodology —
    not the scorecards, which are one PDF each (units/<unit>.pdf)."""
    note = "units/<单位编码>.pdf" if with_units else ""
    return html_to_pdf(print_document(ctx, unit_ids=[], unit_pdfs=note, inline_css=False),
                       Path(out_dir) / district_pdf_name(ctx), font_checked=True, stylesheets=print_stylesheets())


def write_unit_pdf(ctx: ReportContext, out_dir: Path, unit: UnitRow, *, matches: bool = False) -> Path:
    """One unit's scorecard as its own document: rendered alone, so memory does not grow with the district."""
    return html_to_pdf(print_document(ctx, unit_ids=[unit.id], overview=False, matches=matches,
                                      inline_css=False),
                       unit_pdf_path(out_dir, unit), font_checked=True, stylesheets=print_stylesheets())


def _pdf_task(ctx: ReportContext, task: tuple[str, str | None, bool, bool]) -> Path:
    """(out_dir, unit id or None for the district summary, per_unit, matches) → the written file."""
    out_dir, unit_id, per_unit, matches = task
    if unit_id is None:
        return write_district_pdf(ctx, Path(out_dir), with_units=per_unit)
    unit = next(u for u in ctx.units if u.id == unit_id)
    return write_unit_pdf(ctx, Path(out_dir), unit, matches=matches)


def write_pdf(ctx: ReportContext, out_dir: Path, *, per_unit: bool = True, matches: bool = False,
              unit_ids: list[str] | None = None, district: bool = True,
              workers: int = parallel.DEFAULT_WORKERS) -> list[Path]:
    """The district summary PDF (audit-run-N.pdf) and, if per_unit, units/<unit>.pdf for every unit (or
    the named ones); returns the written files, district first, units in report order. Each document is
    rendered on its own, by `workers` forked processes (auditor/report/parallel.py)."""
    _weasyprint()
    require_cjk_font()
    warn_slow_subsetter()
    print_stylesheets()  # parsed here, before the pool forks: every worker generation inherits it
    wanted = None if unit_ids is None else set(unit_ids)
    units = [u for u in ctx.units if wanted is None or u.id in wanted] if per_unit else []
    tasks = [(str(out_dir), None, per_unit, matches)] * district + \
        [(str(out_dir), u.id, per_unit, matches) for u in units]
    return parallel.map_units(ctx, _pdf_task, tasks, workers=workers, min_tasks=2)


def render_pdf(session: Session, run_id: int, out_dir: Path, *, per_unit: bool = True,
               matches: bool = False, workers: int = parallel.DEFAULT_WORKERS) -> list[Path]:
    """Build the report context of an audit run and write its PDFs under out_dir: the district summary
    (audit-run-N.pdf) first, then units/<unit>.pdf when per_unit."""
    _weasyprint()  # fail early with the install hint, before building the context
    require_cjk_font()
    return write_pdf(build_report_context(session, run_id), out_dir, per_unit=per_unit, matches=matches,
                     workers=workers)
