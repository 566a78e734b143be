"""政务新媒体 feeds: RSS 2.0, Atom and JSON (our export and JSON Feed 1.x) to list entries."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import urljoin

from ._html import clean
from .base import ListEntry
from .json_list import find_records, load_json, records_to_entries

_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(el: ET.Element, *names: str) -> str | None:
    for child in el:
        if _local(child.tag) in names and (child.text or "").strip():
            return child.text.strip()
    return None


def _atom_link(entry: ET.Element) -> str | None:
    links = [c for c in entry if _local(c.tag) == "link"]
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return next((link.get("href") for link in links if link.get("href")), None)


def _xml_entries(url: str, text: str) -> list[ListEntry]:
    try:
        root = ET.fromstring(_DECL.sub("", text).strip())
    except ET.ParseError:
        return []
    out: list[ListEntry] = []
    for el in root.iter():
        kind = _local(el.tag)
        if kind == "item":  # RSS 2.0 / 1.0
            link = _child_text(el, "link") or _child_text(el, "guid")
            date = _child_text(el, "pubdate", "date", "published", "updated")
        elif kind == "entry":  # Atom
            link = _atom_link(el)
            date = _child_text(el, "published", "updated")
        else:
            continue
        title = clean(_child_text(el, "title"))
        if link and title:
            out.append(ListEntry(urljoin(url, link.strip()), title, date))
    return out


def parse_feed(url: str, text: str) -> list[ListEntry]:
    """Entries of an RSS/Atom/JSON feed, URLs absolute; [] for anything unreadable."""
    doc = load_json(text)
    if doc is not None:
        records, _ = find_records(doc)
        return records_to_entries(url, records)
    return _xml_entries(url, text or "")


def feed_date(text: str | None) -> date | None:
    """A feed entry's date: ISO/Chinese forms via parse_date, else RFC 822 (RSS pubDate)."""
    from auditor.harvest.extract.dates import parse_date

    found = parse_date(text)
    if found is not None or not text:
        return found
    return rfc822_date(text)


def rfc822_date(text: str | None) -> date | None:
    """An RFC 822 date (RSS pubDate), for text parse_date has already found no date in.

    An RFC 822 date in GMT is read in China Standard Time (UTC+8), the publishers' clock.
    """
    from datetime import timedelta, timezone
    from email.utils import parsedate_to_datetime

    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None or moment.utcoffset() == timedelta(0):
        moment = moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(timezone(timedelta(hours=8)))
    return moment.date()
