"""Attachments: links to documents (PDF, Office, WPS, OFD, archives).

Government CMSs link files in three ways: a direct path (``/d/file/…/x.pdf``), a
download script with the file name in the query (``download.jsp?filename=x.doc``)
and a script with no name at all, where only the link text (``附件.pdf``) tells
the type.  Link text is often the stored hash name (``51f42f….doc``), so the
``title`` attribute or the surrounding legend gives the human name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from lxml import etree

from .document import collapse, element_text, in_chrome
from .model import Attachment

__all__ = ["ATTACHMENT_TYPES", "find_attachments", "attachment_type"]

ATTACHMENT_TYPES = frozenset(
    {
        "pdf", "ofd", "doc", "docx", "wps", "wpt", "rtf", "xls", "xlsx", "et", "csv",
        "ppt", "pptx", "dps", "zip", "rar", "7z", "tar", "gz", "txt", "ceb", "caj",
    }
)
_EXT_RE = re.compile(r"\.([A-Za-z0-9]{1,5})$")
_HASHLIKE_RE = re.compile(r"^[0-9a-fA-F_\-]{12,}\.[A-Za-z0-9]{1,5}$|^[0-9_\-]{6,}\.[A-Za-z0-9]{1,5}$")
_SIZE_SUFFIX_RE = re.compile(r"\s*[（(]\s*[\d.]+\s*[KMG]?B\s*[)）]\s*$", re.IGNORECASE)
_GENERIC_NAMES = {"下载", "点击下载", "附件下载", "附件", "查看", "点击查看", "下载附件", "download", "pdf", "word", "excel"}
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")


def _ext_of(text: str | None) -> str | None:
    if not text:
        return None
    match = _EXT_RE.search(text.strip().lower())
    if match and match.group(1) in ATTACHMENT_TYPES:
        return match.group(1)
    return None


@lru_cache(maxsize=1 << 14)
def _url_type(url: str) -> str | None:
    """File type from the URL path, then query values (remembered: pages repeat their menu links)."""
    parts = urlsplit(url)
    ext = _ext_of(unquote(parts.path))
    if ext:
        return ext
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        ext = _ext_of(unquote(value))
        if ext:
            return ext
    return None


def attachment_type(url: str, *names: str | None) -> str | None:
    """File type from the URL path, then query values, then the given names."""
    ext = _url_type(url)
    if ext:
        return ext
    for name in names:
        ext = _ext_of(name)
        if ext:
            return ext
    return None


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _legend_of(el: etree._Element) -> str | None:
    """Text of the <legend> of an enclosing <fieldset> (EmpireCMS attachment boxes)."""
    for ancestor in el.iterancestors("fieldset"):
        legend = ancestor.find(".//legend")
        if legend is not None:
            return element_text(legend) or None
    return None


def _name_for(link: etree._Element, url: str) -> str:
    text = _SIZE_SUFFIX_RE.sub("", element_text(link))
    options = [text, collapse(link.get("title") or ""), collapse(link.get("download") or "")]
    legend = _legend_of(link)
    if legend:
        options.append(legend)
    usable = [o for o in options if o and o.lower() not in _GENERIC_NAMES]
    # Prefer a human name (with Han characters, not a stored hash) over a file id.
    for option in usable:
        if _has_han(option) and not _HASHLIKE_RE.match(option):
            return option
    for option in usable:
        if not _HASHLIKE_RE.match(option):
            return option
    if usable:
        return usable[0]
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or url


@lru_cache(maxsize=1 << 14)
def _join_rooted(scheme: str, netloc: str, href: str) -> str | None:
    """urljoin of `href` against any page of scheme://netloc when that does not depend on the rest of
    the page's URL (a path from the root, or //host/…), else None. Pages of one site share the answer
    for their menu and footer links."""
    parts = urlsplit(href)
    if href[:1] != "/" or not (parts.netloc or parts.path[:1] == "/"):
        return None  # relative, or no path at all ("//", "//?x"): resolved against the page's own path
    return urljoin(f"{scheme}://{netloc}/", href)


def _joiner(base_url: str) -> Callable[[str], str]:
    """urljoin against `base_url`, remembered across pages for hrefs from the site root."""
    parts = urlsplit(base_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        def join(href: str) -> str:
            rooted = _join_rooted(parts.scheme, parts.netloc, href) if href[:1] == "/" else None
            return rooted if rooted is not None else urljoin(base_url, href)
        return join
    return lambda href: urljoin(base_url, href)


def find_attachments(root: etree._Element, base_url: str) -> list[Attachment]:
    """Attachment links in document order, made absolute against ``base_url``, deduplicated.

    Links in site chrome (header, navigation, footer, sidebars) are skipped.
    """
    found: list[Attachment] = []
    seen: set[str] = set()
    join = None
    for el in root.iter("a", "iframe", "embed", "object"):
        href = el.get("href") if el.tag == "a" else (el.get("src") or el.get("data"))
        if not href:
            continue
        href = href.strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        if base_url and join is None:
            join = _joiner(base_url)
        url = join(href) if join is not None else href
        if el.tag == "a":
            kind = attachment_type(url, element_text(el), el.get("title"), el.get("download"))
        else:
            kind = attachment_type(url)
        if kind is None or url in seen:
            continue
        if in_chrome(el):
            continue  # site-wide downloads (申请表, 指南) in menus and footers belong to no page
        seen.add(url)
        name = _name_for(el, url) if el.tag == "a" else unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        found.append(Attachment(name=name, url=url, type=kind))
    return found
