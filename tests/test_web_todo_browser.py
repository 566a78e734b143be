"""Unit staff land on their to-do list (issue 15), in Chromium: open findings by due date and severity, each
with what to do and its evidence, the review-band matches waiting for them, what changed since the last
audit; the forms (contest, upload evidence, relink by URL) open from a finding.
"""

from __future__ import annotations

from sqlalchemy import select

from auditor.store.models import AuditRun, ChannelEvidence, Finding
from auditor.store.models_web import FindingState
from auditor.web.actions import SEVERITY_ORDER

NA_ENTRY = "shehui_jiuzhu.jdjc"  # an mzj entry that stays 未公开 in the test store
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _ids(page) -> list[int]:
    return [int(x) for x in page.locator("#todo-findings li.todo-item").evaluate_all(
        "els => els.map(e => e.dataset.finding)")]


def test_staff_work_from_their_to_do_list_in_chromium(served, browser_login, chromium_browser, tmp_path):
    base, store = served
    with store.factory() as s:
        run = s.scalar(select(AuditRun).where(AuditRun.status == "complete").order_by(AuditRun.id.desc()))
        defects = {f.id: f for f in s.scalars(select(Finding).where(
            Finding.audit_run_id == run.id, Finding.unit_id == "mzj", Finding.status == "defect"))}
        na = s.scalar(select(Finding).where(Finding.audit_run_id == run.id, Finding.unit_id == "mzj",
                                            Finding.entry_id == NA_ENTRY, Finding.rule == "missing"))
        target = s.scalar(select(Finding).where(Finding.audit_run_id == run.id, Finding.unit_id == "mzj",
                                                Finding.entry_id == store.review_entry_id, Finding.rule == "missing"))
    context, page = browser_login(chromium_browser, base, "mzj", "mzj-demo")
    assert page.url == f"{base}/" and "待办事项" in page.inner_text("h1")

    # open findings, by due date then severity, each with what to do and its evidence
    ids = _ids(page)
    assert ids and set(ids) <= set(defects) and na.id in ids and target.id in ids
    keys = [((defects[i].evidence or {}).get("due_date", run.as_of.isoformat())[:10],
             SEVERITY_ORDER.get(defects[i].severity, 1)) for i in ids]
    assert keys == sorted(keys)
    item = page.locator(f'li.todo-item[data-finding="{na.id}"]')
    assert "怎么做" in item.inner_text() and na.fix[:10] in item.inner_text()
    item.locator("details.evidence summary").click()
    assert item.locator("details.evidence pre").is_visible()
    # the review-band match waiting for the unit, and no earlier audit to compare with
    assert store.review_title in page.inner_text("#todo-matches")
    assert "这是第一次审计" in page.inner_text("#todo-changes")

    # contest from the finding: the form opens from the to-do item
    item.locator("a.act-contest").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/findings/{na.id}#form-contested") and page.locator("#form-contested").is_visible()
    page.fill("#note-contested", "本局在服务大厅公示栏公开")
    page.click("#move-contested")
    page.wait_for_load_state()
    assert page.inner_text("#finding-state") == "申诉中"

    # upload evidence from the finding
    page.goto(f"{base}/")
    page.locator(f'li.todo-item[data-finding="{target.id}"] a.act-evidence').click()
    page.wait_for_load_state()
    assert page.locator("#evidence-form").is_visible() and page.locator("#relink-form").is_visible()
    photo = tmp_path / "公示栏.png"
    photo.write_bytes(PNG)
    page.set_input_files("#evidence-form input[type=file]", str(photo))
    page.click("#evidence-form button[type=submit]")
    page.wait_for_load_state()
    assert "已上传佐证" in page.inner_text("main")

    # the contested finding left the list of things to do; it waits for review
    page.goto(f"{base}/")
    assert na.id not in _ids(page) and "申诉中" in page.inner_text("#todo-review")

    # confirm the waiting match from the list, an evaluator rescores: the change shows on the list
    page.locator(f'#todo-matches tr[data-match="{store.review_match_id}"] a').click()
    page.wait_for_load_state()
    page.click("#confirm")
    page.wait_for_load_state()
    context.close()
    context, evaluator = browser_login(chromium_browser, base, "eval", "eval-demo")
    evaluator.click("#rescore")
    evaluator.wait_for_selector("#rescored")
    context.close()
    context, page = browser_login(chromium_browser, base, "mzj", "mzj-demo")
    changes = page.inner_text("#todo-changes")
    assert "已解决的问题" in changes and target.title in page.inner_text("#todo-resolved")
    assert page.locator("#todo-matches").count() == 0 or store.review_title not in page.inner_text("#todo-matches")
    context.close()
    with store.factory() as s:
        assert s.scalar(select(FindingState).where(FindingState.unit_id == "mzj")).state == "contested"
        assert s.scalar(select(ChannelEvidence).where(ChannelEvidence.unit_id == "mzj")).mime_type == "image/png"
