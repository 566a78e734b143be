"""The HTML reports in a real browser: Debian's headless Chromium driven by Playwright (never a downloaded
browser). Screenshots are written to a path the test prints. Skips, saying why, only when the Chromium
binary (or the playwright package) is absent; CI installs both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from test_report import FORMULA, HOSTILE, LINK, store  # noqa: F401 - the fixture is used by name

CHROMIUM = os.environ.get("AUDITOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _skip(msg: str) -> None:
    print(msg)
    pytest.skip(msg)


@pytest.fixture()
def browser_page(tmp_path: Path):
    """A fresh Chromium page that records console errors, page errors, dialogs and every request."""
    if not Path(CHROMIUM).exists():
        _skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _skip(f"playwright not installed ({exc}): pip install playwright (the system Chromium is used)")
    profile = tmp_path / "chromium-profile"
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900}, java_script_enabled=True)
        page = ctx.new_page()
        log: dict[str, list[str]] = {"console": [], "errors": [], "dialogs": [], "requests": []}
        page.on("console", lambda m: log["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
                else None)
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
        page.on("request", lambda r: log["requests"].append(r.url))
        try:
            yield page, log
        finally:
            ctx.close()


def _open(page, path: Path, log: dict[str, list[str]]) -> None:  # noqa: ANN001
    log["requests"].clear()
    page.goto(path.as_uri(), wait_until="load")
    assert log["console"] == [] and log["errors"] == [] and log["dialogs"] == [], log
    # self-contained: nothing but the file itself is loaded
    assert [u for u in log["requests"] if not u.startswith("file://")] == []


def test_fixture_reports_in_chromium(store, browser_page, tmp_path: Path) -> None:  # noqa: F811
    from auditor.report.render import render_html

    page, log = browser_page
    out = tmp_path / "html"
    with store() as s:
        render_html(s, 2, out)

    _open(page, out / "index.html", log)
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

    _open(page, out / "units" / "jyj.html", log)
    assert FORMULA in page.inner_text("body")
    print(f"screenshots: {shot} {unit_shot}")
