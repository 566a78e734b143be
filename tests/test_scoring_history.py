"""History between audit runs (lifecycle, resolved findings with reasons, score deltas) and
upcoming obligations, on the hand-built store of factories.scoring, frozen as_of."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from auditor.scheme import load_scheme
from auditor.scoring.engine import run_audit
from auditor.scoring.lifecycle import resolved_findings, score_deltas
from auditor.scoring.upcoming import upcoming_obligations
from auditor.store.models import AuditRun, Finding, ReviewDecision
from factories.scoring import AS_OF, BSZN, BSZN_TITLE, Store, variant

JDJC = "shehui_jiuzhu.jdjc"


def _state(store: Store):
    with store.factory() as s:
        run = s.get(AuditRun, store.last_audit)
        findings = {f.key: f for f in s.scalars(select(Finding).where(Finding.audit_run_id == run.id))}
        resolved = {r.key: r.reason for r in resolved_findings(s, run.id)}
        deltas = {d.unit_id: d for d in score_deltas(s, run.id)}
        return run, findings, resolved, deltas


@pytest.mark.parametrize(
    "change, resolved_key, reason, lifecycle_key",
    [
        ("publish", f"missing|mzj|{BSZN}", "fixed", f"missing|mzj|{JDJC}"),
        ("crawl_failure", f"missing|mzj|{JDJC}", "crawl_failure", None),
        ("not_applicable", f"missing|mzj|{JDJC}", "reviewer_decision", f"missing|mzj|{BSZN}"),
    ],
)
def test_resolved_findings_and_deltas(tmp_path, catalog, cal, change, resolved_key, reason, lifecycle_key):
    store = Store(tmp_path)
    store.audit(catalog, cal)
    first, findings1, resolved1, deltas1 = _state(store)
    assert resolved1 == {} and deltas1["mzj"].previous_run_id is None and deltas1["mzj"].delta is None
    assert all(f.lifecycle == "new" for f in findings1.values())
    if change == "publish":
        store.publish(BSZN_TITLE, date(2026, 3, 5), date(2026, 3, 2))
        store.crawl()
    elif change == "crawl_failure":
        store.crawl(column_status="failed")
    else:
        with store.factory() as s:
            s.add(ReviewDecision(unit_id="mzj", entry_id=JDJC, action="not_applicable", reason="由区纪委公开",
                                 actor="evaluator", created_at=datetime(2099, 1, 1)))
            s.commit()
    store.audit(catalog, cal)
    run, findings, resolved, deltas = _state(store)
    assert resolved[resolved_key] == reason
    if change == "crawl_failure":
        assert not [f for f in findings.values() if f.rule == "missing"]  # unverified, never missing
        assert findings[f"unverified|mzj|{JDJC}"].lifecycle == "new"
    else:
        assert findings[lifecycle_key].lifecycle == "persisting"
    assert resolved_key in run.summary["resolved"] and run.summary["previous_run"] == first.id
    d = deltas["mzj"]
    assert d.previous_run_id == first.id
    if d.delta is not None:
        assert sum(r["points"] for r in d.reasons) == pytest.approx(d.delta, abs=0.01)
        assert reason in {r["reason"] for r in d.reasons} or change == "crawl_failure"


def test_history_is_per_scheme(tmp_path, catalog, cal):
    store = Store(tmp_path)
    store.audit(catalog, cal, "default")
    store.audit(catalog, cal, "guoban")
    run, findings, resolved, deltas = _state(store)
    assert run.summary["previous_run"] is None and all(f.lifecycle == "new" for f in findings.values())
    store.audit(catalog, cal, "default")
    run, findings, _, deltas = _state(store)
    assert run.summary["previous_run"] == 1 and deltas["mzj"].delta == 0
    assert all(f.lifecycle == "persisting" for f in findings.values())


def test_new_late_item_explains_the_delta(tmp_path, catalog, cal):
    store = Store(tmp_path)
    store.publish(BSZN_TITLE, date(2026, 3, 5), date(2026, 3, 2))
    store.audit(catalog, cal)
    store.publish("关于最低生活保障政策调整的通知", date(2026, 6, 30), date(2026, 5, 4))  # 20 wd rule: late
    store.crawl()
    store.audit(catalog, cal)
    _, findings, _, deltas = _state(store)
    late = [f for f in findings.values() if f.rule == "late"]
    assert late and late[0].lifecycle == "new"
    reasons = {r["reason"]: r for r in deltas["mzj"].reasons}
    assert reasons["newly_late"]["count"] == 1
    assert reasons["newly_late"]["points"] == pytest.approx(-late[0].points, abs=1e-3)


def test_audit_is_deterministic(tmp_path, catalog, cal):
    store = Store(tmp_path)
    store.publish(BSZN_TITLE, date(2026, 3, 20), date(2026, 3, 2))
    store.audit(catalog, cal)
    _, a, _, _ = _state(store)
    store.audit(catalog, cal)
    _, b, _, _ = _state(store)
    strip = lambda fs: sorted((k, f.rule, f.status, f.points, f.title) for k, f in fs.items())  # noqa: E731
    assert strip(a) == strip(b)


# ----------------------------------------------------------------------------------- upcoming


@pytest.mark.parametrize(
    "changes, published, channel, expected",
    [
        # 半年至少更新1次: last 2026-06-01 → due 2026-12-01, 7 working days after 11-20
        ({"time_limit": "半年至少更新1次"}, date(2026, 6, 1), "catalog", [("periodic", date(2026, 12, 1), 7)]),
        ({"time_limit": "半年至少更新1次"}, date(2026, 3, 2), "catalog", []),  # already overdue: a finding
        # monthly period: November 2026 has no publication yet → due 11-30
        ({"period": "monthly"}, date(2026, 10, 12), "catalog", [("period", date(2026, 11, 30), 6)]),
        ({"period": "annual"}, date(2026, 3, 2), "catalog", []),  # 2026 done; year end is beyond 20 wd
        # every year before 12-15: this year's edition missing, due in 18 working days
        ({"time_limit": "每年12月15日前"}, date(2025, 12, 1), "catalog", [("annual", date(2026, 12, 15), 17)]),
        # trigger seen on the feed only (成文日期 11-18, 10 wd rule): due 12-02 in the catalog column
        ({}, date(2026, 11, 19), "feed", [("event", date(2026, 12, 2), 8)]),
        ({}, date(2026, 11, 19), "catalog", []),  # already published where it belongs
        # 每月10日前公开上月情况: October's was published (11-05); November's is due 12-10
        ({"time_limit": "每月10日前公开上月情况"}, date(2026, 11, 5), "catalog", [("after_period", date(2026, 12, 10), 14)]),
        # 每季度结束后10个工作日内: Q3 done in October; Q4 ends 12-31, due 10 working days later (beyond 20 wd)
        ({"time_limit": "每季度结束后10个工作日内"}, date(2026, 10, 12), "catalog", []),
    ],
)
def test_upcoming_obligations(tmp_path, catalog, cal, changes, published, channel, expected):
    cat = variant(catalog, **changes) if changes else catalog
    store = Store(tmp_path)
    written = date(2026, 11, 18) if channel == "feed" else published
    store.publish(BSZN_TITLE, published, written, channel=channel)
    store.audit(cat, cal)
    with store.factory() as s:
        got = [(o.kind, o.due_date, o.working_days_left) for o in upcoming_obligations(s, store.last_audit)
               if o.entry_id == BSZN]
    assert got == expected
    for _kind, due, left in got:
        assert left == cal.working_days_between(AS_OF, due)


def test_upcoming_is_stored_per_run(tmp_path, catalog, cal):
    cat = variant(catalog, time_limit="半年至少更新1次")
    store = Store(tmp_path)
    store.publish(BSZN_TITLE, date(2026, 6, 1), date(2026, 6, 1))
    store.audit(cat, cal)
    first = store.last_audit
    with store.factory() as s:
        run_audit(s, cat, load_scheme("default"), cal, date(2026, 12, 10))  # after the due date
        later = s.scalar(select(AuditRun.id).order_by(AuditRun.id.desc()))
        assert [o.kind for o in upcoming_obligations(s, first) if o.entry_id == BSZN] == ["periodic"]
        assert [o.kind for o in upcoming_obligations(s, later) if o.entry_id == BSZN] == []
        overdue = s.scalars(select(Finding.rule).where(Finding.audit_run_id == later,
                                                       Finding.rule == "periodic_overdue")).all()
        assert overdue == ["periodic_overdue"]
