"""The HTML reports in a real browser: Debian's headless Chromium driven by Playwright (never a downloaded
browser). Screenshots are written to a path the test prints. Skips, saying why, only when the Chromium
binary (or the playwright package) is absent; CI installs both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from factories.browser import open_page
from factories.report import FORMULA, HOSTILE, LINK, build_report_store


@pytest.fixture()
def store(tmp_path: Path):
    return build_report_store(tmp_path)


def test_fixture_reports_in_chromium(store, browser_page, tmp_path: Path) -> None:
    from auditor.report.render import render_html

    page, log = browser_page
    out = tmp_path / "html"
    with store() as s:
        render_html(s, 2, out)

    open_page(page, out / "index.html", log)
    assert page.title().startswith("demo 基层政务公开")
    rows = page.locator("table.ranking").nth(0).locator("tbody tr")
    assert rows.count() == 2 and "区教育局" in rows.nth(0).inner_text()
    assert page.locator("table.ranking").nth(1).locator("tbody tr").count() == 2
    assert page.locator("svg.chart").count() >= 3  # bars per level + histograms
    assert page.locator("table.heat tbody tr").count() == 2
    body = page.inner_text("body")
    for word in ("区级部门排名", "乡镇（街道）排名", "领域得分热力图", "历次评估趋势", "附录：评估方法", "常见问题"):
        assert word in body
    # the unassigned dead-link finding's hostile title is text on the page, not markup
    assert HOSTILE in body
    assert page.locator("script").count() == 0
    # the chart is laid out (a bar with a width) and the Chinese font is applied
    assert page.locator("svg.chart rect").first.bounding_box()["width"] > 0
    assert "Noto Sans CJK SC" in page.evaluate("getComputedStyle(document.body).fontFamily")
    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    # follow the ranking link into a scorecard
    page.click("text=区发展和改革局")
    page.wait_for_load_state("load")
    assert page.url.endswith("/units/fgj.html")
    assert log["console"] == [] and log["errors"] == [] and log["dialogs"] == [], log
    body = page.inner_text("body")
    assert HOSTILE in body and LINK in body and "整改建议" in body and "逾期" in body
    assert page.locator('a[href*="evil.example"]').count() == 0
    late = page.locator('table.defects[data-check="timeliness"] tbody tr').first.inner_text()
    assert "3日" in late and "2026-02-02" in late  # days late in the rule's unit, and the due date
    assert page.locator("script").count() == 0
    # a javascript: URL from a crawled page never becomes a link
    assert page.locator('a[href^="javascript:"]').count() == 0
    unit_shot = tmp_path / "unit-fgj.png"
    page.screenshot(path=str(unit_shot), full_page=True)

    open_page(page, out / "units" / "jyj.html", log)
    assert FORMULA in page.inner_text("body")
    print(f"screenshots: {shot} {unit_shot}")
