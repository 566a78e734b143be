"""Hanweb 政府信息公开 columns without AJAX: `/col/colN/index.html?uid=U&pageNum=K` paging.

Rows link to `/art/YYYY/M/D/art_N_M.html` and are usually a 信息公开目录 table; the pager is
plain links carrying `pageNum`, with "共 K 页" text, so every page URL can be computed from the
first page's pager.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from ._html import parse_html, raise_if_hub
from .base import ListAdapter, ListPage
from .declared import declared_size
from .static_paging import html_entries, link_pager, unread_pager

_COL_URL = re.compile(r"/col/col\d+/")
_PAGENUM = re.compile(r"[?&](?:amp;)?pageNum=\d+", re.I)


class ColArtAdapter(ListAdapter):
    name = "col_art"

    def detect(self, url: str, text: str) -> bool:
        if "<datastore" in text.lower():
            return False
        if _COL_URL.search(urlsplit(url).path):
            return True
        return bool(_PAGENUM.search(text)) and "art_" in text

    def parse_list(self, url: str, text: str) -> ListPage:
        root = parse_html(text)
        entries = html_entries(url, root)
        total, nxt = link_pager(url, root)
        current = dict(parse_qsl(urlsplit(url).query)).get("pageNum")
        if current not in (None, "", "1"):
            nxt = []
        raise_if_hub(url, root, entries, bool(total or declared_size(text)))
        unread = unread_pager(url, root, total, nxt) if current in (None, "", "1") else None
        return ListPage(entries, nxt, total, self.name, pager_unread=unread)
