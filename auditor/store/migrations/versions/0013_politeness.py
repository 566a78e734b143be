"""per-site politeness: request rate and nightly request budget — issue 17

Revision ID: 0013_politeness
Revises: 0010_fair
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_politeness"
down_revision = "0010_fair"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("rate", sa.Float(), nullable=True))
        batch.add_column(sa.Column("budget", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("budget")
        batch.drop_column("rate")
