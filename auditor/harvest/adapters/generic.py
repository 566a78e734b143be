"""Fallback for unknown platforms: the largest list of long, dated links, skipping page chrome.

Stricter than the platform adapters (titles ≥ 6 CJK characters and a date outside the link):
on an unknown page a false item costs more than a missed one, since the crawler then fetches
and files a navigation page as a publication.
"""

from __future__ import annotations

from ._html import list_entries, parse_html, raise_if_hub
from .base import ListAdapter, ListPage
from .declared import declared_size
from .static_paging import link_pager, unread_pager


class GenericAdapter(ListAdapter):
    name = "generic"

    def detect(self, url: str, text: str) -> bool:
        return True

    def parse_list(self, url: str, text: str) -> ListPage:
        root = parse_html(text)
        entries = list_entries(url, root, min_cjk=6, need_date=True)
        total, nxt = link_pager(url, root)
        raise_if_hub(url, root, entries, bool(total or declared_size(text)))
        return ListPage(entries, nxt, total, self.name, pager_unread=unread_pager(url, root, total, nxt))
