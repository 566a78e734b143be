"""The real demo output (the session's demo run, shared with the end-to-end test when on the same worker):
the district PDF has one chapter per unit, and every HTML page loads cleanly in headless Chromium.

Both demo-based tests live in this one file so that `pytest -n 2 --dist loadfile` runs them on one worker
and the demo (about a minute and a half) is run once for them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from factories.browser import open_page
from factories.pdf import pdf_text, rasterise, require_pdf_tools, squash


def test_demo_district_pdf(demo_run, tmp_path: Path) -> None:
    """The real demo store: one chapter per unit, every unit's name and score in the PDF."""
    require_pdf_tools()
    from auditor.report.context import build_report_context
    from auditor.report.pdf import write_pdf
    from auditor.store.db import open_db

    factory = open_db(demo_run.db_url)
    with factory() as s:
        ctx = build_report_context(s, demo_run.audit_run_id)
    [district] = write_pdf(ctx, tmp_path)
    pages = pdf_text(district)
    n = len(pages)
    starts = {}
    for u in ctx["units"]:
        hits = [i for i, p in enumerate(pages, 1) if re.match(rf"\s*(\S.*\n)?\s*{re.escape(u['name'])}\s*\n", p)
                and "维度得分" in p]
        assert hits, f"no chapter for {u['name']}"
        starts[u["id"]] = hits[0]
        assert f"{u['score']:.1f}" in pages[hits[0] - 1] if u["score"] is not None else True
    assert len(set(starts.values())) == len(ctx["units"])
    assert "逐条清单见XLSX" in squash("".join(pages))  # matched items are summarised, not listed, by default
    assert n >= len(ctx["units"]) * 2 + 4
    pngs = rasterise(district, tmp_path / "png", dpi=30)
    assert len(pngs) == n
    print(f"demo district PDF: {district}: {n} pages for {len(ctx['units'])} units")


def test_demo_report_in_chromium(demo_run, browser_page, tmp_path: Path) -> None:
    """The demo's own index.html and every scorecard load cleanly; screenshots of the overview and one unit."""
    page, log = browser_page
    out = demo_run.out
    open_page(page, out / "index.html", log)
    body = page.inner_text("body")
    assert "区级部门排名" in body and "乡镇（街道）排名" in body
    units = sorted((out / "units").glob("*.html"))
    assert units
    for unit in units:
        open_page(page, unit, log)
        assert "问题清单与整改建议" in page.inner_text("body")
    shots = Path(os.environ.get("AUDITOR_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    open_page(page, out / "index.html", log)
    page.screenshot(path=str(shots / "demo-index.png"), full_page=True)
    open_page(page, units[0], log)
    page.screenshot(path=str(shots / f"demo-{units[0].stem}.png"), full_page=True)
    assert (shots / "demo-index.png").stat().st_size > 20_000
    print(f"screenshots: {shots / 'demo-index.png'} {shots / f'demo-{units[0].stem}.png'}")
