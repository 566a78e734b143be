"""Import items of channels that cannot be crawled (a CSV kept by the unit: title, url, publish_date, channel).

The rows become items and listings of one channel of the unit, exactly as if a spider had listed
them; the channel is created when the unit does not have it yet, its code taken from the channel
vocabulary (auditor/catalog/channels.py: "微信公众号" → NEWMEDIA, "公示栏" → BOARD …).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.catalog.channels import normalise_channel
from auditor.errors import AuditorError, CatalogError
from auditor.harvest.adapters.feed import rfc822_date
from auditor.harvest.canonical import canonical_url
from auditor.harvest.extract.dates import parse_date
from auditor.harvest.ownership import describe_units, item_owners
from auditor.store.models import Channel, Item, ItemListing, Unit
from auditor.vocabulary import utcnow

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


@dataclass(frozen=True)
class ImportRow:
    """One checked CSV row: what the item and its listing are built from."""

    line: int
    title: str
    url: str  # "" for an offline item
    publish_date: date | None
    date_text: str  # the publish_date cell as written
    channel_code: str
    list_date: date | None = None  # the cell read as list pages are read (parse_date): the listing's date


def import_items(session: Session, csv_path: Path, unit_id: str, channel_name: str) -> ImportResult:
    """Store the CSV's rows as items listed on the unit's channel `channel_name`; committed at the end."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise AuditorError("file not found", where=str(csv_path), hint="give the path of a CSV file")
    _require_unit(session, unit_id)
    rows = _read_rows(csv_path, channel_name)
    code = _one_channel_code(rows, csv_path) or _code(channel_name, "--channel")
    channel, created = _import_channel(session, unit_id, channel_name, code, csv_path)
    new = updated = 0
    now = utcnow()
    for row in rows:
        if _store_item(session, channel, unit_id, row, csv_path, now):
            new += 1
        else:
            updated += 1
    session.commit()
    return ImportResult(channel.id, code, created, new, updated)


def _require_unit(session: Session, unit_id: str) -> None:
    """Refuse an unknown unit before reading the file, naming the units that exist."""
    if session.get(Unit, unit_id) is not None:
        return
    known = ", ".join(sorted(session.scalars(select(Unit.id).where(Unit.kind.in_(("department", "subdistrict"))))))
    raise AuditorError(f"unknown unit {unit_id!r}", where="--unit",
                       hint=f"known units: {known}" if known else "sync the registry first (auditor crawl)")


def _read_rows(csv_path: Path, channel_name: str) -> list[ImportRow]:
    """Every data row checked (header, URL, title, date, channel) before anything is stored."""
    reader = csv.DictReader(_read_text(csv_path).splitlines())
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise AuditorError(f"not a readable CSV file ({exc})", where=f"{csv_path}:1",
                           hint="save the sheet as CSV (UTF-8) with a header line") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AuditorError(f"missing column(s) {', '.join(missing)}", where=f"{csv_path}:1",
                           hint=f"the header must name {', '.join(KNOWN)}")
    return [_check_row(raw, line, f"{csv_path}:{line}", channel_name)
            for line, raw in _rows(reader, csv_path, len(header))]


def _check_row(raw: dict, line: int, where: str, channel_name: str) -> ImportRow:
    """One CSV row as an ImportRow; a bad URL, title, date or channel name stops the import at its line."""
    row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
    url = row.get("url") or ""
    _check_url(url, where)
    if not row.get("title"):
        raise AuditorError("empty title", where=where, hint="every row needs the item's title")
    date_text = row.get("publish_date") or ""
    listed = parse_date(date_text)  # read once; RFC 822 (a feed export) only for the item's publish date
    when = listed if listed is not None or not date_text else rfc822_date(date_text)
    if date_text and when is None:
        raise AuditorError(f"unreadable publish_date {date_text!r}", where=where,
                           hint="write it as YYYY-MM-DD (or leave it empty for an undated item)")
    code = _code(row.get("channel") or channel_name, where)
    return ImportRow(line, row["title"], url, when, date_text, code, listed)


def _one_channel_code(rows: list[ImportRow], csv_path: Path) -> str | None:
    """The one channel code the rows name (None for no rows): a file imports one channel."""
    codes: dict[str, int] = {}
    for row in rows:
        codes.setdefault(row.channel_code, row.line)
    if len(codes) > 1:
        lines = ", ".join(f"{c} (line {n})" for c, n in codes.items())
        raise AuditorError(f"rows name different channels: {lines}", where=str(csv_path),
                           hint="import one channel per file")
    return next(iter(codes), None)


def _import_channel(session: Session, unit_id: str, channel_name: str, code: str,
                    csv_path: Path) -> tuple[Channel, bool]:
    """The unit's channel of that name, created (True) if missing; refused if its code differs."""
    channel = session.scalar(select(Channel).where(Channel.unit_id == unit_id, Channel.name == channel_name))
    if channel is None:
        channel = Channel(unit_id=unit_id, code=code, site_id=None, name=channel_name,
                          url=f"import://{unit_id}/{hashlib.sha1(channel_name.encode()).hexdigest()[:12]}",
                          column_path=channel_name, column_kind="catalog", domain=None, platform="import",
                          active=True)
        session.add(channel)
        session.flush()
        return channel, True
    if channel.code != code:
        raise AuditorError(f"channel {channel_name!r} of {unit_id} is {channel.code}, the file says {code}",
                           where=str(csv_path), hint="check the channel column or --channel")
    return channel, False


def _store_item(session: Session, channel: Channel, unit_id: str, row: ImportRow, csv_path: Path,
                now: datetime) -> bool:
    """Create or update the row's item and its listing on the channel; True if the item is new."""
    url = row.url
    if not url:  # an offline item: a stable identity from channel, title and date
        digest = hashlib.sha1(f"{channel.id}|{row.title}|{row.date_text}".encode()).hexdigest()[:16]
        url = f"import://{unit_id}/{digest}"
    key = canonical_url(url) if "://" in url and not url.startswith("import://") else url
    item = session.scalar(select(Item).where(Item.canonical_url == key))
    if item is not None:
        _refuse_foreign(session, item, unit_id, url, f"{csv_path}:{row.line}")
    created = item is None
    if item is None:
        item = Item(canonical_url=key, site_id=None, title=row.title, list_title=row.title,
                    body_excerpt="", provenance={})
        session.add(item)
    item.title = item.title or row.title
    item.list_title = row.title
    item.publish_date = row.publish_date
    item.publish_date_source = "import" if row.publish_date else None
    item.publish_date_raw = row.date_text[:200] or None
    item.provenance = {**(item.provenance or {}),
                       "publish_date": {"source": "import", "raw": row.date_text},
                       "import": {"file": csv_path.name, "at": now.isoformat(timespec="seconds")}}
    session.flush()
    _list_on(session, item, channel, row.date_text, row.list_date)
    return created


def _refuse_foreign(session: Session, item: Item, unit_id: str, url: str, where: str) -> None:
    """An item belongs to the unit whose channel listed it: never rewrite (or list) another unit's item."""
    owners = item_owners(session, item.id) - {unit_id}
    if owners:
        session.rollback()
        raise AuditorError(f"url {url[:200]!r} is an item of {describe_units(session, owners)}, "
                           f"not of {unit_id}", where=where,
                           hint="import only the unit's own items; nothing was imported")


def _list_on(session: Session, item: Item, channel: Channel, date_text: str, list_date: date | None) -> None:
    """Record (or refresh) the item's listing on the channel with the date as the file wrote it."""
    listing = session.scalar(select(ItemListing).where(ItemListing.item_id == item.id,
                                                       ItemListing.channel_id == channel.id))
    if listing is None:
        session.add(ItemListing(item_id=item.id, channel_id=channel.id, list_date_text=date_text or None,
                                list_date=list_date))
    else:
        listing.list_date_text, listing.list_date = date_text or None, list_date


def _read_text(csv_path: Path) -> str:
    """The file as text: UTF-8 (with or without BOM) or GB18030; a binary file is refused."""
    data = csv_path.read_bytes()
    if b"\x00" in data[:65536]:
        raise AuditorError("binary file, not a CSV (it contains NUL bytes)", where=str(csv_path),
                           hint="export the sheet as CSV (UTF-8): title,url,publish_date,channel")
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030: spreadsheets saved on Chinese Windows
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AuditorError("not a text file in UTF-8 or GB18030", where=str(csv_path),
                       hint="export the sheet as CSV (UTF-8)")


def _rows(reader: csv.DictReader, csv_path: Path, width: int):
    """The data rows with their line numbers; a row with more or fewer fields than the header is refused."""
    line = 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise AuditorError(f"unreadable CSV row ({exc})", where=f"{csv_path}:{reader.line_num}",
                               hint="check the quotes on that line") from None
        line = reader.line_num
        fields = len([k for k in raw if k is not None]) + len(raw.get(None) or [])
        missing = sum(1 for k, v in raw.items() if k is not None and v is None)
        if None in raw or missing:
            got = fields - missing
            raise AuditorError(f"row has {got} field(s), the header has {width}", where=f"{csv_path}:{line}",
                               hint="every row needs the same columns as the header (quote values with commas)")
        yield line, raw


def _check_url(url: str, where: str) -> None:
    """Only http(s) URLs (or none, for an offline item): never javascript:, data:, file: …"""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(url) > 1000 \
            or any(ord(c) < 0x20 for c in url):
        raise AuditorError(f"not an http(s) URL: {url[:100]!r}", where=where,
                           hint="give the page's http:// or https:// address, or leave url empty for an "
                                "offline item")
