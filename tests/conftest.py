"""Shared fixtures: where the read-only ../shared material lives, one demo run per session, and the
staging of crashes (a sample site that holds its answers so a crawl can be killed in the middle)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# tests/factories holds the shared builders; its helpers assert too, so their failures are explained like a test's.
pytest.register_assert_rewrite("factories")

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


@pytest.fixture(scope="session", autouse=True)
def crawl_logs_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory):
    """Crawls into a store that is not an SQLite file (PostgreSQL, :memory:) log to ./crawl-logs by default;
    in tests that would be the checkout. Send them to a temporary directory instead (AUDITOR_LOG_DIR)."""
    import os

    before = os.environ.get("AUDITOR_LOG_DIR")
    os.environ["AUDITOR_LOG_DIR"] = str(tmp_path_factory.mktemp("crawl-logs"))
    yield
    if before is None:
        os.environ.pop("AUDITOR_LOG_DIR", None)
    else:
        os.environ["AUDITOR_LOG_DIR"] = before


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: CI must have ../shared beside the checkout")
    return SHARED


@pytest.fixture(scope="module")
def catalog():
    """The shipped national catalog (modules that need another one define their own `catalog`)."""
    from auditor.catalog.loader import load_catalog

    return load_catalog()


@pytest.fixture(scope="module")
def cal():
    """The official working-day calendar."""
    from auditor.catalog.workdays import WorkingCalendar

    return WorkingCalendar()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """The whole demo on the sample district, run once for every test that inspects it."""
    from auditor.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"))




@pytest.fixture()
def served(tmp_path):
    """The review workspace on the tiny audited store of factories.review, served on 127.0.0.1:<free port>."""
    import threading

    from werkzeug.serving import make_server

    from auditor.web.app import create_app
    from factories.review import build_review_store

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
def browser_page(tmp_path: Path):
    """A fresh Chromium page that records console errors, page errors, dialogs and every request (the report
    tests; see factories.browser)."""
    from factories.browser import recording_page

    yield from recording_page(tmp_path)


@pytest.fixture()
def chromium_browser():
    """Headless Debian Chromium driven by Playwright (skipped, and failed under CI's strict skips, without it)."""
    from factories.browser import launched_chromium

    yield from launched_chromium()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # pytest hook
    """In CI (.ci/run sets AUDITOR_STRICT_SKIPS=1) every system tool is installed, so a skip means a
    broken setup: report it as a failure instead of letting it pass silently."""
    import os

    outcome = yield
    report = outcome.get_result()
    if os.environ.get("AUDITOR_STRICT_SKIPS") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under AUDITOR_STRICT_SKIPS=1: {report.longrepr}"


# ---------------------------------------------------------------------------- crash staging
CRASH_ITEMS = 400
CRASH_HOLD_AFTER = 350
CRASH_DEADLINE = 300  # seconds; only a broken test waits this long


def _gated_portal_class():
    from http.server import ThreadingHTTPServer

    from auditor.sample.server import SamplePortal, _handler

    class GatedPortal(SamplePortal):
        """Answers the first `hold_after` requests, then holds every answer until `gate` is set."""

        def __init__(self, plan, hold_after: int) -> None:
            super().__init__(plan)
            self.gate = threading.Event()
            self.hold_after = hold_after
            self.served = 0
            self._count_lock = threading.Lock()

        def _serve(self, key, resolve):
            portal, base = self, _handler(key, resolve, self._log)

            class Gated(base):  # type: ignore[misc, valid-type]
                def _answer(self, method, form=None):
                    with portal._count_lock:
                        portal.served += 1
                        n = portal.served
                    if n > portal.hold_after:
                        portal.gate.wait()
                    return super()._answer(method, form)

            server = ThreadingHTTPServer(("127.0.0.1", 0), Gated)
            server.daemon_threads = True
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
            return f"http://127.0.0.1:{server.server_address[1]}"

        def stop(self) -> None:
            self.gate.set()
            super().stop()

    return GatedPortal


def _crash_plan():
    from datetime import date

    from auditor.sample.plan import DistrictPlan, PlanColumn, PlanItem, PlanSite

    items = [PlanItem(uid=f"k-{i:04d}", title=f"关于第{i}批最低生活保障对象名单的公示",
                      publish_date=date(2026, 3, 1 + i % 20), written_date=date(2026, 2, 26),
                      index_no=f"113301/2026-{i:05d}", publisher="云溪区民政局", doc_no=None, category="社会救助",
                      body="正文。") for i in range(CRASH_ITEMS)]
    return DistrictPlan(sites=[PlanSite(key="mz", name="云溪区民政局", style="static_paging", columns=[
        PlanColumn(key="shjz", name="社会救助", path=["首页", "社会救助"], kind="catalog", items=items)])], feeds=[])


def _crash_registry(portal) -> dict:
    url = portal.urls["mz"]
    return {"district": {"id": "t", "name": "测试区"},
            "sites": [{"id": "mz", "name": "民政局", "url": url + "/", "owner": "mzj"}],
            "units": [{"id": "mzj", "name": "云溪区民政局", "kind": "department", "level": "区级",
                       "domains": {"lead": ["社会救助"]}, "contact": {"email": "mzj@example.gov.cn"},
                       "channels": [{"type": "website", "site": "mz", "columns": [
                           {"name": "社会救助", "url": url + portal.sites["mz"].column_url("shjz"),
                            "domain": "社会救助"}]}]}]}


@dataclass
class CrashKit:
    """What a crash test needs: a gated one-column site (400 items, answers held after 350), its
    registry, a database, and helpers to run and kill the real CLI."""

    portal: object
    reg: Path
    url: str
    factory: object
    cwd: Path
    n_items: int = CRASH_ITEMS
    hold_after: int = CRASH_HOLD_AFTER
    deadline: int = CRASH_DEADLINE

    @staticmethod
    def env() -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.pop("AUDITOR_DB", None)
        return env

    def wait_for(self, condition, what: str) -> None:
        """Poll a condition; the deadline only turns a hang into a failure, it asserts nothing about speed."""
        end = time.monotonic() + self.deadline
        while not condition():
            if time.monotonic() > end:
                pytest.fail(f"gave up waiting for {what}")
            time.sleep(0.1)

    @staticmethod
    def children(pid: int) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """`auditor --db URL ARGS…` run to the end, as a user would."""
        return subprocess.run([sys.executable, "-m", "auditor.cli", "--db", self.url, *args], cwd=self.cwd,
                              env=self.env(), capture_output=True, text=True, timeout=self.deadline)

    def start_cli_crawl(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "auditor.cli", "--db", self.url, "crawl", "--registry",
                                 str(self.reg)], cwd=self.cwd, env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)

    def items_committed(self) -> int:
        from sqlalchemy import func, select

        from auditor.store.models import Item

        with self.factory() as s:
            return s.scalar(select(func.count(Item.id))) or 0

    def kill_crawl_midway(self) -> None:
        """`kill -9` of the CLI crawl and its crawler child once some items are committed and the
        site is holding its answers; then the site answers again."""
        import signal

        proc = self.start_cli_crawl()
        try:
            self.wait_for(lambda: self.portal.served > self.hold_after and self.items_committed() > 0,
                          "a half-done crawl")
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its crawler child: nobody left to finish the run
            proc.wait()
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        self.wait_for(lambda: not self.children(proc.pid), "the crawler child to be gone")
        self.portal.gate.set()


@pytest.fixture
def crash_kit(tmp_path):
    """A gated sample site with its registry and an empty database (see CrashKit)."""
    import yaml

    from auditor.store.db import open_db, resolve_db_url

    portal = _gated_portal_class()(_crash_plan(), CRASH_HOLD_AFTER)
    with portal:
        reg = tmp_path / "registry.yaml"
        reg.write_text(yaml.safe_dump(_crash_registry(portal), allow_unicode=True), encoding="utf-8")
        url = resolve_db_url(str(tmp_path / "crash.db"))
        yield CrashKit(portal=portal, reg=reg, url=url, factory=open_db(url), cwd=tmp_path)


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of the test's own on a free loopback port (distributed crawls, the shared rate bucket)."""
    import shutil
    import socket
    import subprocess
    import time

    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def browser_login():
    """Log a user into the review workspace in a fresh Chromium context: (context, page) on the landing page."""

    def login(browser, base: str, username: str, password: str):  # playwright objects
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("#login")
        page.wait_for_load_state()
        return context, page

    return login
