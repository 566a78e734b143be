"""Account management for admins (endpoints `admin.*`): create or replace accounts, deactivate them."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from auditor.store.models import Unit
from auditor.store.models_web import ROLES, WebUser
from auditor.web import actions as A
from auditor.web.accounts import create_user, deactivate_user
from auditor.web.common import current_user, db_session, form, require_admin

bp = Blueprint("admin", __name__)


@bp.route("/admin/users", methods=["GET", "POST"])
def users() -> ResponseReturnValue:
    user, db = current_user(), db_session()
    require_admin(user)
    if request.method == "POST":
        role = form("role", 20)
        new = create_user(db, form("username", 64), form("password", 256), role,
                          form("unit_id", 64) or None, display_name=form("display_name", 100),
                          replace=request.form.get("replace") == "1")
        A.log(db, user, new.unit_id, "user", f"user:{new.username}", after={"role": new.role,
                                                                          "unit_id": new.unit_id})
        db.commit()
        return redirect(url_for("admin.users"))
    rows = list(db.scalars(select(WebUser).order_by(WebUser.role, WebUser.username)))
    return render_template("users.html", user=user, rows=rows, roles=ROLES,
                           units=list(db.scalars(select(Unit).order_by(Unit.id))))


@bp.post("/admin/users/<id:user_id>/deactivate")
def deactivate(user_id: int) -> ResponseReturnValue:
    """Account removal: the account is kept for the audit log but can no longer log in; its sessions end."""
    user, db = current_user(), db_session()
    require_admin(user)
    target = db.get(WebUser, user_id)
    if target is None:
        raise A.NotFound("没有这个账号")
    if target.id == user.id:
        raise A.Invalid("不能停用自己的账号")
    deactivate_user(db, target)
    A.log(db, user, target.unit_id, "user_deactivate", f"user:{target.username}", before={"active": True},
          after={"active": False})
    db.commit()
    return redirect(url_for("admin.users"))
