"""Platform cues: places where particular CMSs put metadata without a printed label.

Used after printed labels and meta tags, before generic fallbacks.  Each cue is
named, and values it yields carry ``source="adapter:<name>"``:

* ``hanweb`` — 大汉 JCMS embeds ``<publishtime>2024-03-15 10:00:00</publishtime>``
  (often inside a comment) for its RSS/索引 jobs.
* ``css_cue`` — templates across vendors name metadata slots in pinyin initials:
  ``fbrq`` 发布日期, ``cwrq`` 成文日期, ``syh`` 索引号, ``fwzh`` 发文字号 …
* ``script_var`` — TRS and others print the publication time into a script
  variable (``var pubDate = "2024-03-15"``) for client-side rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from .dates import parse_date
from .document import WITH_CLASS_OR_ID, collapse, element_text
from .label_scan import LABEL_COLON_RE
from .labels import NULL_VALUES

__all__ = ["AdapterHit", "run_adapters", "CSS_CUES"]


@dataclass(frozen=True)
class AdapterHit:
    field: str
    value: str
    raw: str
    adapter: str


_HANWEB_PUBLISHTIME = re.compile(r"<publishtime>\s*([^<]{6,40}?)\s*</publishtime>", re.IGNORECASE)

# class/id token (lower-case) → field.  Only unambiguous abbreviations: "ly"
# (来源 and 浏览 on the same template) and "time" are deliberately absent.
CSS_CUES: dict[str, str] = {
    "fbrq": "publish_date",
    "fbsj": "publish_date",
    "pubdate": "publish_date",
    "pubtime": "publish_date",
    "publishtime": "publish_date",
    "publish_time": "publish_date",
    "publishdate": "publish_date",
    "publish-date": "publish_date",
    "releasetime": "publish_date",
    "cwrq": "written_date",
    "cwsj": "written_date",
    "syh": "index_no",
    "suoyinhao": "index_no",
    "indexno": "index_no",
    "index_no": "index_no",
    "fwzh": "doc_no",
    "wjwh": "doc_no",
    "fbjg": "publisher",
    "fwjg": "publisher",
    "fwjgmc": "publisher",
    "ztfl": "category",
    "yxx": "validity",
}

_SCRIPT_VAR = re.compile(
    r"""\b(?:pubdate|pubDate|PubDate|publishTime|publishtime|publishDate|fbrq|fbsj|docreltime|DocRelTime|releaseTime)"""
    r"""\s*[=:]\s*["']([^"']{8,40})["']"""
)
_SCRIPT_NAME = re.compile(_SCRIPT_VAR.pattern[len(r"\b"):_SCRIPT_VAR.pattern.index(")") + 1])  # the names alone


def _hanweb(raw_html: str) -> list[AdapterHit]:
    hits: list[AdapterHit] = []
    match = _HANWEB_PUBLISHTIME.search(raw_html)
    if match and parse_date(match.group(1)):
        hits.append(AdapterHit("publish_date", match.group(1).strip(), match.group(0), "hanweb"))
    return hits


def _strip_label(text: str) -> str:
    match = LABEL_COLON_RE.match(text)
    if match:
        return text[match.end():].strip()
    return re.sub(r"^[\u4e00-\u9fff\s\u3000]{2,8}[：:]", "", text).strip()


def _css_cues(root: etree._Element) -> list[AdapterHit]:
    hits: list[AdapterHit] = []
    for el in WITH_CLASS_OR_ID(root):  # an element without either has no token
        tokens = [t.lower() for t in (el.get("class") or "").split()]
        if el.get("id"):
            tokens.append((el.get("id") or "").lower())
        for token in tokens:
            field = CSS_CUES.get(token)
            if field is None:
                continue
            text = element_text(el)
            value = _strip_label(text)
            if not value or value in NULL_VALUES or len(value) > 80:
                continue
            if field.endswith("_date") and parse_date(value) is None:
                continue
            hits.append(AdapterHit(field, collapse(value), text, "css_cue"))
            break
    return hits


def _script_var_matches(raw_html: str) -> Iterator[re.Match[str]]:
    """`_SCRIPT_VAR.finditer(raw_html)`, trying the pattern only where one of its names starts (a match
    can start nowhere else), instead of at every character of the page."""
    pos = 0
    while (word := _SCRIPT_NAME.search(raw_html, pos)) is not None:
        match = _SCRIPT_VAR.match(raw_html, word.start())  # \b still sees the character before
        if match is None:
            pos = word.start() + 1
            continue
        yield match
        pos = match.end()


def _script_vars(raw_html: str) -> list[AdapterHit]:
    hits: list[AdapterHit] = []
    for match in _script_var_matches(raw_html):
        if parse_date(match.group(1)):
            hits.append(AdapterHit("publish_date", match.group(1).strip(), match.group(0), "script_var"))
            break
    return hits


def run_adapters(root: etree._Element, raw_html: str) -> list[AdapterHit]:
    """All platform-cue hits, in adapter order (first hit per field wins downstream)."""
    return [*_hanweb(raw_html), *_css_cues(root), *_script_vars(raw_html)]
