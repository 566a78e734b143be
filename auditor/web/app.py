"""The review workspace: a small Flask app with server-rendered (autoescaped) Chinese pages.

Roles: admin (everything, accounts), evaluator (every unit, adjudication, rescore), staff (their own unit
only). Unit scoping is enforced in :mod:`auditor.web.actions` for every object a request names; every
POST needs the session's CSRF token; sessions expire when idle and after a maximum age.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, redirect, render_template, request, send_file, session, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import BaseConverter

from auditor.catalog.channels import CHANNELS
from auditor.cellsafe import neutralise
from auditor.errors import AuditorError
from auditor.match.run import unit_obligations
from auditor.report import labels as L
from auditor.store.models import ChannelEvidence, Finding, Item, Match, ReviewDecision, Score, Unit
from auditor.store.models_web import FINDING_STATES, ROLES, AuditLogEntry, FindingState, WebUser
from auditor.vocabulary import TALLY_LATE_RULES
from auditor.web import actions as A
from auditor.web.accounts import Throttle, authenticate, create_user, deactivate_user, end_sessions, login_blocked, \
    record_attempt
from auditor.web.security import FetchPolicy, UploadRejected, check_client_filename, resolve_stored

HERE = Path(__file__).resolve().parent
# One set of labels for the workspace, the reports and the exports (auditor/report/labels.py).
RULE_LABELS = L.RULES
MATCH_LABELS = L.DECISIONS
ROLE_LABELS = {"admin": "管理员", "evaluator": "评估人员", "staff": "单位人员"}
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


class ReportContexts:
    """The latest audit run's report context, built on the first scorecard request and kept until the
    next change (a finished run never changes; a POST may change what a scorecard shows)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ctx: dict[int, dict] = {}

    def get(self, db: Session, run_id: int) -> dict:
        from auditor.report.context import build_report_context

        with self._lock:
            ctx = self._ctx.get(run_id)
            if ctx is None:
                ctx = build_report_context(db, run_id)
                self._ctx = {run_id: ctx}  # only the latest run's context is kept
            return ctx

    def put(self, run_id: int, ctx: dict) -> None:
        with self._lock:
            self._ctx = {run_id: ctx}

    def clear(self) -> None:
        with self._lock:
            self._ctx = {}


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
    _register(app)
    return app


class IdConverter(BaseConverter):
    """A database id in a path: 1-18 digits, so /findings/99999999999999999999 is a 404, not an overflow."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: Any) -> str:
        return str(int(value))


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


def _is_http(url: Any) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def _catalog():  # noqa: ANN202
    from flask import current_app

    cat = current_app.extensions.get("auditor_catalog")
    if cat is None:
        from auditor.catalog.loader import load_catalog

        with current_app.extensions["auditor_lock"]:
            cat = current_app.extensions.get("auditor_catalog") or load_catalog()
            current_app.extensions["auditor_catalog"] = cat
    return cat


def _entries_by_id() -> dict:
    return {e.id: e for e in _catalog().entries}


# ---------------------------------------------------------------------------- session, CSRF
def _csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _check_csrf() -> None:
    expected = session.get("csrf")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="请求缺少有效的 CSRF 令牌，请刷新页面后重试")


def _db() -> Session:
    if "db" not in g:
        from flask import current_app

        g.db = current_app.extensions["auditor_factory"]()
    return g.db


def _user() -> WebUser:
    return g.user


def _form(name: str, limit: int = 2000) -> str:
    return (request.form.get(name) or "")[:limit]


def _register(app: Flask) -> None:  # noqa: C901 - the route table
    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.before_request
    def _guard():  # noqa: ANN202
        if request.endpoint == "static":
            return None
        g.user = None
        uid = session.get("uid")
        if uid is not None:
            now = time.time()
            idle = now - session.get("seen", 0)
            age = now - session.get("t0", 0)
            user = _db().get(WebUser, uid) if isinstance(uid, int) else None
            if (idle > app.config["SESSION_IDLE_SECONDS"] or age > app.config["SESSION_MAX_SECONDS"]
                    or user is None or not user.active or session.get("sv") != user.session_version):
                session.clear()
                g.expired = True
            else:
                session["seen"] = now
                g.user = user
        if request.method == "POST":
            _check_csrf()
        if g.user is None and request.endpoint not in ("login",):
            if request.method == "GET":
                return redirect(url_for("login", next=request.full_path if request.query_string else request.path))
            abort(401)
        return None

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                "script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'")
        if request.endpoint != "static":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    def _error(status: int, message: str):  # noqa: ANN202
        return render_template("error.html", status=status, message=message, user=g.get("user")), status

    @app.errorhandler(A.Forbidden)
    def _forbidden(exc: A.Forbidden):  # noqa: ANN202
        _db().rollback()
        return _error(403, str(exc))

    @app.errorhandler(A.NotFound)
    def _notfound(exc: A.NotFound):  # noqa: ANN202
        _db().rollback()
        return _error(404, str(exc))

    @app.errorhandler(AuditorError)
    def _invalid(exc: AuditorError):  # noqa: ANN202 - Invalid, UploadRejected, FetchError, …
        _db().rollback()
        return _error(400, str(exc))

    @app.errorhandler(OverflowError)
    def _overflow(_exc: OverflowError):  # noqa: ANN202 - a number too big for the database is no such object
        _db().rollback()
        return _error(404, "页面不存在")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: RequestEntityTooLarge):  # noqa: ANN202
        return _error(413, f"上传内容过大（上限 {app.config['MAX_UPLOAD_BYTES'] // (1024 * 1024)} MB）")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # noqa: ANN202
        messages = {400: exc.description or "请求无效", 401: "请先登录（会话可能已过期）", 403: "无权访问",
                    404: "页面不存在", 405: "不支持的请求方式", 429: exc.description or "请求过于频繁"}
        return _error(exc.code or 500, messages.get(exc.code or 500, exc.description or "出错了"))

    # ------------------------------------------------------------------ login
    @app.route("/login", methods=["GET", "POST"])
    def login():  # noqa: ANN202
        error = "会话已过期，请重新登录" if g.get("expired") else ""
        status = 200
        if request.method == "POST":
            db = _db()
            username, address = _form("username", 64).strip(), (request.remote_addr or "?")[:64]
            throttle = Throttle(app.config["LOGIN_FAILURES_PER_ACCOUNT"], app.config["LOGIN_FAILURES_PER_ADDRESS"],
                                app.config["LOGIN_WINDOW_SECONDS"])
            known = db.scalar(select(WebUser).where(WebUser.username == username))
            blocked = login_blocked(db, username, address, throttle)
            if blocked:
                A.log_anonymous(db, username, known, "login_throttled", after={"address": address, "by": blocked})
                db.commit()
                minutes = max(1, throttle.window_seconds // 60)
                return render_template("login.html", user=None, error=f"登录失败次数过多，请 {minutes} 分钟后再试"), 429
            user = authenticate(db, username, _form("password", 256))
            record_attempt(db, username, address, user is not None)
            if user is not None:
                session.clear()  # a fresh session (and CSRF token) at every login: no fixation
                session.update(uid=user.id, sv=user.session_version, t0=time.time(), seen=time.time(),
                               csrf=secrets.token_urlsafe(32))
                A.log(db, user, user.unit_id, "login", f"user:{user.username}", after={"address": address})
                db.commit()
                return redirect(safe_next(request.args.get("next"), url_for("home")))
            A.log_anonymous(db, username, known, "login_failed", after={"address": address})
            db.commit()
            error, status = "用户名或密码错误", 401
            time.sleep(0.2)
        return render_template("login.html", error=error, user=None), status

    @app.post("/logout")
    def logout():  # noqa: ANN202
        user = g.get("user")
        if user is not None:  # ends this session and every other one of the account (copies of the cookie too)
            end_sessions(user)
            A.log(_db(), user, user.unit_id, "logout", f"user:{user.username}")
            _db().commit()
        session.clear()
        return redirect(url_for("login"))

    @app.route("/account/password", methods=["GET", "POST"])
    def change_password():  # noqa: ANN202
        """Change one's own password: every other session of the account ends; this one goes on."""
        from auditor.web.accounts import MIN_PASSWORD, hash_password, verify_password

        user, db = _user(), _db()
        error, done = "", False
        if request.method == "POST":
            current, new, again = _form("current", 256), _form("new", 256), _form("again", 256)
            address = (request.remote_addr or "?")[:64]
            if not verify_password(user.password_hash, current):
                record_attempt(db, user.username, address, False)  # counts towards the login throttle
                A.log(db, user, user.unit_id, "password_failed", f"user:{user.username}", after={"address": address})
                db.commit()
                error = "当前密码不正确"
            elif len(new) < MIN_PASSWORD:
                error = f"新密码至少 {MIN_PASSWORD} 位"
            elif new != again:
                error = "两次输入的新密码不一致"
            else:
                user.password_hash = hash_password(new)
                end_sessions(user)
                session["sv"] = user.session_version  # this session continues, every other one ends
                A.log(db, user, user.unit_id, "password", f"user:{user.username}", after={"address": address})
                db.commit()
                done = True
        return render_template("account.html", user=user, error=error, done=done,
                               min_length=MIN_PASSWORD), (400 if error else 200)

    # ------------------------------------------------------------------ overview
    @app.get("/")
    def home():  # noqa: ANN202
        user = _user()
        db = _db()
        if user.role == "staff":  # unit staff land on their own to-do list
            todo = A.staff_todo(db, user, user.unit_id or "", _entries_by_id())
            unit = db.get(Unit, user.unit_id)
            return render_template("todo.html", user=user, unit=unit, todo=todo, by_id=_entries_by_id(),
                                   SEVERITY={"veto": "一票否决", "critical": "严重", "major": "主要", "minor": "一般",
                                             "info": "提示"})
        run = A.latest_run(db)
        rows = []
        if run is not None:
            overall = {s.unit_id: s for s in db.scalars(select(Score).where(
                Score.audit_run_id == run.id, Score.domain.is_(None), Score.dimension.is_(None)))}
            counts: dict[tuple[str, str], int] = {}
            for unit_id, rule, check, n in db.execute(
                    select(Finding.unit_id, Finding.rule, Finding.check, func.count())
                    .where(Finding.audit_run_id == run.id, Finding.status == "defect")
                    .group_by(Finding.unit_id, Finding.rule, Finding.check)):
                kind = "site_health" if check == "site_health" else "late" if rule in TALLY_LATE_RULES else rule
                counts[(unit_id, kind)] = counts.get((unit_id, kind), 0) + n
            review = dict(db.execute(select(Match.unit_id, func.count()).where(
                Match.audit_run_id == run.id, Match.decision == "review").group_by(Match.unit_id)).all())
            contested = dict(db.execute(select(FindingState.unit_id, func.count()).where(
                FindingState.state.in_(("fixed", "contested"))).group_by(FindingState.unit_id)).all())
            for u in A.visible_units(db, user):
                s = overall.get(u.id)
                rows.append({"unit": u, "score": s.score if s and s.details.get("scored", True) else None,
                             "grade": s.details.get("grade", "") if s else "", "rank": s.rank if s else None,
                             "counts": {k: counts.get((u.id, k), 0) for k in A.QUEUES},
                             "review": review.get(u.id, 0), "pending": contested.get(u.id, 0)})
        return render_template("home.html", user=user, run=run, rows=rows)

    @app.get("/units/<unit_id>")
    def unit_page(unit_id: str):  # noqa: ANN202
        user, db = _user(), _db()
        unit = A.get_unit(db, user, unit_id)
        run = A.latest_run(db)
        score = None
        if run is not None:
            score = db.scalar(select(Score).where(Score.audit_run_id == run.id, Score.unit_id == unit.id,
                                                  Score.domain.is_(None), Score.dimension.is_(None)))
        entries = unit_obligations(_catalog(), unit)
        decisions = A.active_decisions(db, unit.id)
        log_ids = _open_log_ids(db, [f"review_decision:{d.id}" for d in decisions])
        items = {i.id: i for i in db.scalars(select(Item).where(Item.id.in_(
            [d.item_id for d in decisions if d.item_id])))} if decisions else {}
        evidence = list(db.scalars(select(ChannelEvidence).where(ChannelEvidence.unit_id == unit.id,
                                                                 ChannelEvidence.active.is_(True))
                                   .order_by(ChannelEvidence.id.desc())))
        ev_log = _open_log_ids(db, [f"channel_evidence:{e.id}" for e in evidence])
        offline = [c for c in CHANNELS.values() if not c.online]
        by_id = {e.id: e for e in entries}
        return render_template("unit.html", user=user, unit=unit, run=run, score=score, entries=entries,
                               by_id=by_id, decisions=decisions, log_ids=log_ids, items=items, evidence=evidence,
                               ev_log=ev_log, offline=offline)

    def _open_log_ids(db: Session, targets: list[str]) -> dict[str, AuditLogEntry]:
        if not targets:
            return {}
        rows = db.scalars(select(AuditLogEntry).where(AuditLogEntry.target.in_(targets),
                                                      AuditLogEntry.undone_by.is_(None),
                                                      AuditLogEntry.action.in_(A.UNDOABLE))
                          .order_by(AuditLogEntry.id))
        return {r.target: r for r in rows}

    # ------------------------------------------------------------------ queues
    def _filters() -> dict[str, str]:
        return {k: (request.args.get(k) or "")[:100] for k in ("unit", "kind", "domain", "state")}

    @app.get("/queue")
    def queue():  # noqa: ANN202
        user, db = _user(), _db()
        run = A.latest_run(db)
        f = _filters()
        if f["kind"] and f["kind"] not in A.QUEUES:
            abort(400)
        rows = A.finding_queue(db, user, run, kind=f["kind"], unit_id=f["unit"], domain=f["domain"],
                               state=f["state"]) if run else []
        return render_template("queue.html", user=user, run=run, rows=rows, f=f, units=A.visible_units(db, user),
                               domains=_catalog().domains())

    @app.get("/matches")
    def matches():  # noqa: ANN202
        user, db = _user(), _db()
        run = A.latest_run(db)
        f = _filters()
        rows = A.match_queue(db, user, run, _entries_by_id(), unit_id=f["unit"], domain=f["domain"],
                             state=f["state"]) if run else []
        return render_template("matches.html", user=user, run=run, rows=rows, f=f,
                               units=A.visible_units(db, user), domains=_catalog().domains())

    # ------------------------------------------------------------------ findings
    @app.get("/findings/<id:finding_id>")
    def finding_page(finding_id: int):  # noqa: ANN202
        user, db = _user(), _db()
        f = A.get_finding(db, user, finding_id)
        st = db.scalar(select(FindingState).where(FindingState.unit_id == f.unit_id,
                                                  FindingState.finding_key == f.key)) if f.unit_id else None
        current = st.state if st else "open"
        history = list(db.scalars(select(AuditLogEntry).where(AuditLogEntry.target == f"finding:{f.key}",
                                                              AuditLogEntry.unit_id == f.unit_id)
                                  .order_by(AuditLogEntry.id.desc())))
        unit = db.get(Unit, f.unit_id) if f.unit_id else None
        entry = _entries_by_id().get(f.entry_id or "")
        evidence = list(db.scalars(select(ChannelEvidence).where(
            ChannelEvidence.unit_id == f.unit_id, ChannelEvidence.entry_id == f.entry_id,
            ChannelEvidence.active.is_(True)))) if f.entry_id else []
        na = db.scalar(select(ReviewDecision).where(ReviewDecision.unit_id == f.unit_id,
                                                    ReviewDecision.entry_id == f.entry_id,
                                                    ReviewDecision.action == "not_applicable",
                                                    ReviewDecision.active.is_(True))) if f.entry_id else None
        return render_template("finding.html", user=user, f=f, st=st, current=current, unit=unit, entry=entry,
                               moves=A.allowed_moves(user, current), history=history, evidence=evidence, na=na,
                               can_undo=lambda e: A.can_undo(user, e),
                               entry_channels=[CHANNELS[c] for c in dict.fromkeys(ch.code for ch in entry.channels)
                                               if c in CHANNELS] if entry else [])

    @app.post("/findings/<id:finding_id>/state")
    def finding_state(finding_id: int):  # noqa: ANN202
        A.set_finding_state(_db(), _user(), finding_id, _form("state", 20), _form("note"))
        _db().commit()
        return redirect(url_for("finding_page", finding_id=finding_id))

    # ------------------------------------------------------------------ matches
    @app.get("/matches/<id:match_id>")
    def match_page(match_id: int):  # noqa: ANN202
        user, db = _user(), _db()
        m = A.get_match(db, user, match_id)
        unit = db.get(Unit, m.unit_id)
        item = db.get(Item, m.item_id)
        by_id = _entries_by_id()
        decision = db.scalar(select(ReviewDecision).where(ReviewDecision.unit_id == m.unit_id,
                                                          ReviewDecision.item_id == m.item_id,
                                                          ReviewDecision.active.is_(True))
                             .order_by(ReviewDecision.id.desc()))
        log_entry = _open_log_ids(db, [f"review_decision:{decision.id}"]).get(
            f"review_decision:{decision.id}") if decision else None
        return render_template("match.html", user=user, m=m, unit=unit, item=item, entry=by_id.get(m.entry_id or ""),
                               runner=by_id.get((m.evidence or {}).get("runner_up") or ""),
                               entries=unit_obligations(_catalog(), unit) if unit else [], decision=decision,
                               log_entry=log_entry, can_undo=lambda e: A.can_undo(user, e), by_id=by_id)

    @app.post("/matches/<id:match_id>/decide")
    def match_decide(match_id: int):  # noqa: ANN202
        A.decide_match(_db(), _user(), _catalog(), match_id, _form("action", 20),
                       entry_id=_form("entry_id", 100) or None, reason=_form("reason"))
        _db().commit()
        return redirect(_back(url_for("match_page", match_id=match_id)))

    @app.post("/matches/<id:match_id>/refetch")
    def match_refetch(match_id: int):  # noqa: ANN202
        A.refetch_match_item(_db(), _user(), match_id, _limits())
        _db().commit()
        return redirect(url_for("match_page", match_id=match_id))

    def _limits() -> FetchPolicy:
        allow = frozenset((str(ip), int(port)) for ip, port in app.config.get("TEST_FETCH_ALLOW") or ())
        return FetchPolicy(max_bytes=app.config["FETCH_MAX_BYTES"], timeout=app.config["FETCH_TIMEOUT"],
                           test_allow=allow)

    def _back(default: str) -> str:
        return safe_next(request.form.get("next"), default)

    # ------------------------------------------------------------------ entries of a unit
    @app.post("/units/<unit_id>/not-applicable")
    def not_applicable(unit_id: str):  # noqa: ANN202
        A.declare_not_applicable(_db(), _user(), _catalog(), unit_id, _form("entry_id", 100), _form("reason"))
        _db().commit()
        return redirect(_back(url_for("unit_page", unit_id=unit_id)))

    @app.post("/units/<unit_id>/relink-url")
    def relink_url(unit_id: str):  # noqa: ANN202
        A.relink_url(_db(), _user(), _catalog(), unit_id, _form("entry_id", 100), _form("url", 4000), _limits(),
                     reason=_form("reason"))
        _db().commit()
        return redirect(_back(url_for("unit_page", unit_id=unit_id)))

    @app.post("/units/<unit_id>/evidence")
    def upload_evidence(unit_id: str):  # noqa: ANN202
        user, db = _user(), _db()
        A.get_unit(db, user, unit_id)  # refuse other units before reading the file
        upload = request.files.get("file")
        if upload is None:
            raise UploadRejected("请选择要上传的文件")
        check_client_filename(upload.filename)
        limit = app.config["MAX_UPLOAD_BYTES"]
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            return _error(413, f"上传内容过大（上限 {limit // (1024 * 1024)} MB）")
        A.add_evidence(db, user, _catalog(), unit_id, _form("entry_id", 100), _form("channel_code", 20),
                       _form("description"), data, Path(app.config["DATA_DIR"]), limit)
        db.commit()
        return redirect(_back(url_for("unit_page", unit_id=unit_id)))

    @app.get("/evidence/<id:evidence_id>")
    def evidence_file(evidence_id: int):  # noqa: ANN202
        ev = A.get_evidence(_db(), _user(), evidence_id)
        path = resolve_stored(Path(app.config["DATA_DIR"]), ev.file_path or "")
        if path is None:
            abort(404)
        ext = path.suffix
        return send_file(path, mimetype=ev.mime_type or "application/octet-stream", as_attachment=True,
                         download_name=f"evidence-{ev.id}{ext}", max_age=0)

    # ------------------------------------------------------------------ log, undo
    @app.get("/log")
    def log_page():  # noqa: ANN202
        user, db = _user(), _db()
        unit_id = (request.args.get("unit") or "")[:64]
        q = select(AuditLogEntry).order_by(AuditLogEntry.id.desc()).limit(500)
        if user.role == "staff":
            q = q.where(AuditLogEntry.unit_id == user.unit_id)
        if unit_id:
            A.check_unit(user, unit_id)
            q = q.where(AuditLogEntry.unit_id == unit_id)
        return render_template("log.html", user=user, rows=list(db.scalars(q)), unit_id=unit_id,
                               can_undo=lambda e: A.can_undo(user, e))

    @app.post("/log/<id:log_id>/undo")
    def undo(log_id: int):  # noqa: ANN202
        A.undo(_db(), _user(), log_id)
        _db().commit()
        return redirect(_back(url_for("log_page")))

    # ------------------------------------------------------------------ rescore, exports, scorecard
    @app.post("/rescore")
    def rescore():  # noqa: ANN202
        A.check_reviewer(_user())
        lock = app.extensions["auditor_lock"]
        if not lock.acquire(blocking=False):
            return _error(409, "正在重新评分，请稍候")
        try:
            run_id = A.rescore(_db(), _user(), _catalog())
        finally:
            lock.release()
        return render_template("rescored.html", user=_user(), run_id=run_id)

    @app.get("/units/<unit_id>/export.csv")
    def export_csv(unit_id: str):  # noqa: ANN202
        user, db = _user(), _db()
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

    contexts = app.extensions["report_contexts"] = ReportContexts()

    @app.after_request
    def _forget_contexts(response: Response) -> Response:
        """Any change (a relink re-extracts an item, an upload adds evidence) may show on a scorecard."""
        if request.method == "POST":
            contexts.clear()
        return response

    @app.get("/units/<unit_id>/scorecard")
    def scorecard(unit_id: str):  # noqa: ANN202
        """The unit's scorecard of the latest run, as `auditor report` renders it: only this unit's page is
        rendered, from the run's report context built once and kept for the next requests."""
        from auditor.report.render import unit_html

        user, db = _user(), _db()
        unit = A.get_unit(db, user, unit_id)
        run = A.latest_run(db)
        if run is None:
            abort(404)
        html = unit_html(contexts.get(db, run.id), unit.id)
        if html is None:
            abort(404)
        return Response(html, mimetype="text/html")

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

