"""Tables of the web stage (declared on the shared Base; added by their own Alembic revision).

- ``web_users``: who may log in to the review workspace, with which role (admin | evaluator | staff) and,
  for unit staff, which unit they act for.
- ``web_finding_states``: the review state of a finding (待整改 → 已整改/申诉中 → 复核通过/驳回), keyed by the
  finding's stable ``key`` and unit, so the state survives re-scoring runs.
- ``web_audit_log``: every decision taken in the workspace (who, when, before, after), so each can be
  traced and undone.
- ``web_login_attempts``: every login attempt (account, address, success), for throttling (issue 15).

``web_users.session_version`` is copied into each session at login; logging out, a password reset and
deactivating the account increment it, which ends every session of the account (issue 15).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditor.store.models import Base

ROLES = ("admin", "evaluator", "staff")

# Review states of a finding, in workflow order; codes are stored, labels are shown.
FINDING_STATES = {
    "open": "待整改",
    "fixed": "已整改",
    "contested": "申诉中",
    "approved": "复核通过",
    "rejected": "驳回",
}


class WebUser(Base):
    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # admin | evaluator | staff
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # required for staff
    display_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class LoginAttempt(Base):
    """One login attempt: which account name was tried, from which address, whether it succeeded."""

    __tablename__ = "web_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=False)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)


class FindingState(Base):
    """Review state of one finding identity (its stable key) for one unit, across audit runs."""

    __tablename__ = "web_finding_states"
    __table_args__ = (UniqueConstraint("unit_id", "finding_key", name="uq_web_finding_state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    finding_key: Mapped[str] = mapped_column(String(400))
    state: Mapped[str] = mapped_column(String(20), default="open")  # a key of FINDING_STATES
    note: Mapped[str] = mapped_column(Text, default="")  # the latest explanation (fix, contest or ruling)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AuditLogEntry(Base):
    """One decision of the workspace: who, when, what it was before and after; reversible by id."""

    __tablename__ = "web_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(40))  # confirm | reject | relink | not_applicable | evidence | …
    target: Mapped[str] = mapped_column(String(400), default="")  # e.g. "review_decision:12", "finding:<key>"
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    undone_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # id of the entry that undid this one
