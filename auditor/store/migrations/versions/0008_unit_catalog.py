"""units.catalog — issue 14 (a unit's own published catalog as its yardstick)

Revision ID: 0008_unit_catalog
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_unit_catalog"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("catalog", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_column("catalog")
