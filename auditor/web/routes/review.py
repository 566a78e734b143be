"""Adjudicating the matcher's decisions (endpoints `review.*`): the match queue, one match with its
decision form, re-fetching the item, and rescoring the district after review."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from auditor.match.matching import unit_obligations
from auditor.store.models import Item, ReviewDecision, Unit
from auditor.web import actions as A
from auditor.web.common import (
    back,
    catalog,
    current_user,
    db_session,
    entries_by_id,
    error_page,
    fetch_limits,
    filters,
    form,
    open_log_ids,
)

bp = Blueprint("review", __name__)


@bp.get("/matches")
def matches() -> ResponseReturnValue:
    user, db = current_user(), db_session()
    run = A.latest_run(db)
    f = filters()
    rows = A.match_queue(db, user, run, entries_by_id(), unit_id=f["unit"], domain=f["domain"],
                         state=f["state"]) if run else []
    return render_template("matches.html", user=user, run=run, rows=rows, f=f,
                           units=A.visible_units(db, user), domains=catalog().domains())


@bp.get("/matches/<id:match_id>")
def match_page(match_id: int) -> ResponseReturnValue:
    user, db = current_user(), db_session()
    m = A.get_match(db, user, match_id)
    unit = db.get(Unit, m.unit_id)
    item = db.get(Item, m.item_id)
    by_id = entries_by_id()
    decision = db.scalar(select(ReviewDecision).where(ReviewDecision.unit_id == m.unit_id,
                                                      ReviewDecision.item_id == m.item_id,
                                                      ReviewDecision.active.is_(True))
                         .order_by(ReviewDecision.id.desc()))
    log_entry = open_log_ids(db, [f"review_decision:{decision.id}"]).get(
        f"review_decision:{decision.id}") if decision else None
    return render_template("match.html", user=user, m=m, unit=unit, item=item, entry=by_id.get(m.entry_id or ""),
                           runner=by_id.get((m.evidence or {}).get("runner_up") or ""),
                           entries=unit_obligations(catalog(), unit) if unit else [], decision=decision,
                           log_entry=log_entry, can_undo=lambda e: A.can_undo(user, e), by_id=by_id)


@bp.post("/matches/<id:match_id>/decide")
def match_decide(match_id: int) -> ResponseReturnValue:
    A.decide_match(db_session(), current_user(), catalog(), match_id, form("action", 20),
                   entry_id=form("entry_id", 100) or None, reason=form("reason"))
    db_session().commit()
    return redirect(back(url_for("review.match_page", match_id=match_id)))


@bp.post("/matches/<id:match_id>/refetch")
def match_refetch(match_id: int) -> ResponseReturnValue:
    A.refetch_match_item(db_session(), current_user(), match_id, fetch_limits())
    db_session().commit()
    return redirect(url_for("review.match_page", match_id=match_id))


@bp.post("/rescore")
def rescore() -> ResponseReturnValue:
    A.check_reviewer(current_user())
    lock = current_app.extensions["auditor_lock"]
    if not lock.acquire(blocking=False):
        return error_page(409, "正在重新评分，请稍候")
    try:
        run_id = A.rescore(db_session(), current_user(), catalog())
    finally:
        lock.release()
    return render_template("rescored.html", user=current_user(), run_id=run_id)
