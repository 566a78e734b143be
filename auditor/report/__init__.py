"""Reports of an audit run for people (static HTML, PDF) and for spreadsheets and programs (XLSX, CSV, JSON).

Public API:
    auditor.report.report_context.build_report_context(session, audit_run_id) -> dict   (once per run)
    auditor.report.output.write_reports(ctx, out_dir, formats) -> ReportFiles     (every format, streamed)
    auditor.report.render.unit_html(ctx, unit_id)   one scorecard page (the review workspace)
    auditor.report.export.neutralise(value)         spreadsheet-safe cell values
"""
