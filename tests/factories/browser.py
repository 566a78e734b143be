"""Headless Debian Chromium for the report tests (never a downloaded browser): a page that records console
errors, page errors, dialogs and requests, and a check that a report file loads cleanly and self-contained."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AUDITOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def skip_saying_why(msg: str) -> None:
    print(msg)
    pytest.skip(msg)


def _sync_playwright():
    """Playwright's sync API driving Debian's Chromium; a skip saying what to install when either is missing."""
    if not Path(CHROMIUM).exists():
        skip_saying_why(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_saying_why(f"playwright not installed ({exc}): pip install playwright (the system Chromium is used)")
    return sync_playwright


def launched_chromium():
    """A headless Chromium browser for the workspace tests (each test opens its own contexts)."""
    with _sync_playwright()() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def recording_page(tmp_path: Path):
    """A fresh Chromium page that records console errors, page errors, dialogs and every request."""
    profile = tmp_path / "chromium-profile"
    with _sync_playwright()() as pw:
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


def open_page(page, path: Path, log: dict[str, list[str]]) -> None:
    log["requests"].clear()
    page.goto(path.as_uri(), wait_until="load")
    assert log["console"] == [] and log["errors"] == [] and log["dialogs"] == [], log
    # self-contained: nothing but the file itself is loaded
    assert [u for u in log["requests"] if not u.startswith("file://")] == []
