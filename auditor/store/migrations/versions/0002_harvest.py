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
    op.create_table(
        "page_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("codec", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256"),
    )
    op.create_table(
        "page_fetches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("canonical_url", sa.String(length=1000), nullable=False),
        sa.Column("final_url", sa.String(length=1000), nullable=False),
        sa.Column("redirects", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("not_modified", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("elapsed_ms", sa.Float(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["snapshot_id"], ["page_snapshots.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_page_fetches_canonical_url", "page_fetches", ["canonical_url"])
    op.create_index("ix_page_fetches_run", "page_fetches", ["crawl_run_id"])
    op.create_table(
        "site_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("probes", sa.Integer(), nullable=False),
        sa.Column("probes_ok", sa.Integer(), nullable=False),
        sa.Column("probes_slow", sa.Integer(), nullable=False),
        sa.Column("max_elapsed_ms", sa.Float(), nullable=True),
        sa.Column("http_errors", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("robots", sa.String(length=10), nullable=False),
        sa.Column("robots_reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_site_health_run_site", "site_health", ["crawl_run_id", "site_id"])


def downgrade() -> None:
    op.drop_index("ix_site_health_run_site", table_name="site_health")
    op.drop_table("site_health")
    op.drop_index("ix_page_fetches_run", table_name="page_fetches")
    op.drop_index("ix_page_fetches_canonical_url", table_name="page_fetches")
    op.drop_table("page_fetches")
    op.drop_table("page_snapshots")
