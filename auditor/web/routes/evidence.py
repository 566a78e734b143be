"""What a unit does about an entry of its catalog (endpoints `evidence.*`): declare it not applicable,
relink it to a pasted URL, upload evidence for an offline channel, and download that evidence."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue

from auditor.web import actions as A
from auditor.web.common import back, catalog, current_user, db_session, error_page, fetch_limits, form
from auditor.web.security import UploadRejected, check_client_filename, resolve_stored

bp = Blueprint("evidence", __name__)


@bp.post("/units/<unit_id>/not-applicable")
def not_applicable(unit_id: str) -> ResponseReturnValue:
    A.declare_not_applicable(db_session(), current_user(), catalog(), unit_id, form("entry_id", 100),
                             form("reason"))
    db_session().commit()
    return redirect(back(url_for("workspace.unit_page", unit_id=unit_id)))


@bp.post("/units/<unit_id>/relink-url")
def relink_url(unit_id: str) -> ResponseReturnValue:
    A.relink_url(db_session(), current_user(), catalog(), unit_id, form("entry_id", 100), form("url", 4000),
                 fetch_limits(), reason=form("reason"))
    db_session().commit()
    return redirect(back(url_for("workspace.unit_page", unit_id=unit_id)))


@bp.post("/units/<unit_id>/evidence")
def upload_evidence(unit_id: str) -> ResponseReturnValue:
    user, db = current_user(), db_session()
    A.get_unit(db, user, unit_id)  # refuse other units before reading the file
    upload = request.files.get("file")
    if upload is None:
        raise UploadRejected("请选择要上传的文件")
    check_client_filename(upload.filename)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return error_page(413, f"上传内容过大（上限 {limit // (1024 * 1024)} MB）")
    A.add_evidence(db, user, catalog(), unit_id, form("entry_id", 100), form("channel_code", 20),
                   form("description"), data, Path(current_app.config["DATA_DIR"]), limit)
    db.commit()
    return redirect(back(url_for("workspace.unit_page", unit_id=unit_id)))


@bp.get("/evidence/<id:evidence_id>")
def evidence_file(evidence_id: int) -> ResponseReturnValue:
    ev = A.get_evidence(db_session(), current_user(), evidence_id)
    path = resolve_stored(Path(current_app.config["DATA_DIR"]), ev.file_path or "")
    if path is None:
        abort(404)
    ext = path.suffix
    return send_file(path, mimetype=ev.mime_type or "application/octet-stream", as_attachment=True,
                     download_name=f"evidence-{ev.id}{ext}", max_age=0)
