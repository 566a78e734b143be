"""harvest tables — issue 4 (incremental crawls, snapshots, distributed)

Revision ID: 0002
Revises: 0001
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # tables of auditor/store/models_harvest.py go here


def downgrade() -> None:
    pass
