"""Notifications: a webhook (JSON POST to a 127.0.0.1 server) and email (a local aiosmtpd server) to each
unit's registry contact, on new late/missing findings and on crawl failures — once, never twice."""

from __future__ import annotations

import email
import json
import socket
import sys
import threading
from datetime import date
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from auditor.ops.notify import SmtpConfig, notify_run
from auditor.store.models import Finding
from auditor.store.models_ops import OpsNotification

sys.path.insert(0, str(Path(__file__).parent))


class Hooks:
    """A webhook receiver on 127.0.0.1; `status` is what it answers."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.status = 204
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hooks.posts.append({"path": self.path, "type": self.headers["Content-Type"],
                                    "json": json.loads(body.decode("utf-8"))})
                self.send_response(hooks.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def _subject(msg) -> str:
    return str(make_header(decode_header(msg["Subject"])))


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, SmtpConfig(host="127.0.0.1", port=port, sender="auditor@yunxi.example.gov.cn")
    controller.stop()


@pytest.fixture
def hooks():
    h = Hooks()
    yield h
    h.close()


@pytest.fixture
def audited(tmp_path, hooks):
    """factories.crawl's small site: mzj publishes a few items (so it has missing entries), blz's site is down."""
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.sample.server import SamplePortal
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import run_audit
    from auditor.stages import crawl, load_registry_for
    from auditor.store.db import open_db, resolve_db_url
    from factories.crawl import crawl_plan, crawl_registry

    catalog = load_catalog()
    plan = crawl_plan("static_paging", "utf-8")
    url = resolve_db_url(str(tmp_path / "n.db"))
    factory = open_db(url)
    with SamplePortal(plan) as portal:
        reg = crawl_registry(portal, plan)
        reg["units"][0]["contact"] = {"email": "mzj@yunxi.example.gov.cn", "webhook": hooks.url + "/hook/mzj"}
        reg["units"][1]["contact"] = {"email": "blz@yunxi.example.gov.cn"}
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(reg, allow_unicode=True), encoding="utf-8")
        crawl_id = crawl(factory, url, load_registry_for(path, catalog), str(path))

    def audit() -> int:
        with factory() as session:
            return run_audit(session, catalog, load_scheme("default"), WorkingCalendar(), date(2026, 6, 30))

    return factory, crawl_id, audit


def test_new_findings_and_crawl_failures_reach_each_units_contact_once(audited, hooks, smtp):
    factory, crawl_id, audit = audited
    box, cfg = smtp
    audit_id = audit()
    with factory() as s:
        new = list(s.scalars(select(Finding).where(Finding.audit_run_id == audit_id, Finding.lifecycle == "new",
                                                   Finding.status == "defect",
                                                   Finding.rule.in_(("missing", "late")))))
        assert new and {f.unit_id for f in new} == {"mzj"}
        outcome = notify_run(s, audit_run_id=audit_id, crawl_run_id=crawl_id, smtp=cfg)
    assert not outcome.failed
    # webhook: one JSON POST for mzj's findings
    assert [p["path"] for p in hooks.posts] == ["/hook/mzj"]
    payload = hooks.posts[0]["json"]
    assert hooks.posts[0]["type"].startswith("application/json")
    assert payload["event"] == "new_findings" and payload["unit_id"] == "mzj"
    assert sorted(f["finding_id"] for f in payload["findings"]) == sorted(f.id for f in new)
    assert payload["counts"]["missing"] == sum(f.rule == "missing" for f in new)
    # email: mzj's findings, blz's crawl failure (its site does not answer)
    mails = {(tuple(to), _subject(m)) for to, m in box.messages}
    assert len(box.messages) == 2
    assert any(to == ("mzj@yunxi.example.gov.cn",) and "未公开" in subj for to, subj in mails)
    assert any(to == ("blz@yunxi.example.gov.cn",) and "抓取失败" in subj for to, subj in mails)
    blz = next(m for to, m in box.messages if to == ["blz@yunxi.example.gov.cn"])
    assert "无法核实" in blz.get_payload(decode=True).decode("utf-8")
    # the same runs again: nothing is sent twice
    with factory() as s:
        again = notify_run(s, audit_run_id=audit_id, crawl_run_id=crawl_id, smtp=cfg)
    assert again.sent == [] and len(hooks.posts) == 1 and len(box.messages) == 2
    # a later audit: the same findings are 'persisting', not new — no findings notification
    second = audit()
    with factory() as s:
        later = notify_run(s, audit_run_id=second, smtp=cfg)
        assert later.sent == []
        rows = list(s.scalars(select(OpsNotification)))
    assert sorted((r.kind, r.channel, r.unit_id, r.status) for r in rows) == [
        ("crawl_failure", "email", "blz", "sent"), ("findings", "email", "mzj", "sent"),
        ("findings", "webhook", "mzj", "sent")]


def test_a_failing_webhook_is_recorded_and_retried_next_time(audited, hooks):
    factory, crawl_id, audit = audited
    audit_id = audit()
    hooks.status = 500
    with factory() as s:
        first = notify_run(s, audit_run_id=audit_id)  # no SMTP configured: email fails too, nothing raises
        assert {c for c, _, _ in first.failed} == {"webhook", "email"}
        row = s.scalar(select(OpsNotification).where(OpsNotification.channel == "webhook"))
        assert row.status == "failed" and "500" in row.error
    hooks.status = 200
    with factory() as s:
        second = notify_run(s, audit_run_id=audit_id)
        assert [c for c, _, _ in second.sent] == ["webhook"]
    assert len(hooks.posts) == 2


def test_smtp_url_from_the_environment():
    cfg = SmtpConfig.from_env({"AUDITOR_SMTP": "smtp+starttls://u:p@mail.example.gov.cn:587",
                               "AUDITOR_MAIL_FROM": "audit@example.gov.cn"})
    assert (cfg.host, cfg.port, cfg.starttls, cfg.user, cfg.sender) == ("mail.example.gov.cn", 587, True, "u",
                                                                       "audit@example.gov.cn")
    assert SmtpConfig.from_env({}) is None
    from auditor.errors import ConfigError

    with pytest.raises(ConfigError, match="not an smtp:// URL"):
        SmtpConfig.from_env({"AUDITOR_SMTP": "http://x"})
