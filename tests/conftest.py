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
