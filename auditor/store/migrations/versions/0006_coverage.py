"""column coverage, site hosts, item detail state — issue 12 (coverage accounting, crawl scope)

Revision ID: 0006_coverage
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_coverage"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = [
    sa.Column("coverage", sa.String(length=20), nullable=True),
    sa.Column("coverage_reason", sa.Text(), nullable=True),
    sa.Column("declared_total", sa.Integer(), nullable=True),
    sa.Column("declared_pages", sa.Integer(), nullable=True),
    sa.Column("pages_failed", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("pages_skipped", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("share_seen", sa.Float(), nullable=True),
    sa.Column("details_fetched", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("details_failed", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("details_skipped", sa.Integer(), nullable=False, server_default="0"),
]


def upgrade() -> None:
    with op.batch_alter_table("column_health") as batch:
        for column in COLUMNS:
            batch.add_column(column)
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("hosts", sa.JSON(), nullable=True))
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("detail_state", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("detail_state")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("hosts")
    with op.batch_alter_table("column_health") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
