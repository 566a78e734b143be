"""Review workspace (issue 8): login, roles, unit scoping, CSRF, decisions → rescore, uploads, relink by URL.

The store is the tiny audited district of factories.review (two units on 社会救助), built once per module
and copied for every test; pasted URLs are served by a local 127.0.0.1 server.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import AuditRun, ChannelEvidence, CrawlRun, Finding, Item, Match, ReviewDecision, Score
from auditor.store.models_web import AuditLogEntry, FindingState, WebUser
from auditor.web.app import create_app
from factories.review import build_review_store

NA_ENTRY = "shehui_jiuzhu.jdjc"  # an mzj entry that stays 未公开 in the test store (社会救助 / 监督检查)
INFO: dict = {}  # the test store's review-band match: id, entry, title, item, count

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"

DETAIL = """<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<table class="xxgk"><tr><td>索引号：</td><td>113301/2026-00012</td><td>发布机构：</td><td>云溪区东城街道办事处</td></tr>
<tr><td>成文日期：</td><td>2026-10-09</td><td>发布日期：</td><td>2026-10-12</td></tr></table>
<h1>{title}</h1><div class="content"><p>为加强社会救助资金监管，街道对辖区社会救助工作开展监督检查，现将有关情况通报如下。</p>
<p>一、检查范围。二、发现问题。三、整改要求。</p></div></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, bytes, float]] = {}
    redirects: dict[str, str] = {}
    dripped: dict[str, int] = {}  # path -> bytes a drip handler managed to send before the client hung up

    def do_GET(self) -> None:  # http.server naming
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/drip"):
            return self._drip()
        status, body, delay = self.pages.get(self.path, (404, b"not found", 0.0))
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _drip(self) -> None:
        """One byte every 0.5 s for 30 s: of the body (/drip-body) or of the status line and headers."""
        body = DETAIL.format(title="滴").encode()[:60]
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 60\r\n\r\n"
        data = body if self.path == "/drip-body" else head + body
        sent = 0
        try:
            if self.path == "/drip-body":
                self.wfile.write(head)
                self.wfile.flush()
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                sent += 1
                self.dripped[self.path] = sent
                time.sleep(0.5)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        self.close_connection = True

    def log_message(self, *args) -> None:
        pass


class _Secret(BaseHTTPRequestHandler):
    """Something on the workspace's own machine that must never be reachable through it."""

    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        body = "<html><head><title>内网机密页面</title></head><body><h1>内网机密页面</h1></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def secret():
    """A second loopback server (another port): the SSRF target."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Secret)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def pages(secret):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/"
    _Pages.pages = {
        "/dcjd/shjz/art/7.html": (200, DETAIL.format(title="东城街道社会救助监督检查情况通报").encode(), 0.0),
        **{f"/mzj/shjz/art/{n}.html": (200, DETAIL.format(title="修订后的标题").encode(), 0.0) for n in range(1, 9)},
        "/big.html": (200, b"<html><body>" + b"x" * (300 * 1024) + b"</body></html>", 0.0),
        "/slow.html": (200, DETAIL.format(title="慢").encode(), 3.0),
    }
    _Pages.redirects = {"/to-secret": f"http://127.0.0.1:{secret}/",
                        "/to-localhost": f"http://localhost:{secret}/x",
                        "/to-decimal": f"http://2130706433:{secret}/",
                        "/to-file": "file:///etc/passwd"}
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def catalog():
    from auditor.catalog.loader import load_catalog

    return load_catalog()


@pytest.fixture(scope="module")
def template_store(tmp_path_factory, pages, catalog):
    folder = tmp_path_factory.mktemp("review-template")
    store = build_review_store(folder, site=pages, catalog=catalog)
    with store.factory() as s:
        count = len(list(s.scalars(select(Match).where(Match.audit_run_id == store.audit_run_id,
                                                       Match.decision == "review"))))
        assert s.scalar(select(Finding).where(Finding.unit_id == "mzj", Finding.entry_id == NA_ENTRY,
                                              Finding.rule == "missing")) is not None
    INFO.update(match_id=store.review_match_id, entry=store.review_entry_id, title=store.review_title,
                item=store.review_item_id, count=count)
    assert store.review_entry_id != NA_ENTRY
    store.factory.kw["bind"].dispose()  # checkpoint the WAL so the file can be copied
    return folder / "review.db"


@pytest.fixture()
def env(tmp_path, template_store, catalog, pages):
    shutil.copy(template_store, tmp_path / "review.db")
    factory = open_db(resolve_db_url(str(tmp_path / "review.db")))
    # TEST_FETCH_ALLOW is the test-only exception to the workspace's outbound-fetch rule (no loopback or
    # private addresses): exactly the pages server, not the rest of 127.0.0.1
    app = create_app(factory=factory, data_dir=tmp_path / "data", secret_key="test-secret", catalog=catalog,
                     fetch_max_bytes=200 * 1024, fetch_timeout=1.0, max_upload_bytes=64 * 1024,
                     test_fetch_allow=[("127.0.0.1", int(pages.rstrip("/").rsplit(":", 1)[1]))])
    app.testing = True
    yield app, factory, tmp_path
    factory.kw["bind"].dispose()


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


class Browser:
    """A logged-in test client that knows its CSRF token."""

    def __init__(self, app, username: str, password: str) -> None:
        self.client = app.test_client()
        page = self.client.get("/login")
        r = self.client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(page.text)})
        assert r.status_code == 302, r.text
        self.token = _csrf(self.client.get("/queue").text)

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token
        return self.client.post(url, data=data, **kw)


def _one(factory, model, *where):
    with factory() as s:
        return s.scalar(select(model).where(*where))


def _all(factory, model, *where):
    with factory() as s:
        return list(s.scalars(select(model).where(*where)))


def _latest(factory) -> int:
    with factory() as s:
        return s.scalar(select(AuditRun.id).where(AuditRun.status == "complete").order_by(AuditRun.id.desc()))


def _finding(factory, unit: str, entry: str, rule: str = "missing", run: int | None = None) -> Finding | None:
    run = run or _latest(factory)
    return _one(factory, Finding, Finding.audit_run_id == run, Finding.unit_id == unit, Finding.entry_id == entry,
                Finding.rule == rule)


def _overall(factory, unit: str) -> float:
    return _one(factory, Score, Score.audit_run_id == _latest(factory), Score.unit_id == unit,
                Score.domain.is_(None), Score.dimension.is_(None)).score


def _review_match(factory) -> Match:
    return _one(factory, Match, Match.id == INFO["match_id"])


# ---------------------------------------------------------------------------- login, sessions, CSRF
def test_pages_need_login_and_passwords_are_argon2_hashed(env):
    app, factory, _ = env
    client = app.test_client()
    r = client.get("/queue")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get("/units/mzj/export.csv").status_code == 302
    user = _one(factory, WebUser, WebUser.username == "mzj")
    assert user.password_hash.startswith("$argon2id$") and "mzj-demo" not in user.password_hash
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.text
    bad = client.post("/login", data={"username": "mzj", "password": "wrong-password", "csrf_token": _csrf(page.text)})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    nobody = client.post("/login", data={"username": "ghost", "password": "x", "csrf_token": _csrf(page.text)})
    assert nobody.status_code == 401 and "用户名或密码错误" in nobody.text


def test_login_without_csrf_token_is_refused(env):
    app, _, _ = env
    client = app.test_client()
    client.get("/login")
    r = client.post("/login", data={"username": "mzj", "password": "mzj-demo"})
    assert r.status_code == 400
    assert client.get("/queue").status_code == 302  # still logged out


def test_login_redirect_stays_on_this_site(env):
    app, _, _ = env
    client = app.test_client()
    page = client.get("/login")
    r = client.post("/login?next=//evil.example/x", data={"username": "eval", "password": "eval-demo",
                                                            "csrf_token": _csrf(page.text)})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_every_post_without_the_csrf_token_is_refused(env):
    app, factory, _ = env
    b = Browser(app, "mzj", "mzj-demo")
    match = _review_match(factory)
    cases = [
        (f"/matches/{match.id}/decide", {"action": "confirm"}),
        ("/units/mzj/not-applicable", {"entry_id": NA_ENTRY, "reason": "本单位无此事项"}),
        ("/units/mzj/relink-url", {"entry_id": NA_ENTRY, "url": "http://127.0.0.1:9/"}),
        ("/logout", {}),
    ]
    for url, data in cases:
        assert b.post(url, data, csrf=False).status_code == 400, url
        assert b.post(url, {**data, "csrf_token": "forged"}, csrf=False).status_code == 400, url
    r = b.post("/units/mzj/evidence", {"entry_id": NA_ENTRY, "channel_code": "SVC_CENTER",
                                       "file": (__import__("io").BytesIO(PNG), "a.png")}, csrf=False,
               content_type="multipart/form-data")
    assert r.status_code == 400
    assert _all(factory, ReviewDecision) == [] and _all(factory, ChannelEvidence) == []
    assert b.get("/queue").status_code == 200  # the refused logout did not log out


def test_session_expires_when_idle(env):
    app, _, _ = env
    b = Browser(app, "mzj", "mzj-demo")
    assert b.get("/units/mzj").status_code == 200
    with b.client.session_transaction() as sess:
        sess["seen"] = time.time() - app.config["SESSION_IDLE_SECONDS"] - 5
    r = b.get("/units/mzj")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert b.get("/units/mzj").status_code == 302  # the session is gone, not just this request


def test_session_has_a_maximum_age(env):
    app, _, _ = env
    b = Browser(app, "eval", "eval-demo")
    with b.client.session_transaction() as sess:
        sess["t0"] = time.time() - app.config["SESSION_MAX_SECONDS"] - 5
    assert b.get("/").status_code == 302


# ---------------------------------------------------------------------------- roles and unit scoping
def test_staff_see_only_their_unit(env):
    app, factory, _ = env
    b = Browser(app, "dcjd", "dcjd-demo")
    home = b.get("/")
    assert home.status_code == 200 and "云溪区东城街道办事处 · 待办事项" in home.text and "云溪区民政局" not in home.text
    queue = b.get("/queue").text
    assert "dcjd" in queue and ">mzj<" not in queue
    assert b.get("/matches").text.count('data-match="') == 0  # the review-band match is mzj's
    evaluator = Browser(app, "eval", "eval-demo")
    text = evaluator.get("/queue").text
    assert ">mzj<" in text and ">dcjd<" in text
    assert evaluator.get("/matches").text.count('data-match="') == INFO["count"] > 0
    assert "云溪区东城街道办事处" in evaluator.get("/").text


def test_cross_unit_reads_and_writes_are_refused(env):
    import io

    app, factory, tmp = env
    owner = Browser(app, "mzj", "mzj-demo")
    r = owner.post("/units/mzj/evidence", {"entry_id": NA_ENTRY, "channel_code": "SVC_CENTER",
                                           "file": (io.BytesIO(PNG), "photo.png")}, content_type="multipart/form-data")
    assert r.status_code == 302
    evidence = _one(factory, ChannelEvidence, ChannelEvidence.unit_id == "mzj")
    log_id = _one(factory, AuditLogEntry, AuditLogEntry.action == "evidence").id
    finding = _finding(factory, "mzj", NA_ENTRY)
    match = _review_match(factory)

    other = Browser(app, "dcjd", "dcjd-demo")
    reads = ["/units/mzj", f"/findings/{finding.id}", f"/matches/{match.id}", f"/evidence/{evidence.id}",
             "/units/mzj/export.csv", "/units/mzj/scorecard", "/queue?unit=mzj", "/matches?unit=mzj", "/log?unit=mzj",
             "/units/nosuchunit"]
    for url in reads:
        r = other.get(url)
        assert r.status_code == 403, url
        assert INFO["title"] not in r.text
    files_before = sorted((tmp / "data").rglob("*"))
    writes = [
        (f"/matches/{match.id}/decide", {"action": "confirm"}),
        (f"/matches/{match.id}/decide", {"action": "relink", "entry_id": NA_ENTRY}),
        (f"/matches/{match.id}/refetch", {}),
        ("/units/mzj/not-applicable", {"entry_id": NA_ENTRY, "reason": "无"}),
        ("/units/mzj/relink-url", {"entry_id": NA_ENTRY, "url": "http://127.0.0.1:9/x.html"}),
        (f"/findings/{finding.id}/state", {"state": "contested", "note": "不服"}),
        (f"/log/{log_id}/undo", {}),
        ("/rescore", {}),
        ("/admin/users", {"username": "x", "password": "longenough", "role": "admin"}),
    ]
    for url, data in writes:
        assert other.post(url, data).status_code == 403, url
    r = other.post("/units/mzj/evidence", {"entry_id": NA_ENTRY, "channel_code": "SVC_CENTER",
                                           "file": (io.BytesIO(PNG), "p.png")}, content_type="multipart/form-data")
    assert r.status_code == 403
    assert sorted((tmp / "data").rglob("*")) == files_before
    assert _all(factory, ReviewDecision) == []
    assert _one(factory, ChannelEvidence, ChannelEvidence.id == evidence.id).active
    assert _all(factory, FindingState) == []
    assert _one(factory, WebUser, WebUser.username == "x") is None


def test_staff_cannot_adjudicate_or_rescore_and_only_admin_manages_accounts(env):
    app, factory, _ = env
    staff = Browser(app, "mzj", "mzj-demo")
    f = _finding(factory, "mzj", NA_ENTRY)
    assert staff.post(f"/findings/{f.id}/state", {"state": "contested", "note": "已在公开查阅点公开"}).status_code == 302
    assert staff.post(f"/findings/{f.id}/state", {"state": "approved", "note": "ok"}).status_code == 403
    assert staff.post("/rescore").status_code == 403
    evaluator = Browser(app, "eval", "eval-demo")
    assert evaluator.get("/admin/users").status_code == 403
    admin = Browser(app, "admin", "admin-demo")
    r = admin.post("/admin/users", {"username": "zhangsan", "password": "short", "role": "staff", "unit_id": "mzj"})
    assert r.status_code == 400
    r = admin.post("/admin/users", {"username": "zhangsan", "password": "a-long-password", "role": "staff",
                                    "unit_id": "mzj"})
    assert r.status_code == 302
    assert "云溪区民政局 · 待办事项" in Browser(app, "zhangsan", "a-long-password").get("/").text


# ---------------------------------------------------------------------------- decisions feed the next score
def test_confirm_and_not_applicable_change_the_next_score_and_undo_reverts(env):
    app, factory, _ = env
    first_run = _latest(factory)
    before = _overall(factory, "mzj")
    assert _finding(factory, "mzj", INFO["entry"]) is not None
    assert _finding(factory, "mzj", NA_ENTRY) is not None
    staff = Browser(app, "mzj", "mzj-demo")
    match = _review_match(factory)
    assert INFO["title"] in staff.get(f"/matches/{match.id}").text
    assert staff.post(f"/matches/{match.id}/decide", {"action": "confirm", "reason": "标题即该事项"}).status_code == 302
    assert staff.post("/units/mzj/not-applicable", {"entry_id": NA_ENTRY, "reason": ""}).status_code == 400
    r = staff.post("/units/mzj/not-applicable", {"entry_id": NA_ENTRY, "reason": "本局未开展此类监督检查"})
    assert r.status_code == 302
    assert staff.post("/units/mzj/not-applicable", {"entry_id": "no.such.entry", "reason": "x"}).status_code == 400
    decisions = _all(factory, ReviewDecision, ReviewDecision.active.is_(True))
    assert {(d.action, d.entry_id, d.actor) for d in decisions} == {
        ("confirm", INFO["entry"], "mzj"), ("not_applicable", NA_ENTRY, "mzj")}
    logged = _all(factory, AuditLogEntry, AuditLogEntry.action.in_(("confirm", "not_applicable")))
    assert len(logged) == 2 and all(e.actor == "mzj" and e.at and e.after.get("active") for e in logged)

    evaluator = Browser(app, "eval", "eval-demo")
    r = evaluator.post("/rescore")
    assert r.status_code == 200 and "重新评分完成" in r.text
    second = _latest(factory)
    assert second > first_run
    with factory() as s:
        run = s.get(AuditRun, second)
        assert run.as_of == s.get(AuditRun, first_run).as_of
        m = s.scalar(select(Match).where(Match.audit_run_id == second, Match.item_id == match.item_id))
        assert m.decision == "confirmed" and m.entry_id == INFO["entry"]
    assert _finding(factory, "mzj", INFO["entry"]) is None
    assert _finding(factory, "mzj", NA_ENTRY) is None
    after = _overall(factory, "mzj")
    assert after > before

    # undo the 无 declaration: the decision goes inactive, the undo is logged, and the next score counts it again
    log_entry = _one(factory, AuditLogEntry, AuditLogEntry.action == "not_applicable")
    assert staff.post(f"/log/{log_entry.id}/undo").status_code == 302
    assert staff.post(f"/log/{log_entry.id}/undo").status_code == 400  # only once
    na = _one(factory, ReviewDecision, ReviewDecision.action == "not_applicable")
    assert na.active is False
    undo = _one(factory, AuditLogEntry, AuditLogEntry.action == "undo")
    assert undo.after["undoes"] == log_entry.id and undo.before["active"] is True and undo.after["active"] is False
    evaluator.post("/rescore")
    assert _finding(factory, "mzj", NA_ENTRY) is not None
    assert _finding(factory, "mzj", INFO["entry"]) is None  # the confirmation still holds
    assert _overall(factory, "mzj") < after


def test_reject_then_relink_supersede_and_undo_restores(env):
    app, factory, _ = env
    staff = Browser(app, "mzj", "mzj-demo")
    match = _review_match(factory)
    staff.post(f"/matches/{match.id}/decide", {"action": "reject"})
    assert staff.post(f"/matches/{match.id}/decide", {"action": "relink", "entry_id": "not.mine"}).status_code == 400
    staff.post(f"/matches/{match.id}/decide", {"action": "relink", "entry_id": "shehui_jiuzhu.lsjz_bszn"})
    active = _all(factory, ReviewDecision, ReviewDecision.active.is_(True))
    assert [(d.action, d.entry_id) for d in active] == [("relink", "shehui_jiuzhu.lsjz_bszn")]
    relink_log = _one(factory, AuditLogEntry, AuditLogEntry.action == "relink")
    staff.post(f"/log/{relink_log.id}/undo")
    active = _all(factory, ReviewDecision, ReviewDecision.active.is_(True))
    assert [(d.action, d.entry_id) for d in active] == [("reject", INFO["entry"])]


def test_finding_state_workflow_survives_rescoring(env):
    app, factory, _ = env
    staff = Browser(app, "dcjd", "dcjd-demo")
    f = _finding(factory, "dcjd", NA_ENTRY)
    assert staff.post(f"/findings/{f.id}/state", {"state": "fixed", "note": ""}).status_code == 400
    assert staff.post(f"/findings/{f.id}/state", {"state": "fixed", "note": "已补充公开"}).status_code == 302
    evaluator = Browser(app, "eval", "eval-demo")
    assert evaluator.post(f"/findings/{f.id}/state", {"state": "rejected", "note": "未见页面"}).status_code == 302
    assert staff.post(f"/findings/{f.id}/state", {"state": "contested", "note": "见公示栏"}).status_code == 302
    assert evaluator.post(f"/findings/{f.id}/state", {"state": "approved", "note": "同意"}).status_code == 302
    assert evaluator.post(f"/findings/{f.id}/state", {"state": "fixed", "note": "x"}).status_code == 400
    st = _one(factory, FindingState, FindingState.unit_id == "dcjd", FindingState.finding_key == f.key)
    assert st.state == "approved"
    states = [(e.before["state"], e.after["state"]) for e in
              _all(factory, AuditLogEntry, AuditLogEntry.action == "finding_state")]
    assert states == [("open", "fixed"), ("fixed", "rejected"), ("rejected", "contested"), ("contested", "approved")]
    # staff may not undo the evaluator's ruling
    ruling = _all(factory, AuditLogEntry, AuditLogEntry.action == "finding_state")[-1]
    assert staff.post(f"/log/{ruling.id}/undo").status_code == 403
    evaluator.post("/rescore")
    again = _finding(factory, "dcjd", NA_ENTRY)
    assert again.id != f.id and again.key == f.key
    page = staff.get(f"/findings/{again.id}")
    assert 'id="finding-state">复核通过<' in page.text
    assert "复核通过" in staff.get("/queue?state=approved").text
    open_rows = staff.get("/queue?state=open").text
    assert f"/findings/{again.id}\"" not in open_rows


def test_queues_filter_by_kind_domain_and_state(env):
    app, factory, _ = env
    evaluator = Browser(app, "eval", "eval-demo")
    missing = evaluator.get("/queue?kind=missing&unit=mzj").text
    assert missing.count("/findings/") == len(_all(factory, Finding, Finding.unit_id == "mzj",
                                                   Finding.rule == "missing", Finding.status == "defect"))
    assert evaluator.get("/queue?kind=missing&domain=义务教育").text.count("/findings/") == 0
    assert evaluator.get("/queue?kind=bogus").status_code == 400
    assert evaluator.get("/matches?state=pending").text.count('data-match="') == INFO["count"]
    assert evaluator.get("/matches?state=decided").text.count('data-match="') == 0


def test_crawled_text_is_escaped(env):
    app, factory, _ = env
    match = _review_match(factory)
    with factory() as s:
        s.get(Item, match.item_id).title = "<script>alert(1)</script>"
        s.commit()
    page = Browser(app, "mzj", "mzj-demo").get(f"/matches/{match.id}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


# ---------------------------------------------------------------------------- uploads
def test_evidence_upload_is_sniffed_capped_stored_under_a_generated_name(env):
    import io

    app, factory, tmp = env
    staff = Browser(app, "mzj", "mzj-demo")

    def upload(data: bytes, name: str, channel: str = "SVC_CENTER"):
        return staff.post("/units/mzj/evidence", {"entry_id": NA_ENTRY, "channel_code": channel,
                                                  "description": "公示栏照片", "file": (io.BytesIO(data), name)},
                          content_type="multipart/form-data")

    for data, name in ((PNG, "公示栏.png"), (JPEG, "photo.jpg"), (PDF, "scan.pdf")):
        assert upload(data, name).status_code == 302, name
    assert upload(b"<html>not an image</html>", "fake.png").status_code == 400
    assert upload(b"MZ\x90\x00" + b"\x00" * 50, "evil.pdf").status_code == 400
    assert upload(PNG + b"\x00" * (64 * 1024), "big.png").status_code == 413
    assert upload(PNG, "photo.png", channel="NOPE").status_code == 400
    for name in ("../../../escape.png", "..\\..\\escape.png", "/etc/passwd"):
        assert upload(PNG, name).status_code == 400, name
    assert not list(tmp.rglob("escape.png")) and not (tmp.parent / "escape.png").exists()
    rows = _all(factory, ChannelEvidence)
    assert [r.mime_type for r in rows] == ["image/png", "image/jpeg", "application/pdf"]
    stored = sorted(p.name for p in (tmp / "data" / "evidence").iterdir())
    assert len(stored) == 3
    for p in stored:
        assert re.fullmatch(r"[0-9a-f]{32}\.(png|jpg|pdf)", p)
    assert all("公示栏" not in (r.file_path or "") for r in rows)
    r = staff.get(f"/evidence/{rows[0].id}")
    assert r.status_code == 200 and r.data == PNG and "attachment" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert staff.get("/evidence/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert staff.get("/evidence/999").status_code == 404
    # undo withdraws the evidence
    log_entry = _all(factory, AuditLogEntry, AuditLogEntry.action == "evidence")[0]
    staff.post(f"/log/{log_entry.id}/undo")
    assert _one(factory, ChannelEvidence, ChannelEvidence.id == rows[0].id).active is False


# ---------------------------------------------------------------------------- relink by URL, re-fetch
def test_relink_by_pasted_url_stores_the_item_and_counts_at_the_next_score(env, pages):
    app, factory, _ = env
    assert _finding(factory, "dcjd", NA_ENTRY) is not None
    staff = Browser(app, "dcjd", "dcjd-demo")
    url = pages + "dcjd/shjz/art/7.html"
    r = staff.post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": url})
    assert r.status_code == 302, r.text
    item = _one(factory, Item, Item.canonical_url == url)
    assert item.title == "东城街道社会救助监督检查情况通报"
    assert str(item.publish_date) == "2026-10-12"
    d = _one(factory, ReviewDecision, ReviewDecision.action == "relink")
    assert (d.unit_id, d.item_id, d.entry_id, d.active) == ("dcjd", item.id, NA_ENTRY, True)
    assert _one(factory, AuditLogEntry, AuditLogEntry.action == "relink").after["url"] == url
    Browser(app, "eval", "eval-demo").post("/rescore")
    assert _finding(factory, "dcjd", NA_ENTRY) is None
    m = _one(factory, Match, Match.audit_run_id == _latest(factory), Match.item_id == item.id)
    assert m.decision == "confirmed" and m.entry_id == NA_ENTRY


@pytest.mark.parametrize("path, message", [("big.html", "页面过大"), ("slow.html", "无法获取页面"),
                                           ("missing.html", "HTTP 404")])
def test_relink_fetch_is_capped_and_times_out(env, pages, path, message):
    app, factory, _ = env
    staff = Browser(app, "dcjd", "dcjd-demo")
    r = staff.post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": pages + path})
    assert r.status_code == 400 and message in r.text
    assert _all(factory, ReviewDecision) == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)", "",
                                 "http://example.gov.cn/\r\nHost: 127.0.0.1", "http://example.gov.cn:99999/",
                                 "gopher://127.0.0.1:6379/_INFO"])
def test_relink_only_fetches_http(env, url):
    app, factory, _ = env
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": url})
    assert r.status_code == 400
    assert _all(factory, ReviewDecision) == []


def test_refetch_re_extracts_the_matched_item(env):
    app, factory, _ = env
    match = _review_match(factory)
    staff = Browser(app, "mzj", "mzj-demo")
    assert staff.post(f"/matches/{match.id}/refetch").status_code == 302
    item = _one(factory, Item, Item.id == match.item_id)
    assert item.title == "修订后的标题" and str(item.publish_date) == "2026-10-12"
    entry = _one(factory, AuditLogEntry, AuditLogEntry.action == "refetch")
    assert entry.before["title"] == INFO["title"] and entry.after["title"] == item.title


# ---------------------------------------------------------------------------- exports, scorecard, CLI
def test_export_and_scorecard_of_own_unit(env):
    app, factory, _ = env
    staff = Browser(app, "mzj", "mzj-demo")
    r = staff.get("/units/mzj/export.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.data.decode("utf-8-sig")
    assert "未公开" in text and "dcjd" not in text
    card = staff.get("/units/mzj/scorecard")
    assert card.status_code == 200 and "云溪区民政局" in card.text


def test_serve_command_defaults_to_localhost():
    from auditor.cli import build_parser

    args = build_parser().parse_args(["--db", "x.db", "serve"])
    assert args.host == "127.0.0.1" and args.port == 8000 and args.db == "x.db"
    args = build_parser().parse_args(["serve", "--port", "8123", "--db", "y.db"])
    assert args.port == 8123 and args.db == "y.db"


def test_rescore_while_a_crawl_is_under_way_rejudges_the_crawl_the_last_audit_used(env):
    """"按最新决定重新评分" re-judges decisions: a crawl running (or broken off) since does not block it, and its
    half-read columns are not used."""
    app, factory, _ = env
    first = _latest(factory)
    with factory() as s:
        used = s.get(AuditRun, first).summary["crawl_runs"]
        s.add(CrawlRun(started_at=datetime(2026, 11, 21, 1), status="running", stats={}))
        s.commit()
    r = Browser(app, "eval", "eval-demo").post("/rescore")
    assert r.status_code == 200 and "重新评分完成" in r.text
    with factory() as s:
        run = s.get(AuditRun, _latest(factory))
        assert run.id > first and run.summary["crawl_runs"] == used and not run.summary["incomplete_crawl_runs"]


# ---------------------------------------------------------------------------- hostile: one unit against another
def test_pasting_another_units_url_is_refused_naming_the_owner(env, pages):
    app, factory, _ = env
    url = pages + "mzj/shjz/art/1.html"  # an item mzj's column lists; the page now says 修订后的标题
    before = _one(factory, Item, Item.canonical_url == url)
    listings = _listings(factory, before.id)
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": url})
    assert r.status_code == 403 and "云溪区民政局" in r.text and "(mzj)" in r.text
    after = _one(factory, Item, Item.id == before.id)
    assert (after.title, after.publish_date, after.body_hash) == (before.title, before.publish_date, before.body_hash)
    assert _listings(factory, before.id) == listings
    assert _all(factory, ReviewDecision) == []


def test_pasting_a_url_that_redirects_to_another_units_item_is_refused(env, pages):
    app, factory, _ = env
    target = pages + "mzj/shjz/art/2.html"
    _Pages.redirects["/moved-to-mzj"] = target
    before = _one(factory, Item, Item.canonical_url == target)
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url",
                                               {"entry_id": NA_ENTRY, "url": pages + "moved-to-mzj"})
    assert r.status_code == 403 and "云溪区民政局" in r.text
    assert _one(factory, Item, Item.id == before.id).title == before.title
    assert _all(factory, ReviewDecision) == []


def test_an_item_shared_with_another_unit_is_linked_but_not_rewritten(env, pages):
    """mzj's item also listed on dcjd's column: dcjd may link it (its own decision), never re-extract it."""
    from auditor.store.models import Channel, ItemListing

    app, factory, _ = env
    with factory() as s:
        item = s.scalar(select(Item).where(Item.id != INFO["item"]).order_by(Item.id))
        url = item.canonical_url
        dcjd_col = s.scalar(select(Channel).where(Channel.unit_id == "dcjd"))
        s.add(ItemListing(item_id=item.id, channel_id=dcjd_col.id))
        s.commit()
        title = item.title
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": url})
    assert r.status_code == 302, r.text
    assert _one(factory, Item, Item.canonical_url == url).title == title  # not 修订后的标题
    d = _one(factory, ReviewDecision, ReviewDecision.action == "relink")
    assert (d.unit_id, d.entry_id) == ("dcjd", NA_ENTRY)
    # and refetching it from mzj's side is an evaluator's job, not mzj staff's
    match = _review_match(factory)
    with factory() as s:
        s.add(ItemListing(item_id=match.item_id, channel_id=dcjd_col.id))
        s.commit()
    r = Browser(app, "mzj", "mzj-demo").post(f"/matches/{match.id}/refetch")
    assert r.status_code == 403 and "云溪区东城街道办事处" in r.text
    assert _one(factory, Item, Item.id == match.item_id).title == INFO["title"]
    assert Browser(app, "eval", "eval-demo").post(f"/matches/{match.id}/refetch").status_code == 302


def _listings(factory, item_id: int) -> list[tuple[int, int]]:
    from auditor.store.models import ItemListing

    with factory() as s:
        return sorted((r.item_id, r.channel_id) for r in s.scalars(select(ItemListing).where(
            ItemListing.item_id == item_id)))


# ---------------------------------------------------------------------------- hostile: the workspace against its network
SSRF_TARGETS = [
    "http://127.0.0.1:{secret}/", "http://[::1]:{secret}/", "http://2130706433:{secret}/",
    "http://0177.0.0.1:{secret}/", "http://0x7f.0.0.1:{secret}/", "http://127.1:{secret}/",
    "http://localhost:{secret}/", "http://[::ffff:127.0.0.1]:{secret}/", "http://0.0.0.0:{secret}/",
    "http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/", "http://[fe80::1]/", "http://[fc00::1]/", "http://240.0.0.1/", "http://224.0.0.1/",
]


@pytest.mark.parametrize("template", SSRF_TARGETS)
def test_pasted_url_to_an_inside_address_is_refused(env, secret, template):
    app, factory, _ = env
    hits = _Secret.hits
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url",
                                               {"entry_id": NA_ENTRY, "url": template.format(secret=secret)})
    assert r.status_code == 400 and "拒绝访问内网" in r.text, r.text[-500:]
    assert "内网机密页面" not in r.text and _Secret.hits == hits
    assert _all(factory, ReviewDecision) == []


@pytest.mark.parametrize("path, message", [("to-secret", "拒绝访问内网"), ("to-localhost", "拒绝访问内网"),
                                           ("to-decimal", "拒绝访问内网"), ("to-file", "非 http")])
def test_redirect_to_an_inside_address_is_refused(env, pages, path, message):
    app, factory, _ = env
    hits = _Secret.hits
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": pages + path})
    assert r.status_code == 400 and message in r.text
    assert "内网机密页面" not in r.text and _Secret.hits == hits


def test_refetch_of_an_item_on_an_inside_address_is_refused(env, secret):
    app, factory, _ = env
    match = _review_match(factory)
    with factory() as s:
        s.get(Item, match.item_id).canonical_url = f"http://127.0.0.1:{secret}/"
        s.commit()
    hits = _Secret.hits
    r = Browser(app, "mzj", "mzj-demo").post(f"/matches/{match.id}/refetch")
    assert r.status_code == 400 and "拒绝访问内网" in r.text and _Secret.hits == hits
    assert _one(factory, Item, Item.id == match.item_id).title == INFO["title"]


def test_without_the_test_setting_even_the_test_server_is_refused(tmp_path, template_store, catalog, pages):
    """Production has no TEST_FETCH_ALLOW: the pages server on 127.0.0.1 is an inside address like any other."""
    shutil.copy(template_store, tmp_path / "review.db")
    factory = open_db(resolve_db_url(str(tmp_path / "review.db")))
    app = create_app(factory=factory, data_dir=tmp_path / "data", secret_key="s", catalog=catalog)
    assert not app.config.get("TEST_FETCH_ALLOW")
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url",
                                               {"entry_id": NA_ENTRY, "url": pages + "dcjd/shjz/art/7.html"})
    assert r.status_code == 400 and "拒绝访问内网" in r.text
    factory.kw["bind"].dispose()


@pytest.mark.parametrize("path", ["drip-body", "drip-head"])
def test_a_server_dripping_one_byte_every_half_second_hits_the_total_time_cap(env, pages, path):
    """fetch_timeout is 1 s for the whole fetch: a per-read timeout would wait out all 60 bytes (30 s)."""
    app, factory, _ = env
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": pages + path})
    assert r.status_code == 400 and "总时限" in r.text
    assert _Pages.dripped.get("/" + path, 0) < 30
    assert _all(factory, ReviewDecision) == []


def test_an_over_long_pasted_url_is_refused_not_cut(env, pages):
    app, factory, _ = env
    url = pages + "dcjd/shjz/art/7.html?" + "a" * 1200
    r = Browser(app, "dcjd", "dcjd-demo").post("/units/dcjd/relink-url", {"entry_id": NA_ENTRY, "url": url})
    assert r.status_code == 400 and "网址过长" in r.text
    assert _all(factory, ReviewDecision) == [] and _one(factory, Item, Item.canonical_url.like("%art/7.html%")) is None


# ---------------------------------------------------------------------------- hostile: sessions, login, next, ids
def _cookie(b: Browser) -> str:
    return b.client.get_cookie("auditor_review").value


def _with_cookie(app, value: str):  # a second client replaying a saved cookie
    c = app.test_client()
    c.set_cookie("auditor_review", value)
    return c


def test_a_cookie_saved_before_logout_no_longer_works(env):
    app, factory, _ = env
    b = Browser(app, "mzj", "mzj-demo")
    saved, token = _cookie(b), b.token
    assert _with_cookie(app, saved).get("/units/mzj").status_code == 200
    assert b.post("/logout").status_code == 302
    replay = _with_cookie(app, saved)
    r = replay.get("/units/mzj")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    match = _review_match(factory)
    r = _with_cookie(app, saved).post(f"/matches/{match.id}/decide", data={"action": "confirm", "csrf_token": token})
    assert r.status_code in (400, 401)  # the session (and its CSRF token) is gone
    assert _all(factory, ReviewDecision) == []
    assert _one(factory, AuditLogEntry, AuditLogEntry.action == "logout").actor == "mzj"


def test_logout_ends_every_session_of_the_account(env):
    app, _, _ = env
    laptop, phone = Browser(app, "mzj", "mzj-demo"), Browser(app, "mzj", "mzj-demo")
    laptop.post("/logout")
    assert phone.get("/units/mzj").status_code == 302


def test_password_reset_and_account_removal_end_every_session(env):
    app, factory, _ = env
    staff, other = Browser(app, "mzj", "mzj-demo"), Browser(app, "dcjd", "dcjd-demo")
    saved = _cookie(staff)
    admin = Browser(app, "admin", "admin-demo")
    r = admin.post("/admin/users", {"username": "mzj", "password": "a-new-password", "role": "staff",
                                    "unit_id": "mzj", "replace": "1"})
    assert r.status_code == 302
    assert staff.get("/units/mzj").status_code == 302 and _with_cookie(app, saved).get("/").status_code == 302
    assert Browser(app, "mzj", "a-new-password").get("/units/mzj").status_code == 200
    dcjd = _one(factory, WebUser, WebUser.username == "dcjd")
    assert other.get("/units/dcjd").status_code == 200
    assert admin.post(f"/admin/users/{dcjd.id}/deactivate").status_code == 302
    assert other.get("/units/dcjd").status_code == 302
    assert not _one(factory, WebUser, WebUser.username == "dcjd").active
    client = app.test_client()
    page = client.get("/login")
    assert client.post("/login", data={"username": "dcjd", "password": "dcjd-demo",
                                       "csrf_token": _csrf(page.text)}).status_code == 401
    assert Browser(app, "eval", "eval-demo").post(f"/admin/users/{dcjd.id}/deactivate").status_code == 403


def _try_login(app, username: str, password: str, address: str = "127.0.0.1"):
    client = app.test_client()
    page = client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(page.text)},
                       environ_base={"REMOTE_ADDR": address})


def test_login_is_throttled_per_account_and_logged(env):
    app, factory, _ = env
    for n in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        assert _try_login(app, "mzj", f"guess-{n}", f"10.0.0.{n}").status_code == 401
    r = _try_login(app, "mzj", "mzj-demo", "10.9.9.9")  # the right password, from a fresh address: still refused
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert _try_login(app, "dcjd", "dcjd-demo").status_code == 302  # other accounts are not affected
    failed = _all(factory, AuditLogEntry, AuditLogEntry.action == "login_failed")
    assert len(failed) == 5 and {e.actor for e in failed} == {"mzj"}
    assert {e.after["address"] for e in failed} == {f"10.0.0.{n}" for n in range(5)}
    assert failed[0].unit_id == "mzj"  # the unit's own log shows attempts on its account
    assert _one(factory, AuditLogEntry, AuditLogEntry.action == "login_throttled").after["by"] == "account"
    # after the window the account may try again
    from datetime import timedelta

    from auditor.store.models_web import LoginAttempt

    with factory() as s:
        for a in s.scalars(select(LoginAttempt)):
            a.at -= timedelta(seconds=app.config["LOGIN_WINDOW_SECONDS"] + 1)
        s.commit()
    assert _try_login(app, "mzj", "mzj-demo").status_code == 302


def test_login_is_throttled_per_address(env):
    app, factory, _ = env
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 6
    for n in range(6):  # a different account name each time: the per-account limit never trips
        assert _try_login(app, f"nobody{n}", "x", "203.0.113.7").status_code == 401
    assert _try_login(app, "eval", "eval-demo", "203.0.113.7").status_code == 429
    assert _try_login(app, "eval", "eval-demo", "203.0.113.8").status_code == 302
    assert len(_all(factory, AuditLogEntry, AuditLogEntry.action == "login_failed")) == 6


@pytest.mark.parametrize("nxt", ["//evil.example/x", "/%09/evil.example/path", "/%0A/evil.example", "%0D%0A",
                                 "/%0D%0ASet-Cookie:%20x=1", "\\\\evil.example", "/\\evil.example", "https://evil.example/",
                                 "javascript:alert(1)", "/%5C%5Cevil.example", "%2F%2Fevil.example", "/\x7f/x"])
def test_login_next_accepts_only_paths_on_this_site(env, nxt):
    app, _, _ = env
    client = app.test_client()
    page = client.get("/login")
    r = client.post(f"/login?next={nxt}", data={"username": "eval", "password": "eval-demo",
                                                 "csrf_token": _csrf(page.text)})
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith("//")
                               and "evil" not in location.split("/")[1]), location
    assert "\n" not in location and "\r" not in location and "\t" not in location


def test_login_next_keeps_a_path_on_this_site(env):
    app, _, _ = env
    client = app.test_client()
    page = client.get("/login")
    r = client.post("/login?next=/queue%3Fkind%3Dmissing", data={"username": "eval", "password": "eval-demo",
                                                                  "csrf_token": _csrf(page.text)})
    assert r.headers["Location"] == "/queue?kind=missing"


def test_form_next_after_a_decision_stays_on_this_site(env):
    app, factory, _ = env
    staff = Browser(app, "mzj", "mzj-demo")
    match = _review_match(factory)
    for nxt in ("//evil.example/", "/\t/evil.example", "/\r\nSet-Cookie: a=b", "https://evil.example/"):
        r = staff.post(f"/matches/{match.id}/decide", {"action": "confirm", "next": nxt})
        assert r.status_code == 302 and r.headers["Location"] == f"/matches/{match.id}", nxt


@pytest.mark.parametrize("url, status", [
    ("/findings/99999999999999999999", 404), ("/matches/99999999999999999999", 404),
    ("/evidence/99999999999999999999", 404), ("/findings/999999999999999999", 404), ("/findings/-1", 404),
    ("/findings/1e5", 404), ("/findings/%00", 404), ("/units/%0D%0Ax", 403), ("/queue?unit=%0D%0Ax", 403),
    ("/log?unit=%0D%0ASet-Cookie:x", 403), ("/queue?kind=%0D%0A", 400),
])
def test_bad_ids_and_header_injection_are_4xx_never_500(env, url, status):
    app, _, _ = env
    r = Browser(app, "mzj", "mzj-demo").get(url)
    assert r.status_code == status, (url, r.status_code)
    assert "Set-Cookie: x" not in str(r.headers)


def test_bad_ids_on_posts_are_404(env):
    app, _, _ = env
    staff = Browser(app, "mzj", "mzj-demo")
    for url in ("/findings/99999999999999999999/state", "/matches/99999999999999999999/decide",
                "/log/99999999999999999999/undo", "/matches/18446744073709551616/refetch"):
        assert staff.post(url, {"state": "fixed", "note": "x", "action": "confirm"}).status_code == 404, url


def test_a_forged_session_uid_is_refused(env):
    app, _, _ = env
    b = Browser(app, "mzj", "mzj-demo")
    with b.client.session_transaction() as sess:
        sess["uid"] = "1 OR 1=1"
    assert b.get("/").status_code == 302


def test_secure_cookies_setting_marks_the_cookie_secure(tmp_path, template_store, catalog):
    shutil.copy(template_store, tmp_path / "review.db")
    factory = open_db(resolve_db_url(str(tmp_path / "review.db")))
    app = create_app(factory=factory, data_dir=tmp_path / "data", secret_key="s", catalog=catalog,
                     secure_cookies=True)
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-auditor_review=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "Path=/" in cookie
    plain = create_app(factory=factory, data_dir=tmp_path / "data", secret_key="s", catalog=catalog)
    assert "Secure" not in plain.test_client().get("/login").headers["Set-Cookie"]
    factory.kw["bind"].dispose()


def test_serve_has_a_secure_cookies_option():
    from auditor.cli import build_parser

    assert build_parser().parse_args(["serve", "--secure-cookies"]).secure_cookies is True
    assert build_parser().parse_args(["serve"]).secure_cookies is False


# ---------------------------------------------------------------------------- staff to-do list
def _todo_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li class="todo-item card" data-finding="(\d+)"', html)]


def test_staff_home_is_their_to_do_list_ordered_by_due_date_and_severity(env):
    from auditor.web.actions import SEVERITY_ORDER

    app, factory, _ = env
    page = Browser(app, "mzj", "mzj-demo").get("/")
    assert page.status_code == 200
    ids = _todo_ids(page.text)
    run = _latest(factory)
    with factory() as s:
        expected = list(s.scalars(select(Finding).where(Finding.audit_run_id == run, Finding.unit_id == "mzj",
                                                        Finding.status == "defect")))
        as_of = s.get(AuditRun, run).as_of
    queue_kinds = {"missing", "late", "undated", "channel_gap"}
    expected = [f for f in expected if f.rule in queue_kinds or f.check == "site_health"]
    assert sorted(ids) == sorted(f.id for f in expected) and ids
    by_id = {f.id: f for f in expected}
    keys = [((by_id[i].evidence or {}).get("due_date", as_of.isoformat())[:10],
             SEVERITY_ORDER.get(by_id[i].severity, 1)) for i in ids]
    assert keys == sorted(keys)
    for f in expected:  # each with what to do and its evidence
        assert f.fix and (f.fix.replace("<", "&lt;").replace(">", "&gt;")[:20] in page.text)
    assert page.text.count('<details class="evidence">') == len(ids)
    assert f'data-match="{INFO["match_id"]}"' in page.text and INFO["title"] in page.text
    assert "这是第一次审计" in page.text
    assert "云溪区东城街道办事处" not in page.text  # nothing of the other unit


def test_to_do_list_moves_contested_findings_and_shows_changes_since_the_last_audit(env):
    app, factory, _ = env
    staff = Browser(app, "mzj", "mzj-demo")
    f = _finding(factory, "mzj", NA_ENTRY)
    target = _finding(factory, "mzj", INFO["entry"])
    assert staff.post(f"/findings/{f.id}/state", {"state": "contested", "note": "已在公示栏公开"}).status_code == 302
    match = _review_match(factory)
    assert staff.post(f"/matches/{match.id}/decide", {"action": "confirm"}).status_code == 302
    page = staff.get("/").text
    assert f.id not in _todo_ids(page) and 'id="todo-review"' in page and "申诉中" in page
    assert f'data-match="{match.id}"' not in page  # decided: no longer waiting
    Browser(app, "eval", "eval-demo").post("/rescore")
    page = staff.get("/").text
    resolved = page.split('id="todo-resolved"', 1)[1].split("</ul>", 1)[0]
    assert target.title in resolved
    assert "这是第一次审计" not in page


def test_changing_ones_password_ends_every_other_session(env):
    app, factory, _ = env
    here, elsewhere = Browser(app, "mzj", "mzj-demo"), Browser(app, "mzj", "mzj-demo")
    saved = _cookie(elsewhere)
    r = here.post("/account/password", {"current": "wrong", "new": "a-new-password", "again": "a-new-password"})
    assert r.status_code == 400 and "当前密码不正确" in r.text
    assert elsewhere.get("/units/mzj").status_code == 200  # a refused change ends nothing
    r = here.post("/account/password", {"current": "mzj-demo", "new": "a-new-password", "again": "other-password"})
    assert r.status_code == 400 and "不一致" in r.text
    r = here.post("/account/password", {"current": "mzj-demo", "new": "a-new-password", "again": "a-new-password"})
    assert r.status_code == 200 and 'id="password-done"' in r.text
    assert here.get("/units/mzj").status_code == 200  # this session goes on
    assert elsewhere.get("/units/mzj").status_code == 302 and _with_cookie(app, saved).get("/").status_code == 302
    assert _try_login(app, "mzj", "mzj-demo").status_code == 401
    assert _try_login(app, "mzj", "a-new-password").status_code == 302
    actions = [e.action for e in _all(factory, AuditLogEntry, AuditLogEntry.actor == "mzj")]
    assert "password_failed" in actions and "password" in actions
