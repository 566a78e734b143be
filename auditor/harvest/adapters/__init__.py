"""List-page adapters: one per CMS family, chosen by name (unit registry) or by detection.

Detection order matters: specific platform markers first (Hanweb datastore, then col/art
paging, TRS/static paging, 信息公开目录 tables, JSON APIs), the generic heuristic last.
"""

from __future__ import annotations

from .base import ListAdapter, ListEntry, ListPage, NotAListPage, RequestSpec
from .col_art import ColArtAdapter
from .feed import parse_feed
from .generic import GenericAdapter
from .hanweb_ajax import HanwebAjaxAdapter
from .json_list import JsonListAdapter
from .static_paging import StaticPagingAdapter
from .xxgk_table import XxgkTableAdapter

_ORDER: tuple[ListAdapter, ...] = (
    HanwebAjaxAdapter(),
    JsonListAdapter(),
    ColArtAdapter(),
    StaticPagingAdapter(),
    XxgkTableAdapter(),
    GenericAdapter(),
)
ADAPTERS: dict[str, ListAdapter] = {a.name: a for a in _ORDER}


def get_adapter(name: str) -> ListAdapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise KeyError(f"unknown list adapter {name!r}; known adapters: {known}") from None


def detect_adapter(url: str, text: str) -> ListAdapter:
    """The first adapter whose detector accepts the page; generic always does."""
    for adapter in _ORDER:
        if adapter.detect(url, text):
            return adapter
    return ADAPTERS["generic"]


__all__ = ["ADAPTERS", "ListAdapter", "ListEntry", "ListPage", "NotAListPage", "RequestSpec", "detect_adapter",
           "get_adapter", "parse_feed"]
