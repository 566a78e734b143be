"""What the review workspace does, independent of HTTP: queues, decisions, undo, finding states, rescore.

Every function that changes something takes the acting user, checks that the user may act on the unit
concerned (:func:`check_unit`), writes one :class:`AuditLogEntry` (who, when, before, after) and leaves
the commit to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.catalog.models import Catalog, CatalogEntry
from auditor.errors import AuditorError
from auditor.harvest.canonical import canonical_url
from auditor.harvest.extract import extract_detail
from auditor.harvest.extract.model import JSON_SCALAR_FIELDS
from auditor.harvest.ownership import describe_units, item_owners
from auditor.match.matching import unit_obligations
from auditor.store.models import (
    Attachment,
    AuditRun,
    Channel,
    ChannelEvidence,
    Finding,
    Item,
    ItemListing,
    Match,
    ReviewDecision,
    Unit,
)
from auditor.store.models_web import FINDING_STATES, AuditLogEntry, FindingState, WebUser
from auditor.vocabulary import TALLY_LATE_RULES, Decision, FindingStatus, utcnow
from auditor.web.security import FetchPolicy, check_url, fetch_url, store_upload

QUEUES = {
    "missing": "未公开",
    "late": "逾期/未标日期",
    "channel_gap": "渠道缺失",
    "site_health": "网站健康",
}
DECISION_LABELS = {"confirm": "确认匹配", "reject": "否定匹配", "relink": "改链", "not_applicable": "无此事项"}
ACTION_LABELS = {**DECISION_LABELS, "evidence": "上传佐证", "finding_state": "整改状态", "undo": "撤销",
                 "refetch": "重新抓取", "rescore": "重新评分", "user": "账号", "login": "登录", "logout": "退出登录",
                 "login_failed": "登录失败", "login_throttled": "登录受限", "user_deactivate": "停用账号",
                 "password": "修改密码", "password_failed": "修改密码失败"}


class Forbidden(AuditorError):
    """The user may not see or change this."""


class NotFound(AuditorError):
    """No such object."""


class Invalid(AuditorError):
    """A request that cannot be carried out as given (bad state, missing reason, unknown entry)."""



# ---------------------------------------------------------------------------- access
def can_see_unit(user: WebUser, unit_id: str | None) -> bool:
    if user.role in ("admin", "evaluator"):
        return True
    return unit_id is not None and unit_id == user.unit_id


def check_unit(user: WebUser, unit_id: str | None) -> None:
    if not can_see_unit(user, unit_id):
        raise Forbidden("无权访问其他单位的数据")


def check_reviewer(user: WebUser) -> None:
    if user.role not in ("admin", "evaluator"):
        raise Forbidden("仅评估人员或管理员可执行此操作")


def visible_units(session: Session, user: WebUser) -> list[Unit]:
    q = select(Unit).where(Unit.kind.in_(("department", "subdistrict"))).order_by(Unit.level, Unit.id)
    if user.role == "staff":
        q = q.where(Unit.id == user.unit_id)
    return list(session.scalars(q))


def get_unit(session: Session, user: WebUser, unit_id: str) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        # staff get 403 for any unit but their own, existing or not: no probing of unit ids
        check_unit(user, unit_id)
        raise NotFound("没有这个单位")
    check_unit(user, unit.id)
    return unit


def get_finding(session: Session, user: WebUser, finding_id: int) -> Finding:
    f = session.get(Finding, finding_id)
    if f is None:
        raise NotFound("没有这条问题")
    check_unit(user, f.unit_id)
    return f


def get_match(session: Session, user: WebUser, match_id: int) -> Match:
    m = session.get(Match, match_id)
    if m is None:
        raise NotFound("没有这条匹配")
    check_unit(user, m.unit_id)
    return m


def entry_of(catalog: Catalog, unit: Unit, entry_id: str) -> CatalogEntry:
    """The entry, which must be one the unit is judged against."""
    for e in unit_obligations(catalog, unit):
        if e.id == entry_id:
            return e
    raise Invalid("该单位的标准目录中没有这个事项", where=entry_id[:100])


# ---------------------------------------------------------------------------- log
def log(session: Session, user: WebUser, unit_id: str | None, action: str, target: str,
        before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, reason: str = "") -> AuditLogEntry:
    entry = AuditLogEntry(at=utcnow(), actor=user.username, role=user.role, unit_id=unit_id, action=action,
                          target=target, before=before or {}, after=after or {}, reason=reason)
    session.add(entry)
    session.flush()
    return entry


def log_anonymous(session: Session, username: str, user: WebUser | None, action: str,
                  after: dict[str, Any]) -> AuditLogEntry:
    """A login attempt that did not log anybody in: the name tried (an account or not) and the address."""
    entry = AuditLogEntry(at=utcnow(), actor=username[:64], role=user.role if user else "", action=action,
                          unit_id=user.unit_id if user else None, target=f"user:{username[:64]}", before={},
                          after=after, reason="")
    session.add(entry)
    session.flush()
    return entry


def _decision_dict(d: ReviewDecision) -> dict[str, Any]:
    return {"id": d.id, "action": d.action, "item_id": d.item_id, "entry_id": d.entry_id, "active": d.active,
            "reason": d.reason}


# ---------------------------------------------------------------------------- queues
def latest_run(session: Session) -> AuditRun | None:
    return session.scalar(select(AuditRun).where(AuditRun.status == "complete").order_by(AuditRun.id.desc()))


def _queue_filter(kind: str):
    if kind == "missing":
        return Finding.rule == "missing"
    if kind == "late":
        return Finding.rule.in_(TALLY_LATE_RULES)
    if kind == "channel_gap":
        return Finding.rule == "channel_gap"
    if kind == "site_health":
        return Finding.check == "site_health"
    return Finding.rule.in_(("missing", "late", "undated", "channel_gap")) | (Finding.check == "site_health")


def finding_states(session: Session, pairs: list[tuple[str | None, str]]) -> dict[tuple[str, str], FindingState]:
    units = {u for u, _ in pairs if u}
    if not units:
        return {}
    rows = session.scalars(select(FindingState).where(FindingState.unit_id.in_(units)))
    return {(r.unit_id, r.finding_key): r for r in rows}


@dataclass
class QueueRow:
    finding: Finding
    state: str


def finding_queue(session: Session, user: WebUser, run: AuditRun, *, kind: str = "", unit_id: str = "",
                  domain: str = "", state: str = "") -> list[QueueRow]:
    q = select(Finding).where(Finding.audit_run_id == run.id, Finding.status == FindingStatus.DEFECT, _queue_filter(kind))
    if user.role == "staff":
        q = q.where(Finding.unit_id == user.unit_id)
    if unit_id:
        check_unit(user, unit_id)
        q = q.where(Finding.unit_id == unit_id)
    if domain:
        q = q.where(Finding.domain == domain)
    findings = list(session.scalars(q.order_by(Finding.unit_id, Finding.domain, Finding.rule, Finding.id)))
    states = finding_states(session, [(f.unit_id, f.key) for f in findings])
    rows = []
    for f in findings:
        st = states.get((f.unit_id or "", f.key))
        code = st.state if st else "open"
        if state and code != state:
            continue
        rows.append(QueueRow(f, code))
    return rows


@dataclass
class MatchRow:
    match: Match
    item: Item
    entry: CatalogEntry | None
    decision: ReviewDecision | None  # the active reviewer decision on this item, if any


def active_decisions(session: Session, unit_id: str) -> list[ReviewDecision]:
    return list(session.scalars(select(ReviewDecision).where(ReviewDecision.unit_id == unit_id,
                                                             ReviewDecision.active.is_(True))
                                .order_by(ReviewDecision.created_at.desc(), ReviewDecision.id.desc())))


def match_queue(session: Session, user: WebUser, run: AuditRun, entries: dict[str, CatalogEntry], *,
                unit_id: str = "", domain: str = "", state: str = "") -> list[MatchRow]:
    q = select(Match, Item).join(Item, Item.id == Match.item_id).where(Match.audit_run_id == run.id,
                                                                      Match.decision == Decision.REVIEW)
    if user.role == "staff":
        q = q.where(Match.unit_id == user.unit_id)
    if unit_id:
        check_unit(user, unit_id)
        q = q.where(Match.unit_id == unit_id)
    rows = []
    decided: dict[tuple[str, int], ReviewDecision] = {}
    for d in session.scalars(select(ReviewDecision).where(ReviewDecision.active.is_(True),
                                                          ReviewDecision.item_id.is_not(None))
                             .order_by(ReviewDecision.created_at, ReviewDecision.id)):
        decided[(d.unit_id, d.item_id)] = d
    for m, item in session.execute(q.order_by(Match.unit_id, Match.score.desc(), Match.id)):
        entry = entries.get(m.entry_id or "")
        if domain and (entry is None or entry.domain != domain):
            continue
        d = decided.get((m.unit_id, m.item_id))
        if state == "pending" and d is not None or state == "decided" and d is None:
            continue
        rows.append(MatchRow(m, item, entry, d))
    return rows


# ---------------------------------------------------------------------------- a unit's to-do list
SEVERITY_ORDER = {"veto": 0, "critical": 0, "major": 1, "minor": 2, "info": 3}
WAITING_FOR_STAFF = ("open", "rejected")  # states in which the finding is the unit's move
WAITING_FOR_REVIEW = ("fixed", "contested")


@dataclass
class TodoFinding:
    finding: Finding
    state: str
    due: Any  # date: the evidence's due date, or the audit date for an obligation already owed
    overdue_days: int | None


@dataclass
class Todo:
    """What a unit's staff should do now, from the latest audit run."""

    run: AuditRun | None
    previous: AuditRun | None
    findings: list[TodoFinding]  # the unit's move: by due date, then severity
    under_review: list[QueueRow]  # fixed / contested, waiting for an evaluator
    matches: list[MatchRow]  # review-band matches without a decision of the unit yet
    new: list[Finding]  # defects of the latest run that the previous run did not have
    resolved: list[Finding]  # defects of the previous run that the latest run no longer has


def _due(f: Finding, run: AuditRun) -> Any:
    from datetime import date

    raw = (f.evidence or {}).get("due_date")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    return run.as_of  # no later due date: owed at the audit date


def staff_todo(session: Session, user: WebUser, unit_id: str, entries: dict[str, CatalogEntry]) -> Todo:
    unit = get_unit(session, user, unit_id)
    run = latest_run(session)
    if run is None:
        return Todo(None, None, [], [], [], [], [])
    rows = finding_queue(session, user, run, unit_id=unit.id)
    todo = [TodoFinding(r.finding, r.state, _due(r.finding, run), None) for r in rows
            if r.state in WAITING_FOR_STAFF]
    for t in todo:
        t.overdue_days = (run.as_of - t.due).days if t.due <= run.as_of else None
    todo.sort(key=lambda t: (t.due, SEVERITY_ORDER.get(t.finding.severity, 1), -t.finding.points, t.finding.id))
    review = [r for r in rows if r.state in WAITING_FOR_REVIEW]
    matches = [m for m in match_queue(session, user, run, entries, unit_id=unit.id) if m.decision is None]
    previous = session.scalar(select(AuditRun).where(AuditRun.status == "complete", AuditRun.id < run.id)
                              .order_by(AuditRun.id.desc()))
    new: list[Finding] = []
    resolved: list[Finding] = []
    if previous is not None:
        def defects(r: AuditRun) -> dict[str, Finding]:
            return {f.key: f for f in session.scalars(select(Finding).where(
                Finding.audit_run_id == r.id, Finding.unit_id == unit.id, Finding.status == FindingStatus.DEFECT)
                .order_by(Finding.id))}

        now_, before = defects(run), defects(previous)
        new = [f for k, f in now_.items() if k not in before]
        resolved = [f for k, f in before.items() if k not in now_]
    return Todo(run, previous, todo, review, matches, new, resolved)


# ---------------------------------------------------------------------------- decisions
def _supersede(session: Session, unit_id: str, *, item_id: int | None = None, entry_id: str | None = None,
               action: str | None = None) -> list[int]:
    """Deactivate the active decisions a new one replaces; returns their ids (undo reactivates them)."""
    q = select(ReviewDecision).where(ReviewDecision.unit_id == unit_id, ReviewDecision.active.is_(True))
    if item_id is not None:
        q = q.where(ReviewDecision.item_id == item_id)
    else:
        q = q.where(ReviewDecision.entry_id == entry_id, ReviewDecision.action == action)
    old = list(session.scalars(q))
    for d in old:
        d.active = False
    return [d.id for d in old]


def _record(session: Session, user: WebUser, unit_id: str, action: str, *, item_id: int | None,
            entry_id: str | None, reason: str, extra: dict[str, Any] | None = None) -> ReviewDecision:
    superseded = (_supersede(session, unit_id, item_id=item_id) if item_id is not None
                  else _supersede(session, unit_id, entry_id=entry_id, action=action))
    d = ReviewDecision(unit_id=unit_id, item_id=item_id, entry_id=entry_id, action=action, reason=reason,
                       actor=user.username, created_at=utcnow(), active=True)
    session.add(d)
    session.flush()
    log(session, user, unit_id, action, f"review_decision:{d.id}", before={"superseded": superseded},
        after={**_decision_dict(d), **(extra or {})}, reason=reason)
    return d


def decide_match(session: Session, user: WebUser, catalog: Catalog, match_id: int, action: str, *,
                 entry_id: str | None = None, reason: str = "") -> ReviewDecision:
    """confirm / reject the matcher's link of a matched item, or relink it to another entry of the unit."""
    m = get_match(session, user, match_id)
    if action not in ("confirm", "reject", "relink"):
        raise Invalid(f"未知操作 {action!r}")
    target = m.entry_id
    if action == "relink":
        if not entry_id:
            raise Invalid("改链需要选择目录事项")
        unit = session.get(Unit, m.unit_id)
        assert unit is not None
        target = entry_of(catalog, unit, entry_id).id
    return _record(session, user, m.unit_id, action, item_id=m.item_id, entry_id=target, reason=reason.strip(),
                   extra={"match_id": m.id, "matcher_entry": m.entry_id, "score": m.score})


def declare_not_applicable(session: Session, user: WebUser, catalog: Catalog, unit_id: str, entry_id: str,
                           reason: str) -> ReviewDecision:
    unit = get_unit(session, user, unit_id)
    entry = entry_of(catalog, unit, entry_id)
    reason = reason.strip()
    if not reason:
        raise Invalid("声明“无此事项”须说明理由")
    return _record(session, user, unit.id, "not_applicable", item_id=None, entry_id=entry.id, reason=reason[:2000])


def _channel_for(session: Session, unit: Unit, entry: CatalogEntry) -> Channel:
    channels = list(session.scalars(select(Channel).where(Channel.unit_id == unit.id, Channel.active.is_(True))
                                    .order_by(Channel.id)))
    for pick in (lambda c: c.domain == entry.domain and c.code in ("WEBSITE", "PLATFORM"),
                 lambda c: c.column_kind == "catalog" and c.code in ("WEBSITE", "PLATFORM"),
                 lambda c: c.code in ("WEBSITE", "PLATFORM"),
                 lambda c: True):
        found = [c for c in channels if pick(c)]
        if found:
            return found[0]
    raise Invalid("该单位没有登记任何栏目，无法挂接页面", hint="先在单位登记表中补充栏目并抓取")


def _apply_extract(item: Item, html: bytes, fetched_url: str, charset: str | None, status: int,
                   etag: str | None, last_modified: str | None) -> None:
    ex = extract_detail(html, fetched_url, charset)
    item.title = str(ex.title.value or "")[:2000]
    if not item.list_title:
        item.list_title = item.title
    for name in ("publish_date", "written_date"):
        f = getattr(ex, name)
        setattr(item, name, f.value if f.found else None)
        setattr(item, f"{name}_source", f.source)
        setattr(item, f"{name}_raw", str(f.raw)[:200] if f.raw is not None else None)
    for name in ("index_no", "publisher", "source", "doc_no", "category", "validity"):
        value = getattr(ex, name).value
        setattr(item, name, str(value)[:200] if value else None)
    provenance: dict[str, Any] = {name: getattr(ex, name).provenance() for name in JSON_SCALAR_FIELDS}
    provenance["review_fetch"] = {"source": "review", "raw": fetched_url}
    item.provenance = provenance
    item.body_hash = ex.body_hash or None
    body = ex.body_text.value if isinstance(ex.body_text.value, str) else ""
    item.body_excerpt = body[:500]
    item.http_status, item.etag, item.last_modified = status, etag, last_modified
    item.fetched_at = utcnow()
    known = {a.url for a in item.attachments}
    for att in ex.attachments:
        if att.url and att.url not in known:
            item.attachments.append(Attachment(name=att.name[:500], url=att.url[:1000], type=att.type[:20] or None))
            known.add(att.url)


FetchLimits = FetchPolicy  # the name the app used before the policy grew the address rules


def _foreign_owners(session: Session, item: Item | None, unit_id: str) -> set[str]:
    """Units other than unit_id whose channels list the item."""
    if item is None or item.id is None:
        return set()
    return item_owners(session, item.id) - {unit_id}


def _refuse_foreign(session: Session, item: Item, unit: Unit, owners: set[str], url: str) -> None:
    raise Forbidden(f"该网址是{describe_units(session, owners)}栏目中的页面，不属于「{unit.name}」，不能挂接或改写",
                    where=url[:200], hint="请粘贴本单位网站栏目中的页面网址；确属本单位的，请联系评估人员")


def relink_url(session: Session, user: WebUser, catalog: Catalog, unit_id: str, entry_id: str, url: str,
               limits: FetchPolicy, reason: str = "") -> ReviewDecision:
    """Fetch a pasted URL, store it as an item listed in the unit's column, and link it to the entry.

    An item another unit's channel lists is that unit's: a paste of its URL is refused with a message
    naming the owner, and nothing of it changes. An item this unit shares with another unit is linked
    (a decision of this unit only) but not re-extracted, so the other unit's evidence stays as crawled.
    """
    unit = get_unit(session, user, unit_id)
    entry = entry_of(catalog, unit, entry_id)
    url = check_url(url)  # scheme, length, control characters, port: before anything looks the URL up
    pasted = session.scalar(select(Item).where(Item.canonical_url == canonical_url(url)))
    owners = _foreign_owners(session, pasted, unit.id)
    if owners and unit.id not in item_owners(session, pasted.id):
        _refuse_foreign(session, pasted, unit, owners, url)
    fetched = fetch_url(url, policy=limits)
    key = canonical_url(fetched.url)
    item = session.scalar(select(Item).where(Item.canonical_url == key))
    created = item is None
    owners = _foreign_owners(session, item, unit.id)
    shared = bool(owners)
    if shared and unit.id not in item_owners(session, item.id):
        _refuse_foreign(session, item, unit, owners, fetched.url)
    if item is None:
        item = Item(canonical_url=key, title="", list_title="", body_excerpt="", provenance={})
        session.add(item)
    if not shared:
        try:
            _apply_extract(item, fetched.body, fetched.url, fetched.charset, fetched.status, fetched.etag,
                           fetched.last_modified)
        except AuditorError as exc:
            raise Invalid(f"无法从页面提取内容：{exc.message}", where=fetched.url) from None
    session.flush()
    channel = _channel_for(session, unit, entry)
    listing = session.scalar(select(ItemListing).where(ItemListing.item_id == item.id,
                                                       ItemListing.channel_id == channel.id))
    if listing is None:
        session.add(ItemListing(item_id=item.id, channel_id=channel.id, list_date_text="人工挂接"))
    session.flush()
    return _record(session, user, unit.id, "relink", item_id=item.id, entry_id=entry.id,
                   reason=(reason.strip() or f"人工挂接：{fetched.url}")[:2000],
                   extra={"url": fetched.url, "item_created": created, "channel_id": channel.id,
                          "title": item.title, "shared_with": sorted(owners),
                          "publish_date": item.publish_date.isoformat() if item.publish_date else None})


def refetch_match_item(session: Session, user: WebUser, match_id: int, limits: FetchPolicy) -> Item:
    """Targeted re-crawl: re-fetch and re-extract the URL of a matched item.

    Unit staff may re-fetch only items no other unit's channel lists (re-extracting rewrites the item
    for every unit that lists it); evaluators may re-fetch any.
    """
    m = get_match(session, user, match_id)
    item = session.get(Item, m.item_id)
    if item is None:
        raise NotFound("没有这个页面")
    owners = _foreign_owners(session, item, m.unit_id)
    if owners and user.role == "staff":
        raise Forbidden(f"该页面也列在{describe_units(session, owners)}的栏目中，重新抓取会改写其他单位的材料",
                        where=item.canonical_url[:200], hint="请联系评估人员重新抓取")
    before = {"title": item.title, "publish_date": item.publish_date.isoformat() if item.publish_date else None,
              "body_hash": item.body_hash}
    fetched = fetch_url(item.canonical_url, policy=limits)
    try:
        _apply_extract(item, fetched.body, fetched.url, fetched.charset, fetched.status, fetched.etag,
                       fetched.last_modified)
    except AuditorError as exc:
        raise Invalid(f"无法从页面提取内容：{exc.message}", where=fetched.url) from None
    after = {"title": item.title, "publish_date": item.publish_date.isoformat() if item.publish_date else None,
             "body_hash": item.body_hash}
    log(session, user, m.unit_id, "refetch", f"item:{item.id}", before=before, after=after)
    return item


# ---------------------------------------------------------------------------- evidence
def add_evidence(session: Session, user: WebUser, catalog: Catalog, unit_id: str, entry_id: str, channel_code: str,
                 description: str, data: bytes, data_dir: Path, max_bytes: int) -> ChannelEvidence:
    unit = get_unit(session, user, unit_id)
    entry = entry_of(catalog, unit, entry_id)
    codes = {c.code for c in entry.channels}
    if channel_code not in codes:
        raise Invalid("该事项的公开渠道中没有这个渠道", where=channel_code[:40])
    rel, mime, digest = store_upload(data, data_dir, max_bytes=max_bytes)
    ev = ChannelEvidence(unit_id=unit.id, entry_id=entry.id, channel_code=channel_code,
                         description=description.strip()[:2000], file_path=rel, mime_type=mime, sha256=digest,
                         uploaded_by=user.username, created_at=utcnow(), active=True)
    session.add(ev)
    session.flush()
    log(session, user, unit.id, "evidence", f"channel_evidence:{ev.id}", before={},
        after={"id": ev.id, "entry_id": entry.id, "channel_code": channel_code, "mime_type": mime, "sha256": digest,
               "active": True}, reason=ev.description)
    return ev


def get_evidence(session: Session, user: WebUser, evidence_id: int) -> ChannelEvidence:
    ev = session.get(ChannelEvidence, evidence_id)
    if ev is None:
        raise NotFound("没有这份佐证材料")
    check_unit(user, ev.unit_id)
    return ev


# ---------------------------------------------------------------------------- finding states
STAFF_MOVES = {"open": ("fixed", "contested"), "rejected": ("fixed", "contested")}
REVIEW_MOVES = {"fixed": ("approved", "rejected"), "contested": ("approved", "rejected")}


def allowed_moves(user: WebUser, current: str) -> tuple[str, ...]:
    moves = tuple(STAFF_MOVES.get(current, ()))
    if user.role in ("admin", "evaluator"):
        moves += tuple(REVIEW_MOVES.get(current, ()))
    return moves


def set_finding_state(session: Session, user: WebUser, finding_id: int, new_state: str, note: str) -> FindingState:
    f = get_finding(session, user, finding_id)
    if f.unit_id is None:
        raise Invalid("该问题不属于任何单位")
    if new_state not in FINDING_STATES:
        raise Invalid(f"未知状态 {new_state!r}")
    st = session.scalar(select(FindingState).where(FindingState.unit_id == f.unit_id,
                                                   FindingState.finding_key == f.key))
    current = st.state if st else "open"
    if new_state not in allowed_moves(user, current):
        if new_state in ("approved", "rejected") and user.role == "staff":
            raise Forbidden("复核由评估人员进行")
        raise Invalid(f"不能从「{FINDING_STATES[current]}」改为「{FINDING_STATES[new_state]}」")
    note = note.strip()
    if new_state in ("fixed", "contested", "rejected") and not note:
        raise Invalid("请填写说明")
    before = {"state": current, "note": st.note if st else ""}
    if st is None:
        st = FindingState(unit_id=f.unit_id, finding_key=f.key)
        session.add(st)
    st.state, st.note, st.updated_by, st.updated_at = new_state, note[:2000], user.username, utcnow()
    session.flush()
    log(session, user, f.unit_id, "finding_state", f"finding:{f.key}", before=before,
        after={"state": new_state, "note": st.note, "finding_id": f.id}, reason=note[:2000])
    return st


# ---------------------------------------------------------------------------- undo
UNDOABLE = ("confirm", "reject", "relink", "not_applicable", "evidence", "finding_state")


def can_undo(user: WebUser, entry: AuditLogEntry) -> bool:
    if entry.action not in UNDOABLE or entry.undone_by is not None or not can_see_unit(user, entry.unit_id):
        return False
    # staff may undo what staff did for their unit, never a reviewer's ruling
    return user.role in ("admin", "evaluator") or entry.role == "staff"


def undo(session: Session, user: WebUser, log_id: int) -> AuditLogEntry:
    entry = session.get(AuditLogEntry, log_id)
    if entry is None:
        raise NotFound("没有这条记录")
    check_unit(user, entry.unit_id)
    if entry.undone_by is not None:
        raise Invalid("该操作已撤销")
    if not can_undo(user, entry):
        if entry.action in UNDOABLE:
            raise Forbidden("单位人员不能撤销评估人员的操作")
        raise Invalid("该操作不可撤销")
    kind, _, ident = entry.target.partition(":")
    if kind == "review_decision":
        d = session.get(ReviewDecision, int(ident))
        if d is None or not d.active:
            raise Invalid("该决定已被后续操作取代，请撤销后续操作")
        d.active = False
        restored = []
        for old_id in entry.before.get("superseded", []):
            old = session.get(ReviewDecision, old_id)
            if old is not None and not old.active:
                old.active = True
                restored.append(old_id)
        before, after = _decision_dict(d) | {"active": True}, {"active": False, "restored": restored}
    elif kind == "channel_evidence":
        ev = session.get(ChannelEvidence, int(ident))
        if ev is None or not ev.active:
            raise Invalid("该佐证已失效")
        ev.active = False
        before, after = {"id": ev.id, "active": True}, {"id": ev.id, "active": False}
    elif kind == "finding":
        st = session.scalar(select(FindingState).where(FindingState.unit_id == entry.unit_id,
                                                       FindingState.finding_key == ident))
        if st is None or st.state != entry.after.get("state"):
            raise Invalid("状态已被后续操作修改，请先撤销后续操作")
        before = {"state": st.state, "note": st.note}
        st.state, st.note = entry.before.get("state", "open"), entry.before.get("note", "")
        st.updated_by, st.updated_at = user.username, utcnow()
        after = {"state": st.state, "note": st.note}
    else:  # pragma: no cover - UNDOABLE guards this
        raise Invalid("该操作不可撤销")
    undo_entry = log(session, user, entry.unit_id, "undo", entry.target, before=before,
                     after={**after, "undoes": entry.id})
    entry.undone_by = undo_entry.id
    session.flush()
    return undo_entry


# ---------------------------------------------------------------------------- rescore
def rescore(session: Session, user: WebUser, catalog: Catalog) -> int:
    """A new audit run with the latest catalog and the previous run's scheme and as_of date."""
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import IncompleteCrawlError, audit_crawl_runs, run_audit, window_runs

    check_reviewer(user)
    prev = latest_run(session)
    if prev is None:
        raise Invalid("还没有完成的审计运行", hint="先运行 auditor score")
    scheme = load_scheme(prev.scheme)
    log(session, user, None, "rescore", f"audit_run:{prev.id}", before={"run": prev.id},
        after={"as_of": prev.as_of.isoformat(), "scheme": prev.scheme})
    session.commit()
    try:
        crawl_ids = audit_crawl_runs(session, window_runs(scheme))
    except IncompleteCrawlError:  # a crawl is under way or broke off: re-judge the crawl the last audit used
        crawl_ids = [i for i in (prev.summary or {}).get("crawl_runs") or [] if isinstance(i, int)] or None
    run_id = run_audit(session, catalog, scheme, WorkingCalendar(), prev.as_of, crawl_run_ids=crawl_ids)
    return run_id
