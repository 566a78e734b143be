"""The app-wide request hooks: the session guard (expiry, session version, CSRF, login), the security
headers, the database teardown, forgetting cached report contexts after a change, and the error pages."""

from __future__ import annotations

import time

from flask import Flask, Response, abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from auditor.errors import AuditorError
from auditor.store.models_web import WebUser
from auditor.web import actions as A
from auditor.web.common import check_csrf, db_session, error_page, report_contexts

PUBLIC_ENDPOINTS = ("auth.login",)  # the only endpoint served without a login
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def register_hooks(app: Flask) -> None:
    app.teardown_appcontext(close_db)
    app.before_request(guard)
    app.after_request(security_headers)
    app.after_request(forget_contexts)
    app.register_error_handler(A.Forbidden, forbidden)
    app.register_error_handler(A.NotFound, not_found)
    app.register_error_handler(AuditorError, invalid)  # Invalid, UploadRejected, FetchError, …
    app.register_error_handler(OverflowError, overflow)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(HTTPException, http_error)


def close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def _session_user() -> WebUser | None:
    """The session's user, or None (and the session cleared) when it is idle, too old, or its account was
    deactivated or logged out everywhere since."""
    uid = session.get("uid")
    if uid is None:
        return None
    now = time.time()
    idle = now - session.get("seen", 0)
    age = now - session.get("t0", 0)
    user = db_session().get(WebUser, uid) if isinstance(uid, int) else None
    if (idle > current_app.config["SESSION_IDLE_SECONDS"] or age > current_app.config["SESSION_MAX_SECONDS"]
            or user is None or not user.active or session.get("sv") != user.session_version):
        session.clear()
        g.expired = True
        return None
    session["seen"] = now
    return user


def guard() -> ResponseReturnValue | None:
    """Every request but static files: a live session, a CSRF token on every POST, a login everywhere but
    the login page (GET goes there with `next`, anything else is a 401)."""
    if request.endpoint == "static":
        return None
    g.user = None
    g.user = _session_user()
    if request.method == "POST":
        check_csrf()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("auth.login",
                                    next=request.full_path if request.query_string else request.path))
        abort(401)
    return None


def security_headers(resp: Response) -> Response:
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint != "static":
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def forget_contexts(response: Response) -> Response:
    """Any change (a relink re-extracts an item, an upload adds evidence) may show on a scorecard."""
    if request.method == "POST":
        report_contexts().clear()
    return response


# ---------------------------------------------------------------------------- error pages
def forbidden(exc: A.Forbidden) -> ResponseReturnValue:
    db_session().rollback()
    return error_page(403, str(exc))


def not_found(exc: A.NotFound) -> ResponseReturnValue:
    db_session().rollback()
    return error_page(404, str(exc))


def invalid(exc: AuditorError) -> ResponseReturnValue:
    db_session().rollback()
    return error_page(400, str(exc))


def overflow(_exc: OverflowError) -> ResponseReturnValue:
    """A number too big for the database is no such object."""
    db_session().rollback()
    return error_page(404, "页面不存在")


def too_large(_exc: RequestEntityTooLarge) -> ResponseReturnValue:
    return error_page(413, f"上传内容过大（上限 {current_app.config['MAX_UPLOAD_BYTES'] // (1024 * 1024)} MB）")


def http_error(exc: HTTPException) -> ResponseReturnValue:
    messages = {400: exc.description or "请求无效", 401: "请先登录（会话可能已过期）", 403: "无权访问",
                404: "页面不存在", 405: "不支持的请求方式", 429: exc.description or "请求过于频繁"}
    return error_page(exc.code or 500, messages.get(exc.code or 500, exc.description or "出错了"))
