"""The adapter contract: every list-page family answers the same three questions.

Which entries does this page list, which requests fetch the rest of the column, and how many
pages are there. The crawler schedules every remaining page at once from the first one, so the
adapters compute page URLs from the page-count script / total record count instead of
following "next" links one by one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


class NotAListPage(ValueError):
    """The column URL is a navigation page of sub-columns (重点领域信息公开 > 扶贫信息 / 财政资金 …), not a list.

    Reading it as an empty list would make every entry of those domains "missing"; raising makes the
    crawler record the column as unreadable (unverified) with this message as the reason."""


@dataclass(frozen=True)
class ListEntry:
    """One link to a detail page, with the date text shown next to it (raw, unparsed)."""

    url: str
    title: str
    date_text: str | None = None


@dataclass(frozen=True)
class RequestSpec:
    """A request for another list page; Hanweb dataproxy pages need POST with form fields."""

    url: str
    method: str = "GET"
    formdata: dict[str, str] | None = None


@dataclass
class ListPage:
    """What one list page yields. `next_requests` is only filled on a column's first page."""

    entries: list[ListEntry]
    next_requests: list[RequestSpec] = field(default_factory=list)
    total_pages: int | None = None
    adapter: str = ""
    declared_total: int | None = None  # items the list says the column holds (共N条, Total record N …)
    # a pager is there but no page URL could be computed from it (`<a href="javascript:goPage(2)">下一页</a>`):
    # the evidence text; the column cannot be known complete from its first page alone
    pager_unread: str | None = None


class ListAdapter(ABC):
    """A parser for one family of list pages (one CMS platform style)."""

    name: str = ""

    @abstractmethod
    def detect(self, url: str, text: str) -> bool:
        """True when the page looks like this family (cheap: string/regex checks only)."""

    @abstractmethod
    def parse_list(self, url: str, text: str) -> ListPage:
        """Entries with absolute URLs, plus every remaining page when this is the first page."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
