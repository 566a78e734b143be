"""Pick the page's title and its on-page heading element.

The visible heading is the title as published; ``<title>`` usually appends the
site or column name (``标题_柘城县人民政府``) and is sometimes truncated.  A
heading only counts if it agrees with ``<title>`` (long common substring),
because the first <h1> on a government page is just as often the site logo.
When ``<title>`` names only the site, the heading is the nearest one above the
article body outside the site chrome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from lxml import etree

from .document import element_text, in_chrome

__all__ = ["HeadingChoice", "find_heading", "looks_like_site_name", "strip_site_suffix", "similarity"]

_TITLE_CLASS_RE = re.compile(
    r"(?:^|[-_])(?:title|tit|bt|biaoti|headline|wzbt|xxbt|art_title|arttitle)(?:$|[-_\d])",
    re.IGNORECASE,
)
_HEADING_TAGS = ("h1", "h2", "h3")
# Headings and elements with a class or id, in document order (lxml picks them: no Python call per other element).
_HEADING_OR_NAMED = etree.XPath("descendant-or-self::*[@class or @id or self::h1 or self::h2 or self::h3]")
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
    for part in parts:
        if len(part) >= 2 and not looks_like_site_name(part, site_names):
            return part
    return parts[0]


def _heading_candidates(root: etree._Element) -> list[tuple[int, etree._Element]]:
    """(preference, element) for headings and title-classed elements, in document order."""
    found: list[tuple[int, etree._Element]] = []
    for el in _HEADING_OR_NAMED(root):  # the others are neither a heading nor title-classed
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("html", "body", "head", "title", "meta", "a", "img", "ul", "table", "tbody", "tr"):
            continue
        if tag in _HEADING_TAGS:
            found.append((_HEADING_TAGS.index(tag), el))
            continue
        tokens = (el.get("class") or "").split()
        if el.get("id"):
            tokens.append(el.get("id") or "")
        if any(_title_token(t) for t in tokens):
            found.append((3, el))
    return found


@lru_cache(maxsize=1 << 12)
def _title_token(token: str) -> bool:
    """Whether a class/id token names a title slot (remembered: templates repeat their class names)."""
    return _TITLE_CLASS_RE.search(token) is not None


_SITE_NAME_RE = re.compile(r"(?:人民政府|政府网|门户网站|政府门户网|网站|官网|管委会|委员会|人民代表大会|首页)$")
# The first <h1> of a government page is usually the site name in the header.
_TITLE_CHROME_EXTRA = frozenset({"head", "top", "logo", "side", "left"})


def looks_like_site_name(text: str, site_names: tuple[str, ...] = ()) -> bool:
    """True for <title>s that name the site, not the article (``某某市人民政府``)."""
    text = text.strip()
    if not text:
        return True
    if text in {n.strip() for n in site_names if n}:
        return True
    if "欢迎" in text:
        return True
    return len(text) <= 25 and bool(_SITE_NAME_RE.search(text))


def _agreeing_heading(
    candidates: list[tuple[int, etree._Element, str]], reference: str, site_names: tuple[str, ...]
) -> HeadingChoice | None:
    core = strip_site_suffix(reference, site_names) or reference
    best: tuple[float, int, int, HeadingChoice] | None = None
    for order, (pref, el, text) in enumerate(candidates):
        common, ratio = similarity(text, reference)
        if common < min(4, len(text)) or ratio < 0.6:
            continue
        # Coverage of the title: a heading that is the whole title beats one
        # that only shares a word with it (a column heading "通知").
        _, coverage = similarity(core, text)
        if coverage < 0.3:
            continue
        score = ratio + coverage
        key = (score, -pref, -order)
        if best is None or key > best[:3]:
            best = (score, -pref, -order, HeadingChoice(el, text, score))
    return best[3] if best else None


def _heading_above_body(
    root: etree._Element, candidates: list[tuple[int, etree._Element, str]], body_el: etree._Element | None
) -> HeadingChoice | None:
    """Without a usable reference: the heading right above the article body.

    Site chrome (header, nav, logo, footer, sidebars) is excluded because the
    first <h1> of a government page is usually the site name.
    """
    usable = [(p, el, t) for p, el, t in candidates if 4 <= len(t) <= 120 and not in_chrome(el, _TITLE_CHROME_EXTRA)]
    if not usable:
        return None
    if body_el is None:
        h1s = [c for c in usable if c[0] == 0]
        return HeadingChoice(h1s[0][1], h1s[0][2], 0.5) if len(h1s) == 1 else None
    order = {el: i for i, el in enumerate(root.iter())}
    body_pos = order.get(body_el)
    if body_pos is None:
        return None
    body_family = set(body_el.iterancestors())
    before = [c for c in usable if order.get(c[1], -1) < body_pos and c[1] not in body_family]
    if before:
        pref, el, text = max(before, key=lambda c: order[c[1]])
        return HeadingChoice(el, text, 0.5)
    inside = [c for c in usable if any(anc is body_el for anc in c[1].iterancestors())]
    if inside:
        pref, el, text = inside[0]
        return HeadingChoice(el, text, 0.5)
    return None


def find_heading(
    root: etree._Element,
    reference: str | None,
    *,
    site_names: tuple[str, ...] = (),
    body_el: etree._Element | None = None,
) -> HeadingChoice | None:
    """The on-page heading of the article.

    With a real title to compare against (ArticleTitle or <title>), the heading
    must agree with it.  When <title> only names the site, the heading is the
    nearest non-chrome heading above the article body.
    """
    candidates = []
    for pref, el in _heading_candidates(root):
        text = element_text(el)
        if 2 <= len(text) <= _MAX_TITLE:
            candidates.append((pref, el, text))
    if not candidates:
        return None
    if reference and not looks_like_site_name(strip_site_suffix(reference, site_names), site_names):
        return _agreeing_heading(candidates, reference, site_names)
    return _heading_above_body(root, candidates, body_el)
