"""item source (来源 as printed, kept apart from the publisher) — issue 12 (publisher, not source)

Revision ID: 0010_fair
Revises: 0008_unit_catalog
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_fair"
down_revision = "0008_unit_catalog"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("source", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("source")
