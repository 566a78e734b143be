"""listing date parsed once: item_listings.list_date, backfilled from list_date_text — issue 18

The crawler parses a list page's date where it reads it and stores the date next to the text it printed;
scoring reads the stored date instead of parsing the text again. Rows stored before this revision get
their date from their text with the very parser the crawler uses (`parse_date`), so old and new rows agree.

Revision ID: 0015_h18_items
Revises: 0014_h17_score
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_h18_items"
down_revision = "0014_h17_score"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("item_listings") as batch:
        batch.add_column(sa.Column("list_date", sa.Date(), nullable=True))
    _backfill(op.get_bind())


def _backfill(conn: sa.engine.Connection) -> None:
    """Parse each stored list date text once (texts repeat: one parse per distinct text), write by id."""
    from auditor.harvest.extract.dates import parse_date

    listings = sa.table("item_listings", sa.column("id", sa.Integer()), sa.column("list_date_text", sa.String()),
                        sa.column("list_date", sa.Date()))
    update = listings.update().where(listings.c.id == sa.bindparam("_id")).values(
        list_date=sa.bindparam("_date", type_=sa.Date()))
    rows = conn.execute(sa.select(listings.c.id, listings.c.list_date_text)
                        .where(listings.c.list_date_text.is_not(None))).all()
    parsed: dict[str, object] = {}
    params = []
    for listing_id, text in rows:
        if text not in parsed:
            parsed[text] = parse_date(text)
        if parsed[text] is not None:
            params.append({"_id": listing_id, "_date": parsed[text]})
    for i in range(0, len(params), BATCH):
        conn.execute(update, params[i:i + BATCH])


def downgrade() -> None:
    with op.batch_alter_table("item_listings") as batch:
        batch.drop_column("list_date")
