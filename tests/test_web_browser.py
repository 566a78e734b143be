"""End to end in a real browser: Debian's headless Chromium (never a downloaded one) driven by Playwright.

Unit staff log in, confirm a review-band match and declare 无此事项 for an entry; an evaluator rescores;
the new score reflects both; another unit's staff cannot open the first unit's finding.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from auditor.store.models import AuditRun, Finding, Match, Score

NA_ENTRY = "shehui_jiuzhu.jdjc"

def _overall(session, run_id: int, unit: str) -> float:
    return session.scalar(select(Score.score).where(Score.audit_run_id == run_id, Score.unit_id == unit,
                                                    Score.domain.is_(None), Score.dimension.is_(None)))


def test_staff_confirm_and_declare_none_then_rescore_in_chromium(served, browser_login, chromium_browser):
    browser = chromium_browser
    base, store = served
    with store.factory() as s:
        first = s.scalar(select(AuditRun.id).where(AuditRun.status == "complete").order_by(AuditRun.id.desc()))
        before = _overall(s, first, "mzj")
        mzj_finding = s.scalar(select(Finding.id).where(Finding.audit_run_id == first, Finding.unit_id == "mzj",
                                                        Finding.entry_id == NA_ENTRY, Finding.rule == "missing"))
        assert mzj_finding is not None
    context, page = browser_login(browser, base, "mzj", "mzj-demo")
    assert page.url == f"{base}/"  # staff land on their to-do list
    assert "云溪区民政局" in page.inner_text("h1") and "待办" in page.inner_text("h1")

    # confirm the review-band match from the queue
    page.goto(f"{base}/matches")
    row = page.locator(f'tr[data-match="{store.review_match_id}"]')
    assert row.count() == 1 and store.review_title in row.inner_text()
    row.locator("button.confirm").click()
    page.wait_for_load_state()
    assert "确认匹配" in page.locator(f'tr[data-match="{store.review_match_id}"]').inner_text()

    # declare 无此事项 for an entry, with a reason
    page.goto(f"{base}/units/mzj")
    page.select_option("#na-entry", NA_ENTRY)
    page.fill("#na-reason", "本局未开展社会救助监督检查，无此事项")
    page.click("#na-submit")
    page.wait_for_load_state()
    decisions = page.inner_text("#decisions")
    assert "确认匹配" in decisions and "无此事项" in decisions and "本局未开展社会救助监督检查" in decisions
    context.close()

    # an evaluator rescores
    context, page = browser_login(browser, base, "eval", "eval-demo")
    page.click("#rescore")
    page.wait_for_selector("#rescored")
    new_run = int(re.search(r"#(\d+)", page.inner_text("#rescored")).group(1))
    assert new_run > first
    context.close()

    # the staff see the new score, and the database agrees on why
    context, page = browser_login(browser, base, "mzj", "mzj-demo")
    page.goto(f"{base}/units/mzj")
    shown = float(page.inner_text("#unit-score"))
    context.close()
    with store.factory() as s:
        after = _overall(s, new_run, "mzj")
        missing = set(s.scalars(select(Finding.entry_id).where(
            Finding.audit_run_id == new_run, Finding.unit_id == "mzj", Finding.rule == "missing")))
        match = s.scalar(select(Match).where(Match.audit_run_id == new_run, Match.unit_id == "mzj",
                                             Match.item_id == store.review_item_id))
    assert after > before and abs(shown - after) < 0.05
    assert store.review_entry_id not in missing and NA_ENTRY not in missing
    assert match is not None and match.decision == "confirmed" and match.entry_id == store.review_entry_id

    # another unit's staff cannot open the first unit's finding
    context, page = browser_login(browser, base, "dcjd", "dcjd-demo")
    response = page.goto(f"{base}/findings/{mzj_finding}")
    assert response is not None and response.status == 403
    assert "无权访问" in page.inner_text("#error-message")
    assert "社会救助" not in page.inner_text("main").replace("无权访问其他单位的数据", "")
    context.close()
