"""Downloads of a unit (endpoints `exports.*`): its findings as CSV and its scorecard of the latest run."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort
from flask.typing import ResponseReturnValue

from auditor.cellsafe import neutralise
from auditor.store.models_web import FINDING_STATES
from auditor.web import actions as A
from auditor.web.common import RULE_LABELS, current_user, db_session, report_contexts

bp = Blueprint("exports", __name__)


@bp.get("/units/<unit_id>/export.csv")
def export_csv(unit_id: str) -> ResponseReturnValue:
    user, db = current_user(), db_session()
    unit = A.get_unit(db, user, unit_id)
    run = A.latest_run(db)
    rows = A.finding_queue(db, user, run, unit_id=unit.id) if run else []
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["审计运行", "单位", "领域", "类别", "问题", "目录事项", "状态", "扣分", "整改建议"])
    for r in rows:
        f = r.finding
        w.writerow([neutralise(v) for v in (run.id, unit.id, f.domain or "", RULE_LABELS.get(f.rule, f.rule),
                                            f.title, f.entry_id or "", FINDING_STATES[r.state], f.points,
                                            f.fix)])
    data = "\ufeff" + buf.getvalue()  # BOM so spreadsheet software reads UTF-8
    return Response(data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename=findings-{unit.id}.csv"})


@bp.get("/units/<unit_id>/scorecard")
def scorecard(unit_id: str) -> ResponseReturnValue:
    """The unit's scorecard of the latest run, as `auditor report` renders it: only this unit's page is
    rendered, from the run's report context built once and kept for the next requests."""
    from auditor.report.render import unit_html

    user, db = current_user(), db_session()
    unit = A.get_unit(db, user, unit_id)
    run = A.latest_run(db)
    if run is None:
        abort(404)
    html = unit_html(report_contexts().get(db, run.id), unit.id)
    if html is None:
        abort(404)
    return Response(html, mimetype="text/html")
