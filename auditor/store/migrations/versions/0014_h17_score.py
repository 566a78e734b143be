"""indexes for province-scale audits: listings by column, a run's matches, findings and scores — issue 17

Without them every per-column and per-run read scans the whole table: the match stage read each unit's
items by joining item_listings on channel_id (one full scan per column), and every audit run adds tens of
thousands of matches and findings that later runs, reports and the workspace read by run (and unit).

Revision ID: 0014_h17_score
Revises: 0013_politeness
"""
from alembic import op

revision = "0014_h17_score"
down_revision = "0013_politeness"
branch_labels = None
depends_on = None

INDEXES = [("ix_item_listings_channel", "item_listings", ["channel_id"]),
           ("ix_matches_run_unit", "matches", ["audit_run_id", "unit_id"]),
           ("ix_findings_run_unit", "findings", ["audit_run_id", "unit_id"]),
           ("ix_scores_run_unit", "scores", ["audit_run_id", "unit_id"])]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
