"""Tables of the ops stage (declared on the shared Base; added by their own Alembic revision 0005).

* ops_runs — one row per scheduled (or manually triggered) job run: crawl → match → score → report,
  with its status, the crawl and audit runs it produced and the seconds each stage took;
* ops_locks — named leases (one per registry / site) so runs of the same target never overlap;
  a lease names its holder (host, pid) and expires, so a killed holder cannot block forever;
* ops_notifications — every notification sent (or that failed), so a run never notifies twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditor.store.models import Base


class OpsRun(Base):
    __tablename__ = "ops_runs"
    __table_args__ = (Index("ix_ops_runs_job", "job_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(500))  # the lock name: registry path (+ units)
    trigger: Mapped[str] = mapped_column(String(20), default="cron")  # cron | manual | catch-up
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|complete|failed|skipped|interrupted
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    crawl_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # stage -> seconds
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OpsLock(Base):
    __tablename__ = "ops_locks"

    name: Mapped[str] = mapped_column(String(500), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))  # host:pid:token
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class OpsNotification(Base):
    __tablename__ = "ops_notifications"
    __table_args__ = (UniqueConstraint("dedup_key", "channel", "target", name="uq_ops_notification"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ops_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    audit_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    crawl_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # findings | crawl_failure
    channel: Mapped[str] = mapped_column(String(20))  # webhook | email
    target: Mapped[str] = mapped_column(String(500))
    dedup_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # sent | failed
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
