"""Reports of an audit run for people (static HTML) and for spreadsheets and programs (XLSX, CSV, JSON).

Public API:
    auditor.report.context.build_report_context(session, audit_run_id) -> dict
    auditor.report.render.render_html(session, audit_run_id, out_dir) -> list[Path]
    auditor.report.export.export_xlsx / export_csv / export_json, and neutralise(value)
"""
