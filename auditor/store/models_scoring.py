"""Tables of the scoring stage (declared on the shared Base; added by their own Alembic revision 0004).

* resolved_findings — findings of the previous audit run (same scheme) that this run no longer
  reports, with why (fixed, reviewer decision, crawl failure, no longer applicable);
* score_deltas — per unit, the overall score against the previous run of the same scheme and the
  reasons, each with the points it explains (the remainder is `rescaled`);
* upcoming_obligations — per unit, what falls due in the next N working days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from auditor.store.models import Base


class ResolvedFinding(Base):
    __tablename__ = "resolved_findings"
    __table_args__ = (Index("ix_resolved_findings_run", "audit_run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    previous_run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    previous_finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), nullable=True)
    key: Mapped[str] = mapped_column(String(400))
    unit_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    site_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entry_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    domain: Mapped[str | None] = mapped_column(String(40), nullable=True)
    check: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # the status it had in the previous run
    title: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float, default=0.0)  # what it cost in the previous run
    reason: Mapped[str] = mapped_column(String(40))  # fixed | reviewer_decision | crawl_failure | no_longer_applicable
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ScoreDelta(Base):
    __tablename__ = "score_deltas"
    __table_args__ = (Index("ix_score_deltas_run", "audit_run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    previous_run_id: Mapped[int | None] = mapped_column(ForeignKey("audit_runs.id"), nullable=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    previous_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    delta: Mapped[float | None] = mapped_column(Float, nullable=True)
    # [{"reason": ..., "points": signed effect on the score, "count": n, "keys": [...]}]
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)


class UpcomingObligation(Base):
    __tablename__ = "upcoming_obligations"
    __table_args__ = (Index("ix_upcoming_run", "audit_run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    unit_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(100))
    domain: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # period | periodic | annual | event
    due_date: Mapped[date] = mapped_column(Date)
    working_days_left: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what the due date was computed from
