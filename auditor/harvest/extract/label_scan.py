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

from lxml import etree

from .dates import parse_date
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


def _clean_value(text: str) -> str:
    return collapse(unmark(text)).strip(_VALUE_STRIP)


def _acceptable(field: str, value: str) -> bool:
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
    match = LABEL_COLON_RE.match(text)
    if match:
        return True
    return lookup_label(unmark(line.marked)) is not None


def _scan_line(lines: list[Line], i: int) -> list[LabelHit]:
    line = lines[i]
    hits: list[LabelHit] = []
    marked = line.marked
    for match in LABEL_COLON_RE.finditer(marked):
        info = lookup_label(match.group("label"))
        if info is None:
            continue
        field, rank = info
        rest = marked[match.end():]
        term = _TERMINATOR_RE.search(rest)
        value_marked = rest[: term.start()] if term else rest
        value = _clean_value(value_marked)
        raw = collapse(unmark(marked[match.start(): match.end() + len(value_marked)]))
        if not value and not unmark(rest).strip(_VALUE_STRIP):
            # Label alone at the end of its line: the value is the next line.
            nxt = i + 1
            if nxt < len(lines) and not _is_label_line(lines[nxt]):
                value = _clean_value(lines[nxt].marked)
                raw = f"{collapse(unmark(match.group(0)))} {lines[nxt].text}".strip()
        if value and _acceptable(field, value):
            hits.append(LabelHit(field, rank, normalise_label(match.group("label")), value, raw, i, line.tier))
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


_LABEL_ELEMENT_TAGS = frozenset({"td", "th", "dt", "span", "label", "b", "strong", "em", "i", "font", "div", "li", "p", "h4", "h5", "h6"})


def _scan_elements(root: etree._Element, page: RenderedPage) -> list[LabelHit]:
    hits: list[LabelHit] = []
    for el in root.iter(etree.Element):
        if not isinstance(el.tag, str) or el.tag not in _LABEL_ELEMENT_TAGS:
            continue
        text = element_text(el)
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
        hits.append(LabelHit(field, rank, normalise_label(text), value, raw, line_index, tier))
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
