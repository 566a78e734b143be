"""Logging in and out, and changing one's own password (endpoints `auth.*`)."""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from auditor.store.models_web import WebUser
from auditor.web import actions as A
from auditor.web.accounts import (
    MIN_PASSWORD,
    Throttle,
    authenticate,
    end_sessions,
    hash_password,
    login_blocked,
    record_attempt,
    verify_password,
)
from auditor.web.common import current_user, db_session, form, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = "会话已过期，请重新登录" if g.get("expired") else ""
    status = 200
    if request.method == "POST":
        db = db_session()
        username, address = form("username", 64).strip(), (request.remote_addr or "?")[:64]
        config = current_app.config
        throttle = Throttle(config["LOGIN_FAILURES_PER_ACCOUNT"], config["LOGIN_FAILURES_PER_ADDRESS"],
                            config["LOGIN_WINDOW_SECONDS"])
        known = db.scalar(select(WebUser).where(WebUser.username == username))
        blocked = login_blocked(db, username, address, throttle)
        if blocked:
            A.log_anonymous(db, username, known, "login_throttled", after={"address": address, "by": blocked})
            db.commit()
            minutes = max(1, throttle.window_seconds // 60)
            return render_template("login.html", user=None, error=f"登录失败次数过多，请 {minutes} 分钟后再试"), 429
        user = authenticate(db, username, form("password", 256))
        record_attempt(db, username, address, user is not None)
        if user is not None:
            session.clear()  # a fresh session (and CSRF token) at every login: no fixation
            session.update(uid=user.id, sv=user.session_version, t0=time.time(), seen=time.time(),
                           csrf=secrets.token_urlsafe(32))
            A.log(db, user, user.unit_id, "login", f"user:{user.username}", after={"address": address})
            db.commit()
            return redirect(safe_next(request.args.get("next"), url_for("workspace.home")))
        A.log_anonymous(db, username, known, "login_failed", after={"address": address})
        db.commit()
        error, status = "用户名或密码错误", 401
        time.sleep(0.2)
    return render_template("login.html", error=error, user=None), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    user = g.get("user")
    if user is not None:  # ends this session and every other one of the account (copies of the cookie too)
        end_sessions(user)
        A.log(db_session(), user, user.unit_id, "logout", f"user:{user.username}")
        db_session().commit()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    """Change one's own password: every other session of the account ends; this one goes on."""
    user, db = current_user(), db_session()
    error, done = "", False
    if request.method == "POST":
        current, new, again = form("current", 256), form("new", 256), form("again", 256)
        address = (request.remote_addr or "?")[:64]
        if not verify_password(user.password_hash, current):
            record_attempt(db, user.username, address, False)  # counts towards the login throttle
            A.log(db, user, user.unit_id, "password_failed", f"user:{user.username}",
                  after={"address": address})
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
