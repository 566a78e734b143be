"""Find the element that holds the article body.

Government CMSs name their content container predictably (TRS ``TRS_Editor``
and ``#UCAP-CONTENT``, Hanweb ``#zoom``, many templates ``#zoomcon`` /
``.article-content``), so known names are tried first, most specific first;
only pages using none of them fall back to a text-density guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .document import WITH_CLASS_OR_ID

__all__ = ["BodyChoice", "CONTAINER_NAMES", "find_body"]

# Class or id tokens, compared case-insensitively, most specific first.  Generic
# names ("content", "article") come last because on many templates they wrap
# the title and metadata block as well.
CONTAINER_NAMES: tuple[str, ...] = (
    "trs_editor",
    "trs_editor_view",
    "trs_ueditor",
    "ucap-content",
    "zoomcon",
    "zoom",
    "fontzoom",
    "zoomcontent",
    "article-content",
    "article_content",
    "articlecontent",
    "article-body",
    "article_body",
    "articlebody",
    "xxgk_content",
    "xxgk-content",
    "xxgk_contents",
    "bt-content",
    "bt_content",
    "content_article",
    "news_content",
    "news-content",
    "newscontent",
    "detail-content",
    "detail_content",
    "detailcontent",
    "info_content",
    "info-content",
    "infocontent",
    "con_text",
    "contenttext",
    "content-text",
    "content_text",
    "pages_content",
    "wzy_content",
    "art_con",
    "art-con",
    "artcon",
    "main-txt",
    "main_txt",
    "maintext",
    "wznr",
    "nrwz",
    "view",
    "content",
)
_RANK = {name: i for i, name in enumerate(CONTAINER_NAMES)}

# A container with less text than this is an empty template slot.
MIN_CONTAINER_CHARS = 10

_CANDIDATE_TAGS = frozenset({"div", "td", "article", "section", "main", "body"})


@dataclass
class BodyChoice:
    element: etree._Element | None
    method: str  # "container" | "density" | "none"
    selector: str | None  # e.g. "div#zoomcon", for provenance


def _describe(el: etree._Element) -> str:
    ident = el.get("id")
    if ident:
        return f"{el.tag}#{ident}"
    classes = (el.get("class") or "").split()
    return f"{el.tag}." + ".".join(classes) if classes else str(el.tag)


def _text_len(el: etree._Element) -> int:
    """Characters of text that are not whitespace (str.split() splits exactly where str.isspace() holds)."""
    return sum(len("".join(t.split())) for t in el.itertext())


def _tokens(el: etree._Element) -> list[str]:
    tokens = [t.lower() for t in (el.get("class") or "").split()]
    ident = el.get("id")
    if ident:
        tokens.append(ident.strip().lower())
    return tokens


def find_container(root: etree._Element) -> BodyChoice | None:
    """The best-ranked known content container that actually holds text."""
    by_rank: dict[int, list[etree._Element]] = {}
    for el in WITH_CLASS_OR_ID(root):  # an element without either has no token
        if not isinstance(el.tag, str) or el.tag in ("html", "body", "meta", "link", "a", "img"):
            continue
        ranks = [_RANK[t] for t in _tokens(el) if t in _RANK]
        if ranks:
            by_rank.setdefault(min(ranks), []).append(el)
    for rank in sorted(by_rank):
        els = by_rank[rank]
        sizes = [_text_len(el) for el in els]
        size = max(sizes)
        best = els[sizes.index(size)]  # the first of the longest, as max() picks
        if size >= MIN_CONTAINER_CHARS:
            return BodyChoice(best, "container", _describe(best))
    return None


def _density_choice(root: etree._Element) -> BodyChoice | None:
    """Readability-style fallback: the deepest block holding most of the non-link text."""
    totals: dict[etree._Element, list[int]] = {}
    stack: list[list[int]] = []
    link_depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            stack.append([0, 0])  # [plain chars, link chars]
            if el.tag == "a":
                link_depth += 1
            n = len((el.text or "").strip())
            stack[-1][1 if link_depth else 0] += n
        else:
            counts = stack.pop()
            totals[el] = counts
            if el.tag == "a":
                link_depth -= 1
            if stack:
                stack[-1][0] += counts[0]
                stack[-1][1] += counts[1]
                n = len((el.tail or "").strip())
                stack[-1][1 if link_depth else 0] += n

    def score(el: etree._Element) -> float:
        plain, links = totals.get(el, (0, 0))
        total = plain + links
        if total == 0:
            return 0.0
        return plain * (plain / total)

    body = root.find(".//body")
    current = body if body is not None else root
    if score(current) <= 0:
        return None
    while True:
        children = [c for c in current if isinstance(c.tag, str) and c.tag in _CANDIDATE_TAGS]
        if not children:
            break
        best = max(children, key=score)
        if score(best) >= 0.7 * score(current):
            current = best
        else:
            break
    return BodyChoice(current, "density", _describe(current))


def find_body(root: etree._Element) -> BodyChoice:
    """Known container first, then the density guess, else nothing."""
    choice = find_container(root)
    if choice is not None:
        return choice
    choice = _density_choice(root)
    if choice is not None:
        return choice
    return BodyChoice(None, "none", None)
