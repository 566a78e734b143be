"""Parse HTML once and render it into visible text lines.

Labels and values sit in every layout imaginable (two table cells, one cell,
dt/dd, spans, a sentence), so extraction works on a rendering that keeps just
enough structure: block elements and table cells start new lines, inline
elements are joined without spaces (``<b>2018</b>年`` stays ``2018年``) but
their boundaries are remembered with :data:`MARK`, so a label printed alone in
a ``<span>`` can still be told apart from the value in the next ``<span>``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from ...errors import ExtractionError

__all__ = [
    "MARK",
    "WITH_CLASS_OR_ID",
    "Line",
    "RenderedPage",
    "collapse",
    "drop_invisible",
    "element_text",
    "in_chrome",
    "parse_html",
    "render_lines",
    "unmark",
]

# Private-use character marking an inline element boundary.  Never printed:
# strip it with :func:`unmark` before a value leaves this package.
MARK = "\ue000"

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend",
        "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    }
)
# Never visible text.  <head> is read separately for <title>, <meta> and <base>.
DROP_TAGS = (
    "script", "style", "noscript", "template", "head", "title", "select", "option",
    "textarea", "button", "input", "iframe", "object", "embed", "svg", "canvas", "map",
)

# DROP_TAGS as the parser may spell them: libxml2's HTML parser lowercases tag names, but the same
# tree can hold upper-case names made by other code; both are matched (and checked lower-cased below).
_DROP_NAMES = tuple(DROP_TAGS) + tuple(t.upper() for t in DROP_TAGS)

_WS_RE = re.compile(r"[ \t\r\n\f\v\xa0\u200b\ufeff]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


# Class/id tokens of site chrome (header, menus, footer, sidebars).
CHROME_TOKENS = frozenset(
    {"header", "nav", "navbar", "menu", "footer", "foot", "bottom", "sidebar", "breadcrumb", "crumb"}
)


def in_chrome(el: etree._Element, extra_tokens: frozenset[str] = frozenset()) -> bool:
    """Whether ``el`` sits in site chrome rather than in the article."""
    tokens_wanted = CHROME_TOKENS | extra_tokens
    for node in (el, *el.iterancestors()):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("header", "nav", "footer"):
            return True
        tokens = {t.lower() for t in (node.get("class") or "").split()}
        ident = node.get("id")
        if ident:
            tokens.add(ident.lower())
        if tokens & tokens_wanted:
            return True
    return False


# Elements with a class or an id attribute, in document order (the root included): the only ones whose
# class/id tokens can name anything. lxml selects them without a Python call per other element.
WITH_CLASS_OR_ID = etree.XPath("descendant-or-self::*[@class or @id]")


def collapse(text: str) -> str:
    """Collapse ASCII whitespace and nbsp runs to one space; keep U+3000 (titles use it)."""
    return _WS_RE.sub(" ", text).strip(" ")


def unmark(text: str) -> str:
    return text.replace(MARK, "")


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse (possibly truncated or broken) HTML into an lxml document.

    Raises ExtractionError only when there is nothing to parse at all.
    """
    cleaned = _CONTROL_RE.sub("", _XML_DECL_RE.sub("", html, count=1))
    if not cleaned.strip():
        raise ExtractionError("page is empty", hint="check the fetch: the response body has no content")
    try:
        root = lxml.html.document_fromstring(cleaned, parser=_parser())
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"page is not parseable as HTML: {exc}") from exc
    return root


_PARSERS = threading.local()


def _parser() -> etree.HTMLParser:
    """This thread's HTML parser (lxml parsers must not be shared between threads; making one per page
    cost more than parsing a small page).

    huge_tree: Word-pasted pages nest hundreds of unclosed <font>/<span> tags, past libxml2's default
    depth limit, which silently drops the text. Elements are lxml.html's classes picked by a C-level
    lookup: lxml.html's own lookup is a Python call for every element proxy made (a few hundred a
    page); it differs only in giving <form>/<input>/<select>/<textarea>/<label> their form classes,
    whose form API extraction never uses."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(huge_tree=True)
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


def element_text(el: etree._Element) -> str:
    """Visible text of an element, whitespace collapsed.

    Call after :func:`drop_invisible`, which removes scripts and comments.
    """
    return collapse("".join(t for t in el.itertext() if isinstance(t, str)))


@dataclass
class Line:
    """One rendered line of visible text."""

    index: int
    marked: str  # text with MARK at inline element boundaries
    in_body: bool  # inside the main content container
    hidden: bool  # inside display:none / visibility:hidden / [hidden]
    tier: int = 0  # 0 metadata area, 1 article body, 2 hidden; set by the caller

    @property
    def text(self) -> str:
        return collapse(unmark(self.marked))


@dataclass
class RenderedPage:
    lines: list[Line]
    first_line: dict[etree._Element, int] = field(default_factory=dict)
    last_line: dict[etree._Element, int] = field(default_factory=dict)


def _is_hidden(el: etree._Element) -> bool:
    if el.get("hidden") is not None or el.get("type", "").lower() == "hidden":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE_RE.search(style))


_CELL_TAGS = frozenset({"td", "th", "dd"})


def render_lines(root: etree._Element, body_el: etree._Element | None) -> RenderedPage:
    """Render the visible text of ``root`` (a cleaned document) into lines.

    Lines have text, except the empty placeholder lines left by empty table
    cells and <dd>s; consumers skip lines whose ``text`` is empty.

    Also records, per element, the first and last line its text falls on, so
    element-based finds (headings, label cells) can be placed among the lines.

    One walk of the tree with its bookkeeping inlined (no call per text piece): it is run on every
    fetched detail page.
    """
    lines: list[Line] = []
    first: dict[etree._Element, int] = {}
    last: dict[etree._Element, int] = {}
    pieces: list[str] = []
    has_text = False
    body_depth = hidden_depth = 0
    line_body = line_hidden = False  # where the current line's first text sits
    hidden_els: set[etree._Element] = set()  # decided at the start tag, undone at the end tag
    ws_sub = _WS_RE.sub

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            # comments / processing instructions: skip content, keep tail
            if event == "end":
                text = el.tail
                if text:
                    if not has_text and text.strip(" \t\r\n\xa0"):
                        has_text, line_body, line_hidden = True, body_depth > 0, hidden_depth > 0
                    pieces.append(text)
            continue
        tag = tag.lower()
        block = tag in BLOCK_TAGS
        if event == "start":
            if block:
                if has_text:  # the line so far ends here
                    marked = ws_sub(" ", "".join(pieces)).strip(" ")
                    if marked.replace(MARK, "").strip(" \u3000"):
                        lines.append(Line(len(lines), marked, line_body, line_hidden))
                    has_text = False
                pieces.clear()
            else:
                pieces.append(MARK)
            if el is body_el:
                body_depth += 1
            if _is_hidden(el):
                hidden_depth += 1
                hidden_els.add(el)
            first[el] = len(lines)
            text = el.text
        else:
            if block:
                if has_text:
                    marked = ws_sub(" ", "".join(pieces)).strip(" ")
                    if marked.replace(MARK, "").strip(" \u3000"):
                        lines.append(Line(len(lines), marked, line_body, line_hidden))
                    has_text = False
                pieces.clear()
                if tag in _CELL_TAGS and first.get(el) == len(lines):
                    # An empty value cell is kept as an empty line, so "label at
                    # the end of its line, value on the next" never skips past it
                    # to the following row's text.
                    lines.append(Line(len(lines), "", body_depth > 0, hidden_depth > 0))
                last[el] = len(lines) - 1
            else:
                pieces.append(MARK)
                last[el] = len(lines) if has_text else len(lines) - 1
            if el is body_el:
                body_depth -= 1
            if el in hidden_els:
                hidden_depth -= 1
            text = el.tail
        if text:
            if not has_text and text.strip(" \t\r\n\xa0"):
                has_text, line_body, line_hidden = True, body_depth > 0, hidden_depth > 0
            pieces.append(text)
    if has_text:
        marked = ws_sub(" ", "".join(pieces)).strip(" ")
        if marked.replace(MARK, "").strip(" \u3000"):
            lines.append(Line(len(lines), marked, line_body, line_hidden))
    return RenderedPage(lines, first, last)


def drop_invisible(root: etree._Element) -> None:
    """Remove scripts, styles, comments, form controls and <head> (keeping tails)."""
    # lxml picks them (document order, as a walk of every node would): no Python call per other element
    doomed = [el for el in root.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity, *_DROP_NAMES)
              if not isinstance(el.tag, str) or el.tag.lower() in DROP_TAGS]
    for el in doomed:
        if el.getparent() is None:
            continue
        try:
            el.drop_tree()  # type: ignore[attr-defined]
        except AttributeError:  # pragma: no cover - plain etree element
            parent = el.getparent()
            parent.remove(el)
