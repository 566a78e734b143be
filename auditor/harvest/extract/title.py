"""Pick the page's title and its on-page heading element.

The visible heading is the title as published; ``<title>`` usually appends the
site or column name (``标题_柘城县人民政府``) and is sometimes truncated.  A
heading only counts if it agrees with ``<title>`` (long common substring),
because the first <h1> on a government page is just as often the site logo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from lxml import etree

from .document import element_text

__all__ = ["HeadingChoice", "find_heading", "strip_site_suffix", "similarity"]

_TITLE_CLASS_RE = re.compile(
    r"(?:^|[-_])(?:title|tit|bt|biaoti|headline|wzbt|xxbt|art_title|arttitle)(?:$|[-_\d])",
    re.IGNORECASE,
)
_HEADING_TAGS = ("h1", "h2", "h3")
# Separators between title and site name in <title>.  A bare "-" is not one:
# titles contain date ranges like 2024-2025.
_SUFFIX_SPLIT_RE = re.compile(r"\s*(?:_+|\||｜|\s[-–—－]{1,2}\s|--)\s*")
_MAX_TITLE = 300


@dataclass
class HeadingChoice:
    element: etree._Element
    text: str
    score: float


def similarity(a: str, b: str) -> tuple[int, float]:
    """(longest common substring length, that length / len(a))."""
    if not a or not b:
        return 0, 0.0
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size, match.size / len(a)


def strip_site_suffix(title: str, site_names: tuple[str, ...] = ()) -> str:
    """``标题_栏目_站点`` → ``标题``: the first part that is not a known site/column name."""
    parts = [p.strip() for p in _SUFFIX_SPLIT_RE.split(title) if p and p.strip()]
    if len(parts) <= 1:
        return title.strip()
    names = {n.strip() for n in site_names if n}
    for part in parts:
        if part in names:
            continue
        if len(part) >= 2:
            return part
    return parts[0]


def _heading_candidates(root: etree._Element) -> list[tuple[int, etree._Element]]:
    """(preference, element) for headings and title-classed elements, in document order."""
    found: list[tuple[int, etree._Element]] = []
    for el in root.iter(etree.Element):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("html", "body", "head", "title", "meta", "a", "img", "ul", "table", "tbody", "tr"):
            continue
        if tag in _HEADING_TAGS:
            found.append((_HEADING_TAGS.index(tag), el))
            continue
        tokens = (el.get("class") or "").split()
        if el.get("id"):
            tokens.append(el.get("id") or "")
        if any(_TITLE_CLASS_RE.search(t) for t in tokens):
            found.append((3, el))
    return found


def find_heading(root: etree._Element, reference: str | None) -> HeadingChoice | None:
    """The on-page heading agreeing best with ``reference`` (meta title or <title>).

    Without a reference only an unambiguous single <h1> is trusted.
    """
    candidates = _heading_candidates(root)
    if not candidates:
        return None
    best: tuple[float, int, int, HeadingChoice] | None = None
    for order, (pref, el) in enumerate(candidates):
        text = element_text(el)
        if not (2 <= len(text) <= _MAX_TITLE):
            continue
        if reference:
            common, ratio = similarity(text, reference)
            if common < min(4, len(text)) or ratio < 0.6:
                continue
            # Coverage of the reference: a heading that is the whole title beats
            # one that only shares a phrase with it.
            _, coverage = similarity(reference, text)
            score = ratio + coverage
        else:
            if pref != 0:
                continue
            score = 1.0
        key = (score, -pref, -order)
        if best is None or key > best[:3]:
            best = (score, -pref, -order, HeadingChoice(el, text, score))
    if best is None:
        return None
    if not reference:
        h1s = [el for pref, el in candidates if pref == 0 and element_text(el)]
        if len(h1s) != 1:
            return None
    return best[3]
