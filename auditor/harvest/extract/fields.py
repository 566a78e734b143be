"""Metadata extraction from detail pages of any Chinese government CMS.

Evidence is ranked the same way for every site, because the pages we are
judged on come from CMSs we have never seen:

1. a value printed next to a label in the visible page (``发布时间：…``) — what
   a citizen reads, hence what an audit must report;
2. ``<meta>`` tags (ArticleTitle, PubDate, ContentSource …);
3. platform cues (:mod:`.adapters`);
4. page-text heuristics (a date under the heading, a 文号 line atop the body);
5. the URL — last, since its date is when the CMS wrote the file, which after a
   migration can be years after publication.

Labels inside the article body rank below meta tags: a procurement notice's
``公告时间：`` is not the page's publish date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from lxml import etree

from ...errors import ExtractionError
from .adapters import AdapterHit, run_adapters
from .attachments import find_attachments
from .body import BodyChoice, find_body
from .dates import find_dates, is_date_only, parse_date, url_date, url_month
from .decode import decode_html
from .docno import doc_no_in_title, normalise_doc_no, standalone_doc_no
from .document import RenderedPage, drop_invisible, parse_html, render_lines
from .issuer import is_issuing_body, is_medium, signature_issuer
from .label_scan import LABEL_COLON_RE, LabelHit, scan_labels
from .labels import DATE_FIELDS, lookup_label
from .meta_tags import HeadInfo, read_head
from .model import Attachment, DetailExtract, Field
from .title import HeadingChoice, find_heading, looks_like_site_name, strip_site_suffix

__all__ = ["DetailExtract", "Field", "Attachment", "extract_detail"]

# Lines after the heading searched for an unlabelled publish date.
NEAR_TITLE_LINES = 6
# A body line this long is prose: metadata printed inside the content
# container sits above the first one.
PROSE_LINE_CHARS = 40
# Bottom-of-body lines searched for the signature date of an official document.
SIGNATURE_LINES = 12

_HAN_SPACE_RE = re.compile(r"(?<=[\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e]) (?=[\u4e00-\u9fff\u3001-\u303f\uff01-\uff5e])")


@dataclass
class _Context:
    url: str
    raw_html: str
    root: etree._Element
    head: HeadInfo
    body: BodyChoice
    heading: HeadingChoice | None
    page: RenderedPage
    hits: list[LabelHit]
    adapter_hits: list[AdapterHit]
    heading_line: int | None
    body_lines: list[str]
    attachments: list[Attachment]


def _clean_title(text: str) -> str:
    """Collapse layout spaces between Han characters; keep U+3000 (``路　标``)."""
    return _HAN_SPACE_RE.sub("", text).strip(" \u3000")


def _best_hit(ctx: _Context, field: str, max_tier: int = 2) -> LabelHit | None:
    """Best labelled value: visible metadata area first, then synonym rank, then nearness to the heading."""
    candidates = [h for h in ctx.hits if h.field == field and h.tier <= max_tier]
    if not candidates:
        return None

    def distance(hit: LabelHit) -> int:
        if ctx.heading_line is None:
            return hit.line
        return abs(hit.line - ctx.heading_line)

    return min(candidates, key=lambda h: (h.tier, h.rank, distance(h), h.line))


def _label_field(hit: LabelHit) -> Field:
    if hit.field in DATE_FIELDS:
        return Field(parse_date(hit.value), "label", hit.raw)
    if hit.field == "doc_no":
        return Field(normalise_doc_no(hit.value), "label", hit.raw)
    return Field(hit.value, "label", hit.raw)


def _adapter_field(ctx: _Context, field: str) -> Field | None:
    for hit in ctx.adapter_hits:
        if hit.field != field:
            continue
        value: str | dt.date | None = parse_date(hit.value) if field in DATE_FIELDS else hit.value
        if value is not None:
            return Field(value, f"adapter:{hit.adapter}", hit.raw)
    return None


def _meta_field(ctx: _Context, field: str) -> Field | None:
    found = ctx.head.first(field)
    if found is None:
        return None
    name, content = found
    if field in DATE_FIELDS:
        value = parse_date(content)
        return Field(value, "meta_tag", f"{name}={content}") if value else None
    return Field(content, "meta_tag", f"{name}={content}")


def _first(*options: Field | None) -> Field:
    for option in options:
        if option is not None and option.value is not None:
            return option
    return Field()


# --- per-field pickers -------------------------------------------------------


def _title(ctx: _Context) -> Field:
    site_names = _site_names(ctx.head)
    meta = ctx.head.meta.get("articletitle")
    if meta and meta not in site_names and len(meta) >= 2:
        return Field(_clean_title(meta), "meta_tag", f"articletitle={meta}")
    hit = _best_hit(ctx, "title", max_tier=0)
    if hit and len(hit.value) >= 4:
        return Field(_clean_title(hit.value), "label", hit.raw)
    if ctx.heading is not None:
        return Field(_clean_title(ctx.heading.text), "page_text", ctx.heading.text)
    if ctx.head.title_tag:
        stripped = strip_site_suffix(ctx.head.title_tag, site_names)
        if not looks_like_site_name(stripped, site_names):
            return Field(_clean_title(stripped), "title_tag", ctx.head.title_tag)
    for name in ("dc.title", "og:title", "twitter:title"):
        value = ctx.head.meta.get(name)
        if value:
            return Field(_clean_title(strip_site_suffix(value, site_names)), "meta_tag", f"{name}={value}")
    return Field()


def _near_title_date(ctx: _Context) -> Field | None:
    """First date in the lines right under the heading, skipping other labelled dates."""
    if ctx.heading is None or ctx.heading_line is None:
        return None
    lines = ctx.page.lines
    start = ctx.page.last_line.get(ctx.heading.element, ctx.heading_line) + 1
    month_hint = url_month(ctx.url)
    candidates: list[tuple[dt.date, str]] = []
    for line in lines[start: start + NEAR_TITLE_LINES]:
        if line.tier == 2 or not line.marked:
            continue
        if line.tier == 1:
            break  # reached the article body: its dates are about its content
        text = line.text
        if len(text) > 200:
            break  # reached prose
        if any(
            (lookup_label(m.group("label")) or ("", 0))[0] == "written_date"
            for m in LABEL_COLON_RE.finditer(line.marked)
        ):
            continue  # a 成文日期 line: not the publication date
        for match in find_dates(text):
            candidates.append((match.value, text))
        if candidates:
            break
    if not candidates:
        return None
    if month_hint:
        for value, raw in candidates:
            if (value.year, value.month) == month_hint:
                return Field(value, "page_text", raw)
    value, raw = candidates[0]
    return Field(value, "page_text", raw)


def _looks_like_article(ctx: _Context) -> bool:
    """Whether the page is an article at all (a profile or menu page has no publish date)."""
    return ctx.body.method == "container" or any(h.tier < 2 for h in ctx.hits)


def _publish_date(ctx: _Context) -> Field:
    visible = _best_hit(ctx, "publish_date", max_tier=0)
    if visible:
        return _label_field(visible)
    options: list[Field | None] = [
        _meta_field(ctx, "publish_date"),
        _adapter_field(ctx, "publish_date"),
        _near_title_date(ctx),
    ]
    in_body = _best_hit(ctx, "publish_date")
    options.append(_label_field(in_body) if in_body else None)
    if _looks_like_article(ctx):
        found = url_date(ctx.url)
        if found:
            options.append(Field(found[0], "url", found[1]))
    return _first(*options)


def _text_field(ctx: _Context, field: str) -> Field:
    visible = _best_hit(ctx, field, max_tier=0)
    if visible:
        return _label_field(visible)
    options: list[Field | None] = [_meta_field(ctx, field) if field in ("publisher", "source") else None]
    options.append(_adapter_field(ctx, field))
    other = _best_hit(ctx, field)
    options.append(_label_field(other) if other else None)
    return _first(*options)


def _publisher(ctx: _Context, source: Field) -> Field:
    """The issuing body: a publisher label (发布机构, 发文机关 …) unless it names a website, else the
    signature above the closing date, else 来源 when it names an issuing body — never a website or medium."""
    named = _text_field(ctx, "publisher")
    if named.found and not is_medium(str(named.value)):
        return named
    signed = signature_issuer(ctx.body_lines)
    if signed:
        return Field(signed[0], "signature", signed[1])
    if isinstance(source.value, str) and is_issuing_body(source.value):
        return source
    return Field()


def _doc_no(ctx: _Context, title: Field) -> Field:
    labelled = _text_field(ctx, "doc_no")
    if labelled.found:
        return labelled
    found = standalone_doc_no(ctx.body_lines)
    if found:
        return Field(found[0], "page_text", found[1])
    if isinstance(title.value, str):
        in_title = doc_no_in_title(title.value)
        if in_title:
            return Field(in_title[0], "page_text", in_title[1])
    return Field()


def _written_date(ctx: _Context, doc_no: Field) -> Field:
    labelled = _best_hit(ctx, "written_date", max_tier=0)
    if labelled:
        return _label_field(labelled)
    adapter = _adapter_field(ctx, "written_date")
    if adapter:
        return adapter
    other = _best_hit(ctx, "written_date")
    if other:
        return _label_field(other)
    # An official document (it has a 文号) is dated under its signature.
    if doc_no.found:
        for line in reversed(ctx.body_lines[-SIGNATURE_LINES:]):
            if is_date_only(line):
                value = parse_date(line)
                if value:
                    return Field(value, "page_text", line)
    return Field()


def _body_field(ctx: _Context) -> Field:
    if ctx.body.element is None:
        return Field()
    text = "\n".join(ctx.body_lines)
    if not text:
        return Field()
    source = "page_text" if ctx.body.method == "container" else "fallback"
    return Field(text, source, ctx.body.selector)


# --- assembly ------------------------------------------------------------------


def _assign_tiers(page: RenderedPage, body: BodyChoice, heading: HeadingChoice | None) -> None:
    """Tier 0 = metadata area, 1 = article prose, 2 = hidden.

    When the content container also wraps the heading (a loose "content" div),
    its lines above the first prose line are still the metadata area.
    """
    container_has_heading = False
    if body.element is not None and heading is not None:
        container_has_heading = any(anc is body.element for anc in heading.element.iterancestors())
    prose_started = False
    for line in page.lines:
        if line.hidden:
            line.tier = 2
        elif not line.in_body:
            line.tier = 0
        elif container_has_heading and not prose_started:
            if len(line.text) >= PROSE_LINE_CHARS and not LABEL_COLON_RE.search(line.marked):
                prose_started = True
                line.tier = 1
            else:
                line.tier = 0
        else:
            line.tier = 1


def _site_names(head: HeadInfo) -> tuple[str, ...]:
    keys = ("sitename", "columnname", "og:site_name")
    return tuple(head.meta[k] for k in keys if head.meta.get(k))


def _heading_reference(head: HeadInfo) -> str | None:
    """What the on-page heading must agree with: ArticleTitle, else <title>."""
    return head.meta.get("articletitle") or head.title_tag


def _body_hash(text: str | None) -> str:
    normalised = re.sub(r"\s+", "", text or "")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def _build_context(html: str, url: str) -> _Context:
    root = parse_html(html)
    head = read_head(root, url)
    # Attachments first: <iframe>/<object> PDF viewers are dropped from the text rendering.
    attachments = find_attachments(root, head.base_url)
    drop_invisible(root)
    body = find_body(root)
    heading = find_heading(root, _heading_reference(head), site_names=_site_names(head), body_el=body.element)
    page = render_lines(root, body.element)
    _assign_tiers(page, body, heading)
    hits = scan_labels(root, page)
    adapter_hits = run_adapters(root, html)
    heading_line = page.first_line.get(heading.element) if heading else None
    body_lines = [line.text for line in page.lines if line.in_body and line.text]
    return _Context(
        url, html, root, head, body, heading, page, hits, adapter_hits, heading_line, body_lines, attachments
    )


def extract_detail(html: str | bytes, url: str, declared_encoding: str | None = None) -> DetailExtract:
    """Extract title, dates, numbers, issuer, category, validity, body and attachments.

    ``html`` may be bytes (decoded with :func:`decode_html`, using
    ``declared_encoding`` from the HTTP header as a hint) or already-decoded
    text.  ``url`` is the page's address: relative links resolve against it and
    it is the last-resort source of a publish date.  Raises ExtractionError only
    for pages with no content at all; missing fields come back as empty Fields.
    """
    if isinstance(html, bytes):
        if not html.strip():
            raise ExtractionError("page is empty", where=url or None)
        if b"\x00" in html[:1024] and not html.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ExtractionError("page is binary, not HTML", where=url or None, hint="is this an attachment URL?")
        text, encoding = decode_html(html, declared_encoding)
    else:
        text, encoding = html, "unicode"
    if not text.strip():
        raise ExtractionError("page is empty", where=url or None)

    try:
        ctx = _build_context(text, url)
    except ExtractionError as exc:
        exc.where = exc.where or url or None
        raise
    title = _title(ctx)
    doc_no = _doc_no(ctx, title)
    body = _body_field(ctx)
    source = _text_field(ctx, "source")
    publisher = _publisher(ctx, source)
    if not source.found:  # a website typed into the 发文机构 slot (县政府网站) is where it came from
        named = _text_field(ctx, "publisher")
        if named.found and is_medium(str(named.value)):
            source = named
    return DetailExtract(
        title=title,
        publish_date=_publish_date(ctx),
        written_date=_written_date(ctx, doc_no),
        index_no=_text_field(ctx, "index_no"),
        publisher=publisher,
        source=source,
        doc_no=doc_no,
        category=_text_field(ctx, "category"),
        validity=_text_field(ctx, "validity"),
        body_text=body,
        attachments=ctx.attachments,
        body_hash=_body_hash(body.value if isinstance(body.value, str) else None),
        encoding=encoding,
        author=_text_field(ctx, "author"),
        url=url,
    )

