"""<head> information: <meta> tags, <title> and <base href>.

Most Chinese government CMSs follow the 政府网站网页设计规范 meta set
(SiteName, ColumnName, ArticleTitle, PubDate, ContentSource, Keywords,
Description); gov.cn adds ``firstpublishedtime``; other sites use Open Graph or
Dublin Core names.  The names are data, checked case-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from .document import collapse

__all__ = ["HeadInfo", "read_head", "META_NAMES"]

# field → meta names, in preference order.
META_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("articletitle", "dc.title", "dcterms.title", "og:title", "twitter:title"),
    "publish_date": (
        "pubdate",
        "firstpublishedtime",
        "publishdate",
        "publish_date",
        "publishtime",
        "publish-date",
        "releasedate",
        "article:published_time",
        "og:published_time",
        "og:release_date",
        "dcterms.issued",
        "dc.date.issued",
        "dc.date",
        "citation_publication_date",
        "datepublished",
        "date",
    ),
    "publisher": ("dc.publisher", "dcterms.publisher"),
    "source": ("contentsource", "source"),  # TRS ContentSource is the 来源 field, not the issuer
    "column": ("columnname", "column"),
    "site_name": ("sitename", "og:site_name", "application-name"),
    "keywords": ("keywords", "columnkeywords"),
    "description": ("description", "og:description"),
    "author": ("author", "dc.creator"),
}


@dataclass
class HeadInfo:
    """Everything read from the document head."""

    meta: dict[str, str] = field(default_factory=dict)  # lower-cased name → first non-empty content
    title_tag: str | None = None
    base_url: str = ""

    def first(self, key: str) -> tuple[str, str] | None:
        """(meta name, content) of the first present meta for a field in META_NAMES."""
        for name in META_NAMES.get(key, ()):
            value = self.meta.get(name)
            if value:
                return name, value
        return None


def read_head(root: etree._Element, url: str) -> HeadInfo:
    """Collect meta tags, <title> and the base URL (page URL joined with any <base href>).

    Meta tags are read from the whole document, not only <head>: broken
    templates and HTTrack mirrors leave them in <body>.
    """
    info = HeadInfo(base_url=url or "")
    for meta in root.iter("meta"):
        name = meta.get("name") or meta.get("property") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if content is None:
            content = meta.get("value")
        if not name or content is None:
            continue
        key = name.strip().lower()
        value = collapse(content)
        if value and key not in info.meta:
            info.meta[key] = value
    for title in root.iter("title"):
        # <svg><title> and similar are not the page title: take the first non-empty one.
        text = collapse("".join(title.itertext()))
        if text:
            info.title_tag = text
            break
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            info.base_url = urljoin(url or "", href)
            break
    return info
