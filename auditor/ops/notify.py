"""Notifications to each unit's contact (registry `contact: {email, webhook}`).

Sent for new late or missing findings of an audit run (Finding.lifecycle == "new") and for crawl
failures (a failed crawl run, or a unit's channel that could not be crawled). Webhooks get a JSON
POST; email goes through SMTP (``AUDITOR_SMTP=smtp://host:port``, sender ``AUDITOR_MAIL_FROM``).
Every attempt is recorded in ops_notifications; a (kind, run, unit) already sent to a target is
never sent again, so re-running a job does not spam anyone.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auditor.errors import ConfigError
from auditor.store.models import Channel, ColumnHealth, CrawlRun, Finding, Unit
from auditor.store.models_ops import OpsNotification
from auditor.vocabulary import FindingStatus, utcnow

NOTIFY_RULES = ("missing", "late")
TIMEOUT = 10.0



@dataclass
class SmtpConfig:
    host: str
    port: int = 25
    sender: str = "auditor@localhost"
    starttls: bool = False
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpConfig | None:
        env = dict(os.environ if env is None else env)
        url = env.get("AUDITOR_SMTP")
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtp+starttls") or not parts.hostname:
            raise ConfigError(f"AUDITOR_SMTP={url!r} is not an smtp:// URL",
                              hint="use smtp://host:port or smtp+starttls://user:password@host:587")
        return cls(host=parts.hostname, port=parts.port or 25, sender=env.get("AUDITOR_MAIL_FROM", cls.sender),
                   starttls=parts.scheme == "smtp+starttls", user=parts.username, password=parts.password)


@dataclass
class Message:
    unit_id: str | None
    kind: str  # findings | crawl_failure
    dedup_key: str
    subject: str
    payload: dict[str, Any]
    text: str


@dataclass
class Outcome:
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, target, dedup key)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    skipped: int = 0


def send_webhook(url: str, payload: dict[str, Any]) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"webhook URL must be http(s): {url!r}")
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8",
                                          "User-Agent": "gov-openness-auditor"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        if resp.status >= 300:
            raise urllib.error.HTTPError(url, resp.status, "webhook refused", resp.headers, None)


def send_email(smtp: SmtpConfig, to: str, subject: str, text: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = smtp.sender, to, subject
    msg.set_content(text)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(msg)


def finding_messages(session: Session, audit_run_id: int) -> list[Message]:
    """One message per unit with new late/missing findings in the audit run."""
    by_unit: dict[str, list[Finding]] = defaultdict(list)
    for f in session.scalars(select(Finding).where(Finding.audit_run_id == audit_run_id,
                                                   Finding.lifecycle == "new", Finding.status == FindingStatus.DEFECT,
                                                   Finding.rule.in_(NOTIFY_RULES)).order_by(Finding.id)):
        if f.unit_id:
            by_unit[f.unit_id].append(f)
    out = []
    for unit_id, findings in sorted(by_unit.items()):
        unit = session.get(Unit, unit_id)
        name = unit.name if unit else unit_id
        rows = [{"rule": f.rule, "entry_id": f.entry_id, "title": f.title, "days_late": f.days_late,
                 "fix": f.fix, "finding_id": f.id} for f in findings]
        counts = {r: sum(1 for f in findings if f.rule == r) for r in NOTIFY_RULES}
        subject = f"[政务公开审计] {name}: 新增 未公开 {counts['missing']} 项、逾期 {counts['late']} 项"
        lines = [subject, ""] + [f"- [{'未公开' if r['rule'] == 'missing' else '逾期'}] {r['title']}"
                                 + (f"（逾期 {r['days_late']} 个工作日）" if r["days_late"] else "")
                                 + (f"\n  整改：{r['fix']}" if r["fix"] else "") for r in rows]
        out.append(Message(unit_id, "findings", f"findings:{audit_run_id}:{unit_id}", subject,
                           {"event": "new_findings", "audit_run_id": audit_run_id, "unit_id": unit_id,
                            "unit": name, "counts": counts, "findings": rows}, "\n".join(lines)))
    return out


def crawl_failure_messages(session: Session, crawl_run_id: int) -> list[Message]:
    """One message per unit whose channels failed in the crawl run (all of them if the run failed)."""
    run = session.get(CrawlRun, crawl_run_id)
    if run is None:
        return []
    failed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = session.execute(select(ColumnHealth, Channel).join(Channel, Channel.id == ColumnHealth.channel_id)
                           .where(ColumnHealth.crawl_run_id == crawl_run_id,
                                  ColumnHealth.status.in_(("failed", "blocked"))))
    for health, channel in rows:
        failed[channel.unit_id].append({"channel": channel.name, "url": channel.url, "status": health.status,
                                        "http_status": health.http_status, "error": health.error})
    if run.status in ("failed", "interrupted"):
        for unit in session.scalars(select(Unit).where(Unit.kind.in_(("department", "subdistrict")))):
            failed.setdefault(unit.id, [])
    out = []
    for unit_id, channels in sorted(failed.items()):
        unit = session.get(Unit, unit_id)
        name = unit.name if unit else unit_id
        subject = (f"[政务公开审计] {name}: 抓取失败（第 {crawl_run_id} 次抓取"
                   f"{'未完成' if run.status != 'complete' else f'，{len(channels)} 个栏目无法访问'}）")
        lines = [subject, "", "抓取失败的栏目不计为“未公开”，其事项标记为“无法核实”。请检查网站可访问性。", ""]
        lines += [f"- {c['channel']} {c['url']}: {c['error'] or c['status']}" for c in channels]
        if run.status != "complete":
            lines.append(f"抓取运行状态：{run.status}。{(run.stats or {}).get('error', '')[:500]}")
        out.append(Message(unit_id, "crawl_failure", f"crawl:{crawl_run_id}:{unit_id}", subject,
                           {"event": "crawl_failure", "crawl_run_id": crawl_run_id, "run_status": run.status,
                            "unit_id": unit_id, "unit": name, "channels": channels}, "\n".join(lines)))
    return out


def deliver(session: Session, messages: list[Message], *, smtp: SmtpConfig | None = None,
            ops_run_id: int | None = None, audit_run_id: int | None = None, crawl_run_id: int | None = None,
            webhook: Callable[[str, dict], None] = send_webhook,
            email: Callable[[SmtpConfig, str, str, str], None] = send_email) -> Outcome:
    """Send each message to its unit's contact (webhook and/or email); record every attempt."""
    outcome = Outcome()
    for msg in messages:
        unit = session.get(Unit, msg.unit_id) if msg.unit_id else None
        contact = (unit.contact if unit else None) or {}
        targets = []
        if contact.get("webhook"):
            targets.append(("webhook", contact["webhook"]))
        if contact.get("email"):
            targets.append(("email", contact["email"]))
        if not targets:
            outcome.skipped += 1
            continue
        for channel, target in targets:
            done = session.scalar(select(OpsNotification).where(
                OpsNotification.dedup_key == msg.dedup_key, OpsNotification.channel == channel,
                OpsNotification.target == target))
            if done is not None and done.status == "sent":
                outcome.skipped += 1
                continue
            error = None
            try:
                if channel == "webhook":
                    webhook(target, msg.payload)
                elif smtp is None:
                    raise ConfigError("no SMTP server configured", hint="set AUDITOR_SMTP=smtp://host:port")
                else:
                    email(smtp, target, msg.subject, msg.text)
            except Exception as exc:  # noqa: BLE001 - a failed notification must not fail the audit
                error = f"{type(exc).__name__}: {exc}"[:1000]
            row = done or OpsNotification(dedup_key=msg.dedup_key, channel=channel, target=target)
            row.ops_run_id, row.audit_run_id, row.crawl_run_id = ops_run_id, audit_run_id, crawl_run_id
            row.unit_id, row.kind, row.payload, row.created_at = msg.unit_id, msg.kind, msg.payload, utcnow()
            row.status, row.error = ("failed", error) if error else ("sent", None)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:  # another process recorded it meanwhile
                session.rollback()
            (outcome.failed if error else outcome.sent).append((channel, target, msg.dedup_key))
    return outcome


def notify_run(session: Session, *, audit_run_id: int | None = None, crawl_run_id: int | None = None,
               smtp: SmtpConfig | None = None, ops_run_id: int | None = None, **senders) -> Outcome:
    """Crawl failures of `crawl_run_id` and new late/missing findings of `audit_run_id`, delivered."""
    messages: list[Message] = []
    if crawl_run_id is not None:
        messages += crawl_failure_messages(session, crawl_run_id)
    if audit_run_id is not None:
        messages += finding_messages(session, audit_run_id)
    return deliver(session, messages, smtp=smtp, ops_run_id=ops_run_id, audit_run_id=audit_run_id,
                   crawl_run_id=crawl_run_id, **senders)
