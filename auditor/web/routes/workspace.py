"""Where reviewers and unit staff work (endpoints `workspace.*`): the overview or a staff member's to-do
list, a unit's page, the finding queue, one finding and its state, the action log and undo."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditor.catalog.channels import CHANNELS
from auditor.match.matching import unit_obligations
from auditor.store.models import AuditRun, ChannelEvidence, Finding, Item, Match, ReviewDecision, Score, Unit
from auditor.store.models_web import AuditLogEntry, FindingState, WebUser
from auditor.vocabulary import TALLY_LATE_RULES, Decision, FindingStatus
from auditor.web import actions as A
from auditor.web.common import back, catalog, current_user, db_session, entries_by_id, filters, form, open_log_ids

bp = Blueprint("workspace", __name__)
SEVERITY = {"veto": "一票否决", "critical": "严重", "major": "主要", "minor": "一般", "info": "提示"}


@bp.get("/")
def home() -> ResponseReturnValue:
    user = current_user()
    db = db_session()
    if user.role == "staff":  # unit staff land on their own to-do list
        todo = A.staff_todo(db, user, user.unit_id or "", entries_by_id())
        unit = db.get(Unit, user.unit_id)
        return render_template("todo.html", user=user, unit=unit, todo=todo, by_id=entries_by_id(),
                               SEVERITY=SEVERITY)
    run = A.latest_run(db)
    rows = _overview_rows(db, user, run) if run is not None else []
    return render_template("home.html", user=user, run=run, rows=rows)


def _overview_rows(db: Session, user: WebUser, run: AuditRun) -> list[dict]:
    """One row per visible unit: its overall score, its defects per queue, matches to review, and
    findings marked fixed or contested that wait for a reviewer."""
    overall = {s.unit_id: s for s in db.scalars(select(Score).where(
        Score.audit_run_id == run.id, Score.domain.is_(None), Score.dimension.is_(None)))}
    counts: dict[tuple[str, str], int] = {}
    for unit_id, rule, check, n in db.execute(
            select(Finding.unit_id, Finding.rule, Finding.check, func.count())
            .where(Finding.audit_run_id == run.id, Finding.status == FindingStatus.DEFECT)
            .group_by(Finding.unit_id, Finding.rule, Finding.check)):
        kind = "site_health" if check == "site_health" else "late" if rule in TALLY_LATE_RULES else rule
        counts[(unit_id, kind)] = counts.get((unit_id, kind), 0) + n
    review = dict(db.execute(select(Match.unit_id, func.count()).where(
        Match.audit_run_id == run.id, Match.decision == Decision.REVIEW).group_by(Match.unit_id)).all())
    contested = dict(db.execute(select(FindingState.unit_id, func.count()).where(
        FindingState.state.in_(("fixed", "contested"))).group_by(FindingState.unit_id)).all())
    rows = []
    for u in A.visible_units(db, user):
        s = overall.get(u.id)
        rows.append({"unit": u, "score": s.score if s and s.details.get("scored", True) else None,
                     "grade": s.details.get("grade", "") if s else "", "rank": s.rank if s else None,
                     "counts": {k: counts.get((u.id, k), 0) for k in A.QUEUES},
                     "review": review.get(u.id, 0), "pending": contested.get(u.id, 0)})
    return rows


@bp.get("/units/<unit_id>")
def unit_page(unit_id: str) -> ResponseReturnValue:
    user, db = current_user(), db_session()
    unit = A.get_unit(db, user, unit_id)
    run = A.latest_run(db)
    score = None
    if run is not None:
        score = db.scalar(select(Score).where(Score.audit_run_id == run.id, Score.unit_id == unit.id,
                                              Score.domain.is_(None), Score.dimension.is_(None)))
    entries = unit_obligations(catalog(), unit)
    decisions = A.active_decisions(db, unit.id)
    log_ids = open_log_ids(db, [f"review_decision:{d.id}" for d in decisions])
    items = {i.id: i for i in db.scalars(select(Item).where(Item.id.in_(
        [d.item_id for d in decisions if d.item_id])))} if decisions else {}
    evidence = list(db.scalars(select(ChannelEvidence).where(ChannelEvidence.unit_id == unit.id,
                                                             ChannelEvidence.active.is_(True))
                               .order_by(ChannelEvidence.id.desc())))
    ev_log = open_log_ids(db, [f"channel_evidence:{e.id}" for e in evidence])
    offline = [c for c in CHANNELS.values() if not c.online]
    by_id = {e.id: e for e in entries}
    return render_template("unit.html", user=user, unit=unit, run=run, score=score, entries=entries,
                           by_id=by_id, decisions=decisions, log_ids=log_ids, items=items, evidence=evidence,
                           ev_log=ev_log, offline=offline)


@bp.get("/queue")
def queue() -> ResponseReturnValue:
    user, db = current_user(), db_session()
    run = A.latest_run(db)
    f = filters()
    if f["kind"] and f["kind"] not in A.QUEUES:
        abort(400)
    rows = A.finding_queue(db, user, run, kind=f["kind"], unit_id=f["unit"], domain=f["domain"],
                           state=f["state"]) if run else []
    return render_template("queue.html", user=user, run=run, rows=rows, f=f, units=A.visible_units(db, user),
                           domains=catalog().domains())


@bp.get("/findings/<id:finding_id>")
def finding_page(finding_id: int) -> ResponseReturnValue:
    user, db = current_user(), db_session()
    f = A.get_finding(db, user, finding_id)
    st = db.scalar(select(FindingState).where(FindingState.unit_id == f.unit_id,
                                              FindingState.finding_key == f.key)) if f.unit_id else None
    current = st.state if st else "open"
    history = list(db.scalars(select(AuditLogEntry).where(AuditLogEntry.target == f"finding:{f.key}",
                                                          AuditLogEntry.unit_id == f.unit_id)
                              .order_by(AuditLogEntry.id.desc())))
    unit = db.get(Unit, f.unit_id) if f.unit_id else None
    entry = entries_by_id().get(f.entry_id or "")
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


@bp.post("/findings/<id:finding_id>/state")
def finding_state(finding_id: int) -> ResponseReturnValue:
    A.set_finding_state(db_session(), current_user(), finding_id, form("state", 20), form("note"))
    db_session().commit()
    return redirect(url_for("workspace.finding_page", finding_id=finding_id))


@bp.get("/log")
def log_page() -> ResponseReturnValue:
    user, db = current_user(), db_session()
    unit_id = (request.args.get("unit") or "")[:64]
    q = select(AuditLogEntry).order_by(AuditLogEntry.id.desc()).limit(500)
    if user.role == "staff":
        q = q.where(AuditLogEntry.unit_id == user.unit_id)
    if unit_id:
        A.check_unit(user, unit_id)
        q = q.where(AuditLogEntry.unit_id == unit_id)
    return render_template("log.html", user=user, rows=list(db.scalars(q)), unit_id=unit_id,
                           can_undo=lambda e: A.can_undo(user, e))


@bp.post("/log/<id:log_id>/undo")
def undo(log_id: int) -> ResponseReturnValue:
    A.undo(db_session(), current_user(), log_id)
    db_session().commit()
    return redirect(back(url_for("workspace.log_page")))
