"""write_reports: the one place report files are written (the report and pdf commands, the demo, the
scheduled jobs). The caller builds the report context once; every format is written from it.

Each format streams: unit pages are rendered and written one at a time, index.html links to ranking
pages when a level is large, the XLSX is written in openpyxl's write-only mode, CSV and JSON row by row,
and the PDFs are one district summary plus one document per unit, rendered by a small worker pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import AuditorError
from auditor.report.model import ReportContext
from auditor.report.parallel import DEFAULT_WORKERS

log = logging.getLogger(__name__)

FORMATS = ("html", "xlsx", "csv", "json", "pdf")


@dataclass
class ReportFiles:
    """What write_reports wrote, and the formats it could not write with the reason (only the PDF can be
    skipped: no Typst or no Chinese font, when other formats were written)."""

    paths: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def first(self, suffix: str) -> Path | None:
        return next((p for p in self.paths if p.suffix == suffix), None)


def check_formats(formats: list[str]) -> list[str]:
    """The requested formats in a fixed order; unknown names are one clear error."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise AuditorError(f"unknown format(s): {', '.join(bad)}", hint=f"choose from {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in formats]


def write_reports(ctx: ReportContext, out_dir: Path, formats: list[str], *, workers: int = DEFAULT_WORKERS,
                  matches: bool = False, progress: Callable[[str], None] | None = None) -> ReportFiles:
    """Write the requested formats of one audit run's report context under out_dir.

    Files: index.html (+ ranking/*.html for large levels) and units/<unit>.html; audit-run-N.xlsx;
    scores.csv, findings.csv, matches.csv, columns.csv; audit-run-N.json; audit-run-N.pdf (district
    summary) and units/<unit>.pdf. PDFs are rendered by `workers` processes (report/pdf.py). A PDF that cannot be written (no Typst, no Chinese font) is
    skipped with its reason when other formats were asked for, and raised when it was the only one."""
    from auditor.report import export, render

    formats = check_formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run_id = ctx.run.id
    done = ReportFiles()
    say = progress or (lambda text: None)
    for fmt in formats:
        say(fmt)
        if fmt == "html":
            done.paths += render.write_html(ctx, out)  # ~3 ms a page: a pool costs more CPU than it saves
        elif fmt == "xlsx":
            done.paths.append(export.write_xlsx(ctx, out / f"audit-run-{run_id}.xlsx"))
        elif fmt == "csv":
            done.paths += export.write_csv(ctx, out)
        elif fmt == "json":
            done.paths.append(export.write_json(ctx, out / f"audit-run-{run_id}.json"))
        elif fmt == "pdf":
            from auditor.report import pdf
            from auditor.report.report_context import ReportError

            try:
                done.paths += pdf.write_pdf(ctx, out, per_unit=True, matches=matches, workers=workers)
            except ReportError as exc:  # never a PDF with blank text; the other formats stand
                if len(formats) == 1:
                    raise
                done.skipped["pdf"] = str(exc)
                log.warning("pdf: skipped — %s", exc)
    return done
