"""scoring tables — issue 6 (rules engine and schemes)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resolved_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_run_id", sa.Integer(), nullable=False),
        sa.Column("previous_run_id", sa.Integer(), nullable=False),
        sa.Column("previous_finding_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("site_id", sa.String(length=64), nullable=True),
        sa.Column("entry_id", sa.String(length=100), nullable=True),
        sa.Column("domain", sa.String(length=40), nullable=True),
        sa.Column("check", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["audit_run_id"], ["audit_runs.id"]),
        sa.ForeignKeyConstraint(["previous_run_id"], ["audit_runs.id"]),
        sa.ForeignKeyConstraint(["previous_finding_id"], ["findings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_resolved_findings_run", "resolved_findings", ["audit_run_id"])
    op.create_table(
        "score_deltas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_run_id", sa.Integer(), nullable=False),
        sa.Column("previous_run_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("previous_score", sa.Float(), nullable=True),
        sa.Column("delta", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["audit_run_id"], ["audit_runs.id"]),
        sa.ForeignKeyConstraint(["previous_run_id"], ["audit_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_score_deltas_run", "score_deltas", ["audit_run_id"])
    op.create_table(
        "upcoming_obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_run_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.String(length=100), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("working_days_left", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["audit_run_id"], ["audit_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_upcoming_run", "upcoming_obligations", ["audit_run_id"])


def downgrade() -> None:
    op.drop_index("ix_upcoming_run", table_name="upcoming_obligations")
    op.drop_table("upcoming_obligations")
    op.drop_index("ix_score_deltas_run", table_name="score_deltas")
    op.drop_table("score_deltas")
    op.drop_index("ix_resolved_findings_run", table_name="resolved_findings")
    op.drop_table("resolved_findings")
