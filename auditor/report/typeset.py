"""Typeset report PDFs with Typst, from the same print HTML the other formats come from.

WeasyPrint lays out a scorecard in about half a CPU-second; a province of 1,000 units then needs ten
minutes of two cores. Typst (a Rust typesetter, `pip install typst`) sets the same five pages in a few
hundredths of a second. The content is not written twice: the print HTML rendered from our Jinja
templates (`render.print_document`) is read here into a few typed blocks — headings, paragraphs, score
cards, tables, charts, lists, page-breaking sections — and `reports/typst/document.typ` lays them out.

Crawled text is hostile: it reaches Typst only as JSON data (`sys.inputs`), and the template shows every
string as text, so a title holding Typst or HTML markup is printed, never run. Links are printed as their
text, with no URL annotation. Charts are our own SVG (charts.py), handed to Typst as images.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from html import unescape

from lxml import html as lxml_html

# Inline styles a run can carry; the template maps each to a text style.
MUTED_CLASSES = frozenset({"note", "muted", "meta"})
TONES = frozenset({"h1", "h2", "h3", "h4", "h5", "hna"})  # heat bands (report.css), coloured by the template
PARA_CLASSES = ("warn", "meta", "note")
BLOCK_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "div", "section", "article",
                        "header", "footer", "nav", "figure"})
SKIP_TAGS = frozenset({"script", "style", "title", "head", "meta", "link", "template"})
SVG_SLOT = re.compile(r"<svg\b.*?</svg>", re.S)
SVG_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
WHITESPACE = re.compile(r"\s+")
MAX_WEIGHT = 40  # a column's width weight: characters of its typical cell, capped so URLs do not take the row
MIN_WEIGHT = 8
AUTO_MAX = 10  # a column whose lines are all this short is as wide as its longest line


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of inline text. `style`: "" plain, "muted" (notes), "bold", "small"; "\\n" text is a line break."""

    t: str
    style: str = ""
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Cell:
    runs: list[Run]
    head: bool = False
    num: bool = False
    tone: str = ""
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True, slots=True)
class Card:
    value: list[Run]
    label: list[Run]
    tone: str = ""


@dataclass(frozen=True, slots=True)
class Block:
    """One block of the document. kind: heading (level), para (cls), cards, table (widths, head, rows), svg,
    list (items), section (page: starts a page; landscape: on its own landscape pages; blocks)."""

    kind: str
    level: int = 0
    cls: str = ""
    runs: list[Run] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    widths: list[str] = field(default_factory=list)
    head: list[list[Cell]] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    items: list[list[Run]] = field(default_factory=list)
    svg: str = ""
    alt: str = ""
    page: bool = False
    landscape: bool = False
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Document:
    """What the Typst template receives: running header texts and the blocks."""

    title: str
    unit: str
    blocks: list[Block]

    def to_json(self) -> str:
        """Compact JSON; a lone surrogate (undecodable crawled bytes) becomes "?" so Typst can read it."""
        text = json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "replace").decode("utf-8")


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _text(s: str | None) -> str:
    return WHITESPACE.sub(" ", s) if s else ""


def _style(el, inherited: str) -> str:
    tag, cls = el.tag, _classes(el)
    if tag in ("b", "strong", "th"):
        return "bold"
    if tag == "small":
        return "small"
    if cls & MUTED_CLASSES:
        return "muted"
    return inherited


def inline_runs(el, style: str = "") -> list[Run]:
    """The element's text as runs: nested spans keep their style (and heat tone), <br> becomes a line break,
    a link its text."""
    return _merge(list(_collect(el, style, "")))


def _collect(el, style: str, tone: str) -> Iterator[Run]:
    if el.text:
        yield Run(_text(el.text), style, tone)
    for child in el:
        if not isinstance(child.tag, str) or child.tag in SKIP_TAGS:
            pass
        elif child.tag == "br":
            yield Run("\n")
        else:
            yield from _collect(child, _style(child, style), _tone(child) or tone)
        if child.tail:
            yield Run(_text(child.tail), style, tone)


def _merge(runs: list[Run]) -> list[Run]:
    """Adjacent runs of one style joined; leading/trailing blanks and blanks around line breaks dropped."""
    out: list[Run] = []
    for r in runs:
        if out and r.t != "\n" and out[-1].t != "\n" and (out[-1].style, out[-1].tone) == (r.style, r.tone):
            out[-1] = Run(out[-1].t + r.t, r.style, r.tone)
        elif r.t:
            out.append(r)
    if out and out[0].t != "\n":
        out[0] = Run(out[0].t.lstrip(), out[0].style, out[0].tone)
    if out and out[-1].t != "\n":
        out[-1] = Run(out[-1].t.rstrip(), out[-1].style, out[-1].tone)
    out = [r for r in out if r.t]
    while out and out[-1].t == "\n":
        out.pop()
    while out and out[0].t == "\n":
        out.pop(0)
    return out


def _tone(el) -> str:
    return next(iter(sorted(_classes(el) & TONES)), "")


def _cell(el) -> Cell:
    tone = _tone(el)
    return Cell(runs=inline_runs(el, "bold" if el.tag == "th" else ""), head=el.tag == "th", num="num" in _classes(el),
                tone=tone, colspan=_span(el.get("colspan")), rowspan=_span(el.get("rowspan")))


def _span(value: str | None) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < 100 else 1


def _rows(el) -> Iterator[list[Cell]]:
    for tr in el.iter("tr"):
        yield [_cell(c) for c in tr if c.tag in ("td", "th")]


def _lines(cell: Cell) -> list[int]:
    """Lengths of the cell's lines (its <br> breaks)."""
    return [len(line) for line in "".join(r.t for r in cell.runs).split("\n")]


def column_widths(head: list[list[Cell]], rows: list[list[Cell]]) -> list[str]:
    """Typst column widths. Numbers and short texts (no line over AUTO_MAX characters) fit their content
    ("auto"); longer texts share the rest in proportion to their typical cell (capped), so a URL column does
    not squeeze the titles and a two-character status column is not set one character a line."""
    plain = [r for r in rows if all(c.colspan == 1 for c in r)]
    header = next((r for r in reversed(head) if all(c.colspan == 1 for c in r)), [])
    ncols = max([len(r) for r in plain] + [len(header)] + [sum(c.colspan for c in r) for r in rows + head] + [0])
    widths: list[str] = []
    for i in range(ncols):
        cells = [r[i] for r in plain if i < len(r)]
        longest = max((n for c in cells for n in _lines(c)), default=0)
        title = max(_lines(header[i])) if i < len(header) else 0
        if (cells and all(c.num for c in cells)) or max(longest, title) <= AUTO_MAX:
            widths.append("auto")
            continue
        lengths = sorted(sum(_lines(c)) for c in cells) or [0]
        typical = lengths[(len(lengths) * 3) // 4]
        widths.append(f"{min(max(typical, title, MIN_WEIGHT), MAX_WEIGHT)}fr")
    return widths


def _table(el) -> Block:
    head = [r for part in el.findall("thead") for r in _rows(part)]
    bodies = el.findall("tbody") or [el]
    rows = [r for part in bodies for r in _rows(part) if r]
    if not head and rows and all(c.head for c in rows[0]):
        head, rows = rows[:1], rows[1:]
    return Block("table", cls=el.get("class") or "", widths=column_widths(head, rows), head=head, rows=rows)


def _cards(el) -> Block:
    cards = []
    for card in el:
        if not isinstance(card.tag, str):
            continue
        value = card.find_class("v")
        label = card.find_class("k")
        tone = _tone(card)
        cards.append(Card(value=inline_runs(value[0]) if value else inline_runs(card),
                          label=inline_runs(label[0]) if label else [], tone=tone))
    return Block("cards", cards=cards)


class _Reader:
    """Walks the print HTML body into blocks; remembers the running header texts."""

    def __init__(self, svgs: list[str]) -> None:
        self.svgs = svgs
        self.title = ""
        self.unit = ""

    def blocks(self, el) -> list[Block]:
        out: list[Block] = []
        loose: list[Run] = inline_runs_of_text(el.text)
        for child in el:
            if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
                if child.tag in BLOCK_TAGS or child.tag == "svg-slot":
                    out.extend(self._para(loose))
                    loose = []
                    out.extend(self.block(child))
                else:
                    loose.extend(_collect(child, _style(child, ""), _tone(child)) if child.tag != "br" else [Run("\n")])
            loose.extend(inline_runs_of_text(child.tail))
        out.extend(self._para(loose))
        return out

    @staticmethod
    def _para(runs: list[Run]) -> list[Block]:
        runs = _merge(runs)
        return [Block("para", runs=runs)] if runs else []

    def block(self, el) -> list[Block]:
        tag, cls = el.tag, _classes(el)
        if "running-title" in cls:
            self.title = _text(el.text_content()).strip()
            return []
        if "running-unit" in cls:
            self.unit = self.unit or _text(el.text_content()).strip()
            return []
        if "noprint" in cls or tag == "nav":
            return []
        if tag == "svg-slot":
            i = int(el.get("data-i", "-1"))
            return [Block("svg", svg=self.svgs[i], alt=_svg_title(self.svgs[i]))] if 0 <= i < len(self.svgs) else []
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return [Block("heading", level=int(tag[1]), runs=inline_runs(el))]
        if tag == "p":
            para_cls = next((c for c in PARA_CLASSES if c in cls), "")
            runs = inline_runs(el, "muted" if para_cls in ("meta", "note") else "")
            return [Block("para", cls=para_cls, runs=runs)] if runs else []
        if tag == "table":
            return [_table(el)]
        if tag in ("ul", "ol"):
            return [Block("list", items=[inline_runs(li) for li in el if li.tag == "li"])]
        if "cards" in cls:
            return [_cards(el)]
        if tag == "section" and ("page" in cls or "landscape" in cls):
            return [Block("section", page=True, landscape="landscape" in cls, blocks=self.blocks(el))]
        if tag == "footer":
            runs = inline_runs(el, "muted")
            return [Block("para", cls="note", runs=runs)] if runs else []
        return self.blocks(el)


def _svg_title(svg: str) -> str:
    """The chart's own <title> (charts.py writes one), as the image's alternative text."""
    found = SVG_TITLE.search(svg)
    return unescape(_text(found.group(1))).strip() if found else ""


def inline_runs_of_text(text: str | None) -> list[Run]:
    return [Run(_text(text))] if text and text.strip() else []


def document_from_html(page: str) -> Document:
    """The blocks of one print HTML document (render.print_document), ready for the Typst template."""
    svgs: list[str] = []

    def slot(match: re.Match) -> str:
        svgs.append(match.group(0))
        return f'<svg-slot data-i="{len(svgs) - 1}"></svg-slot>'

    # SVG is cut out before the HTML parser sees it: lxml.html lower-cases attribute names (viewBox).
    root = lxml_html.document_fromstring(SVG_SLOT.sub(slot, page))
    body = root.find("body")
    reader = _Reader(svgs)
    blocks = reader.blocks(body if body is not None else root)
    title = reader.title or _text(root.findtext(".//title")).strip()
    return Document(title=title, unit=reader.unit, blocks=blocks)
