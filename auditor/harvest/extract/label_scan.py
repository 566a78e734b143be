"""Find label/value pairs wherever a page prints them.

Two passes over the same page:

* text pass — on rendered lines, ``LABEL：value`` (or ``【LABEL】value``) with the
  value running to the next label-like token; if nothing follows the colon on
  that line the value is the next line (two table cells, dt/dd, stacked divs);
* element pass — an element whose whole text is a label *without* colon takes
  its value from the next sibling element (``<td>索引号</td><td>…</td>``).

Labels preceded by a Han character are not labels (``资金来源：`` is not
``来源：``), which keeps body prose out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from .dates import find_dates, parse_date
from .document import MARK, Line, RenderedPage, collapse, element_text, unmark
from .labels import DATE_FIELDS, FIELD_LABELS, MAX_VALUE_LENGTH, NULL_VALUES, lookup_label, normalise_label

__all__ = ["LabelHit", "scan_labels", "LABEL_COLON_RE"]

_HAN = r"\u4e00-\u9fff"
_GAP = rf"[\s\u3000{MARK}]*"


def _spaced(label: str) -> str:
    return _GAP.join(re.escape(ch) for ch in label)


_ALL_LABELS = sorted({lab for labs in FIELD_LABELS.values() for lab in labs}, key=len, reverse=True)
_LABEL_ALT = "|".join(_spaced(lab) for lab in _ALL_LABELS)

# A label followed by a colon, or wrapped in 【】/[] brackets.
LABEL_COLON_RE = re.compile(
    rf"(?<![{_HAN}])[【\[]?{_GAP}(?P<label>{_LABEL_ALT}){_GAP}(?:[】\]]{_GAP}[：:]?|[：:])"
)
# Where a value ends: the next known label with colon (even glued to the value),
# a generic "汉字：" label after a separator, or a field separator.
_TERMINATOR_RE = re.compile(
    rf"[【\[]?(?:{_LABEL_ALT}){_GAP}(?:[：:]|[】\]])"
    rf"|(?<=[\s\u3000{MARK}|｜,，;；])[【\[]?[{_HAN}][{_HAN} \u3000]{{1,7}}[：:】]"
    r"|[|｜]"
)
_VALUE_STRIP = " \t\r\n\u3000\xa0,，;；、|｜:：【】[]"
# Inline elements separated by whitespace end a text value: ``来源：<b>市政府</b> <a>打印</a>``.
_SPACED_BOUNDARY_RE = re.compile(rf"{MARK}+[ \u3000]+|[ \u3000]+{MARK}+")
# A line that starts like "字体：" is a label of something else, never a value.
_COLONISH_RE = re.compile(r"[：:】\]]")  # every LABEL_COLON_RE match ends with one of these
_GENERIC_LABEL_START_RE = re.compile(rf"^[{MARK} \u3000]*[【\[]?[{_HAN}][{_HAN} \u3000]{{1,7}}[：:】]")


@dataclass(frozen=True)
class LabelHit:
    """One labelled value found on the page."""

    field: str
    rank: int  # position of the label in the field's synonym list (0 = preferred)
    label: str  # normalised label as printed
    value: str  # cleaned value text
    raw: str  # label and value as printed
    line: int  # index into the rendered lines
    tier: int  # 0 metadata area, 1 article body, 2 hidden


# 发文日期/发文时间 normally name the document's own date (成文), but a value
# with a time of day is a web posting stamp: no official document is dated to
# the minute.
_AMBIGUOUS_WRITTEN = frozenset({"发文日期", "发文时间"})


def _classify(field: str, rank: int, label: str, value: str) -> tuple[str, int]:
    if field == "written_date" and label in _AMBIGUOUS_WRITTEN:
        dates = find_dates(value)
        if dates and dates[0].has_time:
            return "publish_date", len(FIELD_LABELS["publish_date"])
    return field, rank


def _clean_value(text: str) -> str:
    return collapse(unmark(text)).strip(_VALUE_STRIP)


@lru_cache(maxsize=1 << 14)
def _acceptable(field: str, value: str) -> bool:
    """Whether `value` can be the field's value (remembered: a pure test, and templates repeat values)."""
    if value.lower() in NULL_VALUES or normalise_label(value).lower() in NULL_VALUES:
        return False
    if len(value) > MAX_VALUE_LENGTH.get(field, 120):
        return False
    if field in DATE_FIELDS:
        return parse_date(value) is not None
    if lookup_label(value) is not None:  # a label, not a value
        return False
    return True


def _is_label_line(line: Line) -> bool:
    text = line.marked.lstrip(f" \u3000{MARK}")
    if LABEL_COLON_RE.match(text) or _GENERIC_LABEL_START_RE.match(text):
        return True
    return lookup_label(unmark(line.marked)) is not None


def _cut_at_spaced_boundary(value_marked: str) -> str:
    """Keep a text value up to the first whitespace-separated inline boundary after some text."""
    for match in _SPACED_BOUNDARY_RE.finditer(value_marked):
        if _clean_value(value_marked[: match.start()]):
            return value_marked[: match.start()]
    return value_marked


def _scan_line(lines: list[Line], i: int) -> list[LabelHit]:
    line = lines[i]
    hits: list[LabelHit] = []
    marked = line.marked
    if not _COLONISH_RE.search(marked):  # most body lines: no label possible, skip the costly pattern
        return hits
    for match in LABEL_COLON_RE.finditer(marked):
        info = lookup_label(match.group("label"))
        if info is None:
            continue
        field, rank = info
        rest = marked[match.end():]
        term = _TERMINATOR_RE.search(rest)
        value_marked = rest[: term.start()] if term else rest
        if field not in DATE_FIELDS:
            value_marked = _cut_at_spaced_boundary(value_marked)
        value = _clean_value(value_marked)
        raw = collapse(unmark(marked[match.start(): match.end() + len(value_marked)]))
        if not value and not unmark(rest).strip(_VALUE_STRIP + MARK):
            # Label alone at the end of its line: the value is the next line.
            nxt = i + 1
            if nxt < len(lines) and not _is_label_line(lines[nxt]):
                value = _clean_value(lines[nxt].marked)
                raw = f"{collapse(unmark(match.group(0)))} {lines[nxt].text}".strip()
        if value and _acceptable(field, value):
            label = normalise_label(match.group("label"))
            field, rank = _classify(field, rank, label, value)
            hits.append(LabelHit(field, rank, label, value, raw, i, line.tier))
    return hits


def _next_value_element(el: etree._Element) -> etree._Element | None:
    """The element holding the value for a colon-less label element."""
    current = el
    for _ in range(3):
        sibling = current.getnext()
        while sibling is not None and not isinstance(sibling.tag, str):
            sibling = sibling.getnext()
        if sibling is not None and element_text(sibling):
            return sibling
        parent = current.getparent()
        if parent is None or parent.tag in ("tr", "table", "tbody", "body", "ul", "dl"):
            return None
        # Climb only when the label is the parent's only content (<td><b>索引号</b></td>).
        if collapse(element_text(parent)) != collapse(element_text(current)):
            return None
        current = parent
    return None


def _short_text(el: etree._Element, limit: int) -> str | None:
    """Element text if it is at most ``limit`` characters, without walking big subtrees."""
    if not len(el):  # no child: its text is all there is (most table cells)
        text = el.text or ""
        return None if len(text.strip()) > limit else collapse(text)
    parts: list[str] = []
    size = 0
    for piece in el.itertext():
        size += len(piece.strip())
        if size > limit:
            return None
        parts.append(piece)
    return collapse("".join(parts))


_LABEL_ELEMENT_TAGS = frozenset({"td", "th", "dt", "span", "label", "b", "strong", "em", "i", "font", "div", "li", "p", "h4", "h5", "h6"})


def _scan_elements(root: etree._Element, page: RenderedPage) -> list[LabelHit]:
    hits: list[LabelHit] = []
    for el in root.iter(*_LABEL_ELEMENT_TAGS):  # lxml picks the tags: no Python call per other element
        text = _short_text(el, 16)
        if not text or len(text) > 12 or ":" in text or "：" in text:
            continue  # colon labels are the text pass's job
        info = lookup_label(text)
        if info is None:
            continue
        field, rank = info
        tail = collapse(el.tail or "")
        if tail:
            value, raw = _clean_value(tail), f"{text} {tail}"
        else:
            sibling = _next_value_element(el)
            if sibling is None:
                continue
            sibling_text = element_text(sibling)
            value, raw = _clean_value(sibling_text), f"{text} {sibling_text}"
        if not value or not _acceptable(field, value):
            continue
        line_index = page.first_line.get(el)
        if line_index is None or line_index >= len(page.lines):
            continue
        tier = page.lines[line_index].tier
        label = normalise_label(text)
        field, rank = _classify(field, rank, label, value)
        hits.append(LabelHit(field, rank, label, value, raw, line_index, tier))
    return hits


def scan_labels(root: etree._Element, page: RenderedPage) -> list[LabelHit]:
    """All label hits on the page, text pass first, duplicates removed."""
    hits: list[LabelHit] = []
    for i in range(len(page.lines)):
        hits.extend(_scan_line(page.lines, i))
    hits.extend(_scan_elements(root, page))
    seen: set[tuple[str, str, int]] = set()
    unique: list[LabelHit] = []
    for hit in hits:
        key = (hit.field, hit.value, hit.line)
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique
