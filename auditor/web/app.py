"""The review workspace: a small Flask app with server-rendered (autoescaped) Chinese pages.

Roles: admin (everything, accounts), evaluator (every unit, adjudication, rescore), staff (their own unit
only). Unit scoping is enforced in :mod:`auditor.web.actions` for every object a request names; every
POST needs the session's CSRF token; sessions expire when idle and after a maximum age.
"""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path
from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import BaseConverter

from auditor.catalog.channels import CHANNELS
from auditor.store.models import Unit
from auditor.store.models_web import FINDING_STATES, ROLES, WebUser
from auditor.web import actions as A
from auditor.web.accounts import create_user, deactivate_user
from auditor.web.common import MATCH_LABELS, ROLE_LABELS, RULE_LABELS, ReportContexts
from auditor.web.common import csrf_token as _csrf_token
from auditor.web.common import current_user as _user
from auditor.web.common import db_session as _db
from auditor.web.common import form as _form
from auditor.web.common import is_http as _is_http
from auditor.web.hooks import register_hooks
from auditor.web.routes import auth, evidence, exports, review, workspace

HERE = Path(__file__).resolve().parent
DEFAULTS = {
    "SESSION_IDLE_SECONDS": 30 * 60,  # logged out after 30 minutes without a request
    "SESSION_MAX_SECONDS": 12 * 3600,  # and 12 hours after login at the latest
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "FETCH_MAX_BYTES": 2 * 1024 * 1024,
    "FETCH_TIMEOUT": 10.0,  # seconds for the whole fetch of a pasted URL, redirects included
    "SECURE_COOKIES": False,  # True behind HTTPS (auditor serve --secure-cookies): the cookie is Secure, __Host-
    "LOGIN_FAILURES_PER_ACCOUNT": 5,  # failed logins allowed per account within the window …
    "LOGIN_FAILURES_PER_ADDRESS": 20,  # … and per client address
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    # TEST_FETCH_ALLOW: [(ip, port), …] that pasted URLs may reach although not public. Test-only: never set
    # in production and not settable from the command line (see docs/security.md).
}


def create_app(db: str | None = None, *, factory: sessionmaker[Session] | None = None,
               data_dir: str | Path | None = None, secret_key: str | None = None, catalog=None,  # noqa: ANN001
               **config: Any) -> Flask:
    """Build the app on a database (`--db` value or URL) or an existing session factory."""
    if factory is None:
        from auditor.store.db import open_db, resolve_db_url

        url = resolve_db_url(db)
        factory = open_db(url)
        if data_dir is None and url.startswith("sqlite:///"):
            data_dir = Path(url[len("sqlite:///"):]).parent / "review-data"
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config.update(DEFAULTS)
    app.config.update({k.upper(): v for k, v in config.items()})
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="__Host-auditor_review" if app.config["SECURE_COOKIES"] else "auditor_review",
        SESSION_COOKIE_SECURE=bool(app.config["SECURE_COOKIES"]),
        SESSION_COOKIE_PATH="/",
        MAX_CONTENT_LENGTH=app.config["MAX_UPLOAD_BYTES"] + 256 * 1024,  # the file plus the form around it
        DATA_DIR=str(Path(data_dir or "review-data").resolve()),
    )
    app.jinja_env.autoescape = True  # every template, whatever its extension
    app.url_map.converters["id"] = IdConverter
    app.extensions["auditor_factory"] = factory
    app.extensions["auditor_catalog"] = catalog
    app.extensions["auditor_lock"] = threading.Lock()
    app.jinja_env.globals.update(STATES=FINDING_STATES, RULES=RULE_LABELS, QUEUES=A.QUEUES, ROLES=ROLE_LABELS,
                                 MATCH_LABELS=MATCH_LABELS, ACTIONS=A.ACTION_LABELS, CHANNELS=CHANNELS,
                                 csrf_token=_csrf_token)
    app.jinja_env.filters["pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1, default=str)
    app.jinja_env.filters["is_http"] = _is_http
    app.jinja_env.tests["is_http"] = _is_http
    app.extensions["report_contexts"] = ReportContexts()
    register_hooks(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(workspace.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(exports.bp)
    _register(app)
    return app


class IdConverter(BaseConverter):
    """A database id in a path: 1-18 digits, so /findings/99999999999999999999 is a 404, not an overflow."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))




def _register(app: Flask) -> None:  # noqa: C901 - the route table


    # ------------------------------------------------------------------ overview


    # ------------------------------------------------------------------ queues



    # ------------------------------------------------------------------ findings


    # ------------------------------------------------------------------ matches



    # ------------------------------------------------------------------ entries of a unit




    # ------------------------------------------------------------------ log, undo


    # ------------------------------------------------------------------ rescore, exports, scorecard



    # ------------------------------------------------------------------ accounts (admin)
    @app.route("/admin/users", methods=["GET", "POST"])
    def users():  # noqa: ANN202
        user, db = _user(), _db()
        if user.role != "admin":
            raise A.Forbidden("仅管理员可管理账号")
        if request.method == "POST":
            role = _form("role", 20)
            new = create_user(db, _form("username", 64), _form("password", 256), role,
                              _form("unit_id", 64) or None, display_name=_form("display_name", 100),
                              replace=request.form.get("replace") == "1")
            A.log(db, user, new.unit_id, "user", f"user:{new.username}", after={"role": new.role,
                                                                              "unit_id": new.unit_id})
            db.commit()
            return redirect(url_for("users"))
        rows = list(db.scalars(select(WebUser).order_by(WebUser.role, WebUser.username)))
        return render_template("users.html", user=user, rows=rows, roles=ROLES,
                               units=list(db.scalars(select(Unit).order_by(Unit.id))))

    @app.post("/admin/users/<id:user_id>/deactivate")
    def deactivate(user_id: int):  # noqa: ANN202
        """Account removal: the account is kept for the audit log but can no longer log in; its sessions end."""
        user, db = _user(), _db()
        if user.role != "admin":
            raise A.Forbidden("仅管理员可管理账号")
        target = db.get(WebUser, user_id)
        if target is None:
            raise A.NotFound("没有这个账号")
        if target.id == user.id:
            raise A.Invalid("不能停用自己的账号")
        deactivate_user(db, target)
        A.log(db, user, target.unit_id, "user_deactivate", f"user:{target.username}", before={"active": True},
              after={"active": False})
        db.commit()
        return redirect(url_for("users"))

