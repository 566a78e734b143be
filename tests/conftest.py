"""Shared fixtures: where the read-only ../shared material lives, and one demo run per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def fast_loopback_crawls():
    """Crawls in tests hit the loopback sample portal: lift the polite 1 request/s per host default
    (AUDITOR_HOST_RATE, read by auditor/harvest/settings.py in the crawler child). Tests of the rate
    itself pass AUDITOR_HOST_RATE in their crawl settings."""
    import os

    before = os.environ.get("AUDITOR_HOST_RATE")
    os.environ["AUDITOR_HOST_RATE"] = "1000"
    yield
    if before is None:
        os.environ.pop("AUDITOR_HOST_RATE", None)
    else:
        os.environ["AUDITOR_HOST_RATE"] = before


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: CI must have ../shared beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """The whole demo on the sample district, run once for every test that inspects it."""
    from auditor.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"))


CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium, never a downloaded one
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def served(tmp_path):
    """The review workspace on the tiny audited store of auditor.web.testing, served on 127.0.0.1:<free port>."""
    import threading

    from werkzeug.serving import make_server

    from auditor.web.app import create_app
    from auditor.web.testing import build_review_store

    store = build_review_store(tmp_path)
    app = create_app(factory=store.factory, data_dir=tmp_path / "data", secret_key="browser-test")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", store
    server.shutdown()
    server.server_close()
    store.factory.kw["bind"].dispose()


@pytest.fixture()
def chromium_browser():
    """Headless Debian Chromium driven by Playwright (skipped, and failed under CI's strict skips, without it)."""
    import shutil

    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201 - pytest hook
    """In CI (.ci/run sets AUDITOR_STRICT_SKIPS=1) every system tool is installed, so a skip means a
    broken setup: report it as a failure instead of letting it pass silently."""
    import os

    outcome = yield
    report = outcome.get_result()
    if os.environ.get("AUDITOR_STRICT_SKIPS") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under AUDITOR_STRICT_SKIPS=1: {report.longrepr}"
