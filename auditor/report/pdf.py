"""PDF for formal submission: a district summary (overview, rankings, summary tables, page numbers) and
one PDF per unit (its scorecard), typeset by Typst from the same print HTML as the other formats.

Each document is made in two steps: the print HTML (render.print_document) is read into typed blocks
(report/typeset.py), then Typst lays them out with reports/typst/document.typ. A 1,000-unit district is
1,001 small documents, never one of 3,000 pages. The first step runs in a pool of forked workers that share
the report context (report/parallel.py); the second in a pool of *spawned* workers: Typst keeps worker
threads, and a process forked after it has run hangs in its next compile, so no forked process ever runs
Typst.

Speed: a scorecard of five pages takes about 10 ms in Typst (WeasyPrint, used until issue 17, took 0.55 s:
ten minutes of two cores for a province). Fonts: the template asks for "Noto Sans CJK SC" (Debian:
fonts-noto-cjk) and falls back to any installed font that has the glyphs. Without any Chinese font the PDF
would show no Chinese, so the font is checked with fontconfig (`fc-list :lang=zh`) before rendering and,
when there is none, no PDF is written (NoCJKFontError: one line saying why and what to install).
AUDITOR_PDF_NO_CJK=1 simulates a machine without one. Nothing is fetched while rendering: Typst reads
only the template, and the document's text arrives as data, so a crawled link is printed, never followed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from auditor.report import parallel
from auditor.report.model import ReportContext, UnitRow
from auditor.report.render import print_document
from auditor.report.report_context import ReportError, build_report_context
from auditor.report.typeset import document_from_html

log = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"
TEMPLATE = Path(__file__).resolve().parents[2] / "reports" / "typst" / "document.typ"
PDF_STANDARD = ["a-2b"]  # PDF/A-2b: archivable (fonts embedded, metadata) for the annual assessment's records
CHUNK = 8  # documents per message to a Typst worker: fewer round trips, still an even spread
INSTALL_HINT = "pip install 'typst>=0.15,<0.16' (the project's dependencies include it)"


def _typst() -> Any:
    try:
        import typst
    except ImportError as exc:
        raise ReportError(f"PDF output needs Typst, which could not be loaded ({exc})",
                          hint=INSTALL_HINT + "; on Debian also apt-get install fonts-noto-cjk") from None
    return typst


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
    """Raise NoCJKFontError unless fontconfig lists a Chinese font (Typst searches the same font folders)."""
    found = cjk_font_available()
    if found:
        return
    why = ("fontconfig lists no Chinese font (`fc-list :lang=zh` is empty)" if found is False
           else "fontconfig (fc-list) is not installed, so no Chinese font can be found")
    raise NoCJKFontError(f"PDF not written: {why}, and its Chinese text would render blank",
                         hint="install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) and run again; "
                              "the HTML, XLSX, CSV and JSON reports are unaffected")


@lru_cache(maxsize=1)
def _compiler(pid: int) -> Any:
    """One Typst compiler per process (it caches fonts and layouts between documents); keyed on the pid so
    a process never uses one made by another."""
    return _typst().Compiler(str(TEMPLATE), root=str(TEMPLATE.parent))


@dataclass(frozen=True, slots=True)
class PdfJob:
    """One document to typeset: its blocks as JSON (typeset.Document), where to write it, and its creation
    time in UNIX seconds — the audit run's, so a run's PDFs are the same bytes whenever they are rendered."""

    doc: str
    path: str
    timestamp: int | None = None


def run_timestamp(ctx: ReportContext) -> int | None:
    """When the audit run finished (or started), as UNIX seconds; stored times without a zone are UTC."""
    stamp = ctx.run.finished_at or ctx.run.started_at
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return int((when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp())


def compile_document(job: PdfJob) -> str:
    """Lay out one document and write it as PDF at job.path."""
    typst = _typst()
    target = Path(job.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        pdf = _compiler(os.getpid()).compile(format="pdf", sys_inputs={"doc": job.doc}, pdf_standards=PDF_STANDARD,
                                             timestamp=job.timestamp)
    except typst.TypstError as exc:
        raise ReportError(f"PDF not written: Typst could not lay out {target.name} ({exc.message})",
                          hint="this is a bug in reports/typst/document.typ; the other formats are unaffected"
                          ) from None
    target.write_bytes(pdf)
    return str(target)


def _compile_chunk(chunk: list[PdfJob]) -> list[str]:
    return [compile_document(job) for job in chunk]


def compile_all(jobs: list[PdfJob], *, workers: int = parallel.DEFAULT_WORKERS) -> list[Path]:
    """Typeset the jobs, in order. More than one chunk goes to `workers` spawned processes (never forked
    ones: see the module docstring); a few (one chunk) are made here."""
    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    if workers < 2 or len(chunks) < 2:
        return [Path(compile_document(job)) for job in jobs]
    with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=multiprocessing.get_context("spawn")) as pool:
        return [Path(p) for done in pool.map(_compile_chunk, chunks) for p in done]


def html_to_pdf(html: str, path: Path, *, font_checked: bool = False) -> Path:
    """Write one print HTML document as PDF. Refuses without a Chinese font (checked once per batch by
    write_pdf, which passes font_checked)."""
    _typst()
    if not font_checked:
        require_cjk_font()
    return Path(compile_document(PdfJob(document_from_html(html).to_json(), str(path))))


def district_pdf_name(ctx: ReportContext) -> str:
    """The district summary PDF keeps the name the single district PDF had."""
    return f"audit-run-{ctx.run.id}.pdf"


def unit_pdf_path(out_dir: Path, unit: UnitRow) -> Path:
    return Path(out_dir) / "units" / (unit.page.rsplit(".", 1)[0] + ".pdf")


def district_document(ctx: ReportContext, *, with_units: bool = True) -> str:
    """The district summary as Typst input: overview, every ranking row, distributions, common problems,
    methodology — not the scorecards, which are one PDF each (units/<unit>.pdf)."""
    note = "units/<单位编码>.pdf" if with_units else ""
    return document_from_html(print_document(ctx, unit_ids=[], unit_pdfs=note)).to_json()


def unit_document(ctx: ReportContext, unit: UnitRow, *, matches: bool = False) -> str:
    """One unit's scorecard as Typst input: made alone, so memory does not grow with the district."""
    return document_from_html(print_document(ctx, unit_ids=[unit.id], overview=False, matches=matches)).to_json()


def district_job(ctx: ReportContext, out_dir: Path, *, with_units: bool = True) -> PdfJob:
    return PdfJob(district_document(ctx, with_units=with_units), str(Path(out_dir) / district_pdf_name(ctx)),
                  run_timestamp(ctx))


def unit_job(ctx: ReportContext, out_dir: Path, unit: UnitRow, *, matches: bool = False) -> PdfJob:
    return PdfJob(unit_document(ctx, unit, matches=matches), str(unit_pdf_path(out_dir, unit)), run_timestamp(ctx))


def write_district_pdf(ctx: ReportContext, out_dir: Path, *, with_units: bool = True) -> Path:
    return Path(compile_document(district_job(ctx, out_dir, with_units=with_units)))


def write_unit_pdf(ctx: ReportContext, out_dir: Path, unit: UnitRow, *, matches: bool = False) -> Path:
    return Path(compile_document(unit_job(ctx, out_dir, unit, matches=matches)))


def _job_task(ctx: ReportContext, task: tuple[str, str | None, bool, bool]) -> PdfJob:
    """(out_dir, unit id or None for the district summary, per_unit, matches) → the job to typeset."""
    out_dir, unit_id, per_unit, matches = task
    if unit_id is None:
        return district_job(ctx, Path(out_dir), with_units=per_unit)
    unit = next(u for u in ctx.units if u.id == unit_id)
    return unit_job(ctx, Path(out_dir), unit, matches=matches)


def write_pdf(ctx: ReportContext, out_dir: Path, *, per_unit: bool = True, matches: bool = False,
              unit_ids: list[str] | None = None, district: bool = True,
              workers: int = parallel.DEFAULT_WORKERS) -> list[Path]:
    """The district summary PDF (audit-run-N.pdf) and, if per_unit, units/<unit>.pdf for every unit (or
    the named ones); returns the written files, district first, units in report order. The documents are
    read from the print HTML by forked workers, then typeset by spawned ones (`workers` of each)."""
    _typst()
    require_cjk_font()
    wanted = None if unit_ids is None else set(unit_ids)
    units = [u for u in ctx.units if wanted is None or u.id in wanted] if per_unit else []
    tasks = [(str(out_dir), None, per_unit, matches)] * district + \
        [(str(out_dir), u.id, per_unit, matches) for u in units]
    return compile_all(parallel.map_units(ctx, _job_task, tasks, workers=workers), workers=workers)


def render_pdf(session: Session, run_id: int, out_dir: Path, *, per_unit: bool = True,
               matches: bool = False, workers: int = parallel.DEFAULT_WORKERS) -> list[Path]:
    """Build the report context of an audit run and write its PDFs under out_dir: the district summary
    (audit-run-N.pdf) first, then units/<unit>.pdf when per_unit."""
    _typst()  # fail early with the install hint, before building the context
    require_cjk_font()
    return write_pdf(build_report_context(session, run_id), out_dir, per_unit=per_unit, matches=matches,
                     workers=workers)
