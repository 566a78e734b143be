"""The real demo output (the session's demo run, shared with the end-to-end test when on the same worker):
the district summary PDF and one PDF per unit, and every HTML page loads cleanly in headless Chromium.

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
    """The real demo store: a district summary ranking every unit, and one scorecard PDF per unit with the
    unit's name and score on its first page."""
    require_pdf_tools()
    from auditor.report.pdf import write_pdf
    from auditor.report.report_context import build_report_context
    from auditor.store.db import open_db

    factory = open_db(demo_run.db_url)
    with factory() as s:
        ctx = build_report_context(s, demo_run.audit_run_id)
    district, *units = write_pdf(ctx, tmp_path)
    assert district.name == f"audit-run-{demo_run.audit_run_id}.pdf"
    assert [p.name for p in units] == [u.page.replace(".html", ".pdf") for u in ctx.units]
    summary = squash("".join(pdf_text(district)))
    for u in ctx.units:
        assert squash(u.name) in summary, f"{u.name} not ranked in the district summary"
    for u, path in zip(ctx.units, units):
        pages = pdf_text(path)
        assert re.match(rf"\s*(\S.*\n)?\s*{re.escape(u.name)}\s*\n", pages[0]) and "维度得分" in pages[0], \
            f"{path.name} does not open with {u.name}'s scorecard"
        assert f"{u.score:.1f}" in pages[0] if u.score is not None else True
        assert "逐条清单见XLSX" in squash("".join(pages))  # matched items are summarised, not listed, by default
    pngs = rasterise(district, tmp_path / "png", dpi=30)
    assert len(pngs) == len(pdf_text(district))
    print(f"demo PDFs: {district} ({len(pngs)} pages) and {len(units)} unit PDFs")


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
