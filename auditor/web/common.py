"""What every blueprint of the review workspace shares: the request's database session and user, form and
`next` handling, role checks, the catalog and the cached report context of the latest run.

Login itself is enforced for every endpoint but the login page by :func:`auditor.web.hooks.guard`; object
ownership (unit scoping) stays in :mod:`auditor.web.actions`.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, render_template, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.report import labels as L
from auditor.store.models_web import AuditLogEntry, WebUser
from auditor.web import actions as A
from auditor.web.security import FetchPolicy

if TYPE_CHECKING:
    from auditor.catalog.models import Catalog
    from auditor.report.model import ReportContext

# One set of labels for the workspace, the reports and the exports (auditor/report/labels.py).
RULE_LABELS = L.RULES
MATCH_LABELS = L.DECISIONS
ROLE_LABELS = {"admin": "管理员", "evaluator": "评估人员", "staff": "单位人员"}


class ReportContexts:
    """The latest audit run's report context, built on the first scorecard request and kept until the
    next change (a finished run never changes; a POST may change what a scorecard shows)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ctx: dict[int, ReportContext] = {}

    def get(self, db: Session, run_id: int) -> ReportContext:
        from auditor.report.report_context import build_report_context

        with self._lock:
            ctx = self._ctx.get(run_id)
            if ctx is None:
                ctx = build_report_context(db, run_id)
                self._ctx = {run_id: ctx}  # only the latest run's context is kept
            return ctx

    def put(self, run_id: int, ctx: ReportContext) -> None:
        with self._lock:
            self._ctx = {run_id: ctx}

    def clear(self) -> None:
        with self._lock:
            self._ctx = {}


def report_contexts() -> ReportContexts:
    return current_app.extensions["report_contexts"]


# ---------------------------------------------------------------------------- request state
def db_session() -> Session:
    """The request's database session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = current_app.extensions["auditor_factory"]()
    return g.db


def current_user() -> WebUser:
    """The logged-in user (the guard has already sent everyone else to the login page)."""
    return g.user


def require_admin(user: WebUser) -> None:
    if user.role != "admin":
        raise A.Forbidden("仅管理员可管理账号")


def form(name: str, limit: int = 2000) -> str:
    return (request.form.get(name) or "")[:limit]


def filters() -> dict[str, str]:
    """The queue filters of the query string, cut to a sane length."""
    return {k: (request.args.get(k) or "")[:100] for k in ("unit", "kind", "domain", "state")}


def error_page(status: int, message: str) -> ResponseReturnValue:
    return render_template("error.html", status=status, message=message, user=g.get("user")), status


# ---------------------------------------------------------------------------- CSRF
def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    expected = session.get("csrf")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="请求缺少有效的 CSRF 令牌，请刷新页面后重试")


# ---------------------------------------------------------------------------- redirects, fetches
def safe_next(value: str | None, default: str) -> str:
    """`next` only when it is a path on this site; anything else (other hosts in any spelling, control
    characters that a browser strips or that would split the Location header) gives the default."""
    if not value or len(value) > 2000:
        return default
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value) or "\\" in value:
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def back(default: str) -> str:
    """Where a form goes after its POST: its `next` field when that is a path on this site."""
    return safe_next(request.form.get("next"), default)


def fetch_limits() -> FetchPolicy:
    """The limits for fetching a pasted URL, from the app's configuration."""
    allow = frozenset((str(ip), int(port)) for ip, port in current_app.config.get("TEST_FETCH_ALLOW") or ())
    return FetchPolicy(max_bytes=current_app.config["FETCH_MAX_BYTES"], timeout=current_app.config["FETCH_TIMEOUT"],
                       test_allow=allow)


def is_http(url: Any) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


# ---------------------------------------------------------------------------- catalog, log
def catalog() -> Catalog:
    """The obligation catalog given to create_app, or the packaged one loaded once on first use."""
    cat = current_app.extensions.get("auditor_catalog")
    if cat is None:
        from auditor.catalog.loader import load_catalog

        with current_app.extensions["auditor_lock"]:
            cat = current_app.extensions.get("auditor_catalog") or load_catalog()
            current_app.extensions["auditor_catalog"] = cat
    return cat


def entries_by_id() -> dict:
    return {e.id: e for e in catalog().entries}


def open_log_ids(db: Session, targets: list[str]) -> dict[str, AuditLogEntry]:
    """The not-yet-undone log entries of these targets, so a page can offer their undo buttons."""
    if not targets:
        return {}
    rows = db.scalars(select(AuditLogEntry).where(AuditLogEntry.target.in_(targets),
                                                  AuditLogEntry.undone_by.is_(None),
                                                  AuditLogEntry.action.in_(A.UNDOABLE))
                      .order_by(AuditLogEntry.id))
    return {r.target: r for r in rows}
