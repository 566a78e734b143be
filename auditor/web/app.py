"""The review workspace: a small Flask app with server-rendered (autoescaped) Chinese pages.

Roles: admin (everything, accounts), evaluator (every unit, adjudication, rescore), staff (their own unit
only). Unit scoping is enforced in :mod:`auditor.web.actions` for every object a request names; every
POST needs the session's CSRF token; sessions expire when idle and after a maximum age.

This module builds the app; the routes are blueprints by area in :mod:`auditor.web.routes`, the session
guard, headers and error pages in :mod:`auditor.web.hooks`, the helpers they share in :mod:`auditor.web.common`.
"""

from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import BaseConverter

from auditor.catalog.channels import CHANNELS
from auditor.store.models_web import FINDING_STATES
from auditor.web import actions as A
from auditor.web.common import MATCH_LABELS, ROLE_LABELS, RULE_LABELS, ReportContexts, csrf_token, is_http
from auditor.web.hooks import register_hooks
from auditor.web.routes import BLUEPRINTS

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
               data_dir: str | Path | None = None, secret_key: str | None = None, catalog=None,
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
                                 csrf_token=csrf_token)
    app.jinja_env.filters["pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1, default=str)
    app.jinja_env.filters["is_http"] = is_http
    app.jinja_env.tests["is_http"] = is_http
    app.extensions["report_contexts"] = ReportContexts()
    register_hooks(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


class IdConverter(BaseConverter):
    """A database id in a path: 1-18 digits, so /findings/99999999999999999999 is a 404, not an overflow."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))
