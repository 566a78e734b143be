"""Import items of channels that cannot be crawled (a CSV kept by the unit: title, url, publish_date, channel).

The rows become items and listings of one channel of the unit, exactly as if a spider had listed
them; the channel is created when the unit does not have it yet, its code taken from the channel
vocabulary (auditor/catalog/channels.py: "微信公众号" → NEWMEDIA, "公示栏" → BOARD …).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.catalog.channels import normalise_channel
from auditor.errors import AuditorError, CatalogError
from auditor.harvest.adapters.feed import feed_date
from auditor.harvest.canonical import canonical_url
from auditor.store.models import Channel, Item, ItemListing, Unit

REQUIRED = ("title",)
KNOWN = ("title", "url", "publish_date", "channel")


@dataclass
class ImportResult:
    channel_id: int
    channel_code: str
    created_channel: bool
    items_new: int
    items_updated: int


def _code(label: str, where: str) -> str:
    try:
        return normalise_channel(label)
    except CatalogError:
        raise AuditorError(f"unknown channel {label!r}", where=where,
                           hint="use a 公开渠道 name such as 微信公众号, 政务微博, 公示栏, 政府公报 "
                                "(catalogs/channels.yaml lists every spelling)") from None


def import_items(session: Session, csv_path: Path, unit_id: str, channel_name: str) -> ImportResult:
    """Store the CSV's rows as items listed on the unit's channel `channel_name`; committed at the end."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise AuditorError("file not found", where=str(csv_path), hint="give the path of a CSV file")
    unit = session.get(Unit, unit_id)
    if unit is None:
        known = ", ".join(sorted(session.scalars(select(Unit.id).where(Unit.kind.in_(("department", "subdistrict"))))))
        raise AuditorError(f"unknown unit {unit_id!r}", where="--unit",
                           hint=f"known units: {known}" if known else "sync the registry first (auditor crawl)")
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = csv_path.read_text(encoding="gb18030")  # spreadsheets saved on Chinese Windows
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AuditorError(f"missing column(s) {', '.join(missing)}", where=f"{csv_path}:1",
                           hint=f"the header must name {', '.join(KNOWN)}")
    rows = []
    codes: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        where = f"{csv_path}:{line}"
        if not row.get("title"):
            raise AuditorError("empty title", where=where, hint="every row needs the item's title")
        date_text = row.get("publish_date") or ""
        when = feed_date(date_text) if date_text else None
        if date_text and when is None:
            raise AuditorError(f"unreadable publish_date {date_text!r}", where=where,
                               hint="write it as YYYY-MM-DD (or leave it empty for an undated item)")
        code = _code(row.get("channel") or channel_name, where)
        codes.setdefault(code, line)
        rows.append((row, when, date_text))
    if len(codes) > 1:
        lines = ", ".join(f"{c} (line {n})" for c, n in codes.items())
        raise AuditorError(f"rows name different channels: {lines}", where=str(csv_path),
                           hint="import one channel per file")
    code = next(iter(codes), None) or _code(channel_name, "--channel")
    channel = session.scalar(select(Channel).where(Channel.unit_id == unit_id, Channel.name == channel_name))
    created = channel is None
    if channel is None:
        channel = Channel(unit_id=unit_id, code=code, site_id=None, name=channel_name,
                          url=f"import://{unit_id}/{hashlib.sha1(channel_name.encode()).hexdigest()[:12]}",
                          column_path=channel_name, column_kind="catalog", domain=None, platform="import",
                          active=True)
        session.add(channel)
        session.flush()
    elif channel.code != code:
        raise AuditorError(f"channel {channel_name!r} of {unit_id} is {channel.code}, the file says {code}",
                           where=str(csv_path), hint="check the channel column or --channel")
    new = updated = 0
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for row, when, date_text in rows:
        url = row.get("url") or ""
        if not url:  # an offline item: a stable identity from channel, title and date
            digest = hashlib.sha1(f"{channel.id}|{row['title']}|{date_text}".encode()).hexdigest()[:16]
            url = f"import://{unit_id}/{digest}"
        key = canonical_url(url) if "://" in url and not url.startswith("import://") else url
        item = session.scalar(select(Item).where(Item.canonical_url == key))
        if item is None:
            item = Item(canonical_url=key, site_id=None, title=row["title"], list_title=row["title"],
                        body_excerpt="", provenance={})
            session.add(item)
            new += 1
        else:
            updated += 1
        item.title = item.title or row["title"]
        item.list_title = row["title"]
        item.publish_date = when
        item.publish_date_source = "import" if when else None
        item.publish_date_raw = date_text[:200] or None
        item.provenance = {**(item.provenance or {}),
                           "publish_date": {"source": "import", "raw": date_text},
                           "import": {"file": csv_path.name, "at": now.isoformat(timespec="seconds")}}
        session.flush()
        listing = session.scalar(select(ItemListing).where(ItemListing.item_id == item.id,
                                                           ItemListing.channel_id == channel.id))
        if listing is None:
            session.add(ItemListing(item_id=item.id, channel_id=channel.id, list_date_text=date_text or None))
        else:
            listing.list_date_text = date_text or None
    session.commit()
    return ImportResult(channel.id, code, created, new, updated)
