"""web security — issue 15: per-user session version, login attempts (throttling)

Revision ID: 0007_websec
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_websec"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_users") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "web_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_login_attempts_username_at", "web_login_attempts", ["username", "at"])
    op.create_index("ix_web_login_attempts_address_at", "web_login_attempts", ["address", "at"])


def downgrade() -> None:
    op.drop_index("ix_web_login_attempts_address_at", table_name="web_login_attempts")
    op.drop_index("ix_web_login_attempts_username_at", table_name="web_login_attempts")
    op.drop_table("web_login_attempts")
    with op.batch_alter_table("web_users") as batch:
        batch.drop_column("session_version")
