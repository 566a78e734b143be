"""What every platform style shares: pages, URLs bookkeeping, detail/home/attachment pages.

Styles differ in list pages and URL schemes only; detail pages carry the same 政务公开 metadata
on every platform (meta table, ArticleTitle/PubDate meta tags, breadcrumb, #zoom body), so the
detail extractor is tested once against all of them. Everything is derived from the plan with
hashes, never from randomness or the clock, so the same plan gives the same bytes.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from functools import cached_property
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from auditor.sample.plan import PlanAttachment, PlanColumn, PlanItem, PlanSite

CST = timezone(timedelta(hours=8))
EPOCH = datetime(2025, 1, 1, 9, 0, tzinfo=CST)
FALLBACK_DAY = date(2025, 1, 1)
esc = html.escape


@dataclass(frozen=True)
class Page:
    """One HTTP answer, fully rendered; `etag` is a hash of the body (computed on first use)."""

    status: int
    content_type: str
    body: bytes
    last_modified: datetime

    @cached_property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    @property
    def last_modified_http(self) -> str:
        return http_date(self.last_modified)


# ---------------------------------------------------------------- small deterministic helpers

def stable_int(*parts: str, mod: int) -> int:
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return int(digest[:12], 16) % mod


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def item_day(item: PlanItem) -> date:
    """The date used in URLs: publish date, else 成文日期, else a fixed day."""
    return item.publish_date or item.written_date or FALLBACK_DAY


def item_moment(item: PlanItem) -> datetime:
    """Publish date plus a stable office-hours time derived from the uid."""
    h = stable_int("time", item.uid, mod=600)
    day = item_day(item)
    return datetime(day.year, day.month, day.day, 8 + h % 10, (h // 10) % 60, tzinfo=CST)


def shows_date(item: PlanItem) -> bool:
    """Whether lists and the detail page show a publish date at all."""
    return item.show_date and item.publish_date is not None


def list_date(item: PlanItem) -> str | None:
    return item.publish_date.isoformat() if shows_date(item) else None


def pub_stamp(item: PlanItem) -> str:
    return item_moment(item).strftime("%Y-%m-%d %H:%M")


def norm_target(target: str) -> str:
    """Canonical page key: percent-encoded path, query pairs sorted, fragment dropped."""
    parts = urlsplit(target)
    path = quote(unquote(parts.path or "/"), safe="/-_.~!$'()*+,;=:@")
    pairs = sorted(parse_qsl(parts.query, keep_blank_values=True))
    if not pairs:
        return path
    return path + "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def url_path(*segments: str) -> str:
    return "/" + "/".join(quote(s, safe="-_.~") for s in segments)


# ---------------------------------------------------------------------------------- encoding

def content_type(site: PlanSite, kind: str = "text/html") -> str:
    return f"{kind}; charset={site.encoding}"


def encode(site: PlanSite, text: str) -> bytes:
    """GBK sites write characters outside GBK as numeric references, as real CMSs do."""
    return text.encode(site.encoding, "xmlcharrefreplace")


def html_page(site: PlanSite, text: str, moment: datetime, status: int = 200) -> Page:
    return Page(status, content_type(site), encode(site, text), moment)


# ------------------------------------------------------------------------------- the result

@dataclass
class RenderedSite:
    """All pages of one site plus the URL of every column page and item (for ground truth)."""

    site: PlanSite
    pages: dict[str, Page]
    home_url: str = "/"
    column_pages: dict[str, list[str]] = field(default_factory=dict)
    item_paths: dict[tuple[str, str], str] = field(default_factory=dict)
    attachment_paths: dict[str, str] = field(default_factory=dict)
    dynamic: Callable[[str, dict[str, str]], Page | None] | None = None

    def column_url(self, column_key: str) -> str:
        """Path of the column's first list page."""
        return self.column_pages[column_key][0]

    def list_urls(self, column_key: str) -> list[str]:
        """Paths of every list page of the column, first page first (GET-able)."""
        return list(self.column_pages[column_key])

    def item_url(self, column_key: str, item_uid: str) -> str:
        return self.item_paths[(column_key, item_uid)]

    def attachment_url(self, filename: str) -> str:
        return self.attachment_paths[filename]

    def resolve(self, target: str, method: str = "GET", form: dict[str, str] | None = None) -> Page:
        """The answer to a request: pages by normalised key, dynamic endpoints, else 404."""
        key = norm_target(target)
        path = key.split("?", 1)[0]
        if self.dynamic is not None:
            params = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
            params.update(form or {})
            page = self.dynamic(path, params)
            if page is not None:
                return page
        if method.upper() == "POST":
            return self.not_found(405)
        for candidate in _candidates(key, path):
            page = self.pages.get(candidate)
            if page is not None:
                return page
        return self.not_found()

    def not_found(self, status: int = 404) -> Page:
        return not_found_page(self.site, status)


def _candidates(key: str, path: str) -> Iterable[str]:
    yield key
    query = key[len(path):]
    if path.endswith("/"):
        yield path + "index.html" + query
    if query and "pageNum=" not in query:  # cache-busting params; a paged list must match
        yield path
        if path.endswith("/"):
            yield path + "index.html"


def not_found_page(site: PlanSite, status: int = 404) -> Page:
    title = "404 页面不存在" if status == 404 else f"{status} 请求方法不允许"
    text = (f'<!DOCTYPE html><html><head><meta charset="{site.encoding}"><title>{title}</title>'
            f'</head><body><h1>{title}</h1><p>您访问的页面不存在或已被删除。</p>'
            f'<p><a href="/">返回{esc(site.name)}首页</a></p></body></html>')
    return html_page(site, text, EPOCH, status)


# ------------------------------------------------------------------------------ page chrome

def shell(site: PlanSite, title: str, body: str, *, metas: dict[str, str] | None = None,
          theme: str = "trs", nav: str = "") -> str:
    """A full page: charset meta first (GBK sites say gbk), site header, nav, body, footer."""
    meta_tags = "".join(f'<meta name="{esc(k)}" content="{esc(v)}">\n'
                        for k, v in (metas or {}).items())
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
        f'<meta charset="{site.encoding}">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta name="SiteName" content="{esc(site.name)}">\n{meta_tags}'
        f'<link rel="stylesheet" type="text/css" href="/images/{theme}.css">\n'
        f'</head>\n<body class="{theme}">\n'
        f'<div class="header"><div class="logo"><a href="/">{esc(site.name)}</a></div></div>\n'
        f"{nav}\n<div class=\"main\">\n{body}\n</div>\n"
        f'<div class="footer"><p>主办：{esc(site.name)}　联系电话：0000-0000000</p>'
        "<p>网站标识码：0000000000　备案号：示例ICP备00000000号</p></div>\n"
        "</body>\n</html>\n"
    )


def nav_html(site: PlanSite, column_pages: dict[str, list[str]]) -> str:
    links = "".join(f'<li><a href="{esc(column_pages[c.key][0])}">{esc(c.name)}</a></li>'
                    for c in site.columns if c.key in column_pages)
    return f'<div class="nav"><ul><li><a href="/">首页</a></li>{links}</ul></div>'


def breadcrumb(column: PlanColumn, column_url: str) -> str:
    trail = list(column.path) or [column.name]
    parts = ['<a href="/">首页</a>']
    parts += [f"<span>{esc(seg)}</span>" for seg in trail[:-1]]
    parts.append(f'<a href="{esc(column_url)}">{esc(trail[-1])}</a>')
    return '<div class="position">当前位置：' + " &gt; ".join(parts) + "</div>"


# ----------------------------------------------------------------------------- detail pages

def meta_table(item: PlanItem) -> str:
    """The 政府信息公开 meta table; a missing value leaves its cell empty."""
    def cell(label: str, value: str | None) -> str:
        return f'<td class="label">{label}</td><td>{esc(value) if value else ""}</td>'

    written = item.written_date.isoformat() if item.written_date and item.show_written else None
    second = cell("成文日期：", written)
    if shows_date(item):
        second += cell("发布日期：", item.publish_date.isoformat())
    doc_no = None if item.doc_no_in_body else item.doc_no
    return ('<table class="xxgk-meta">'
            f"<tr>{cell('索引号：', item.index_no)}{cell('发布机构：', item.publisher)}</tr>"
            f"<tr>{second}</tr>"
            f"<tr>{cell('文号：', doc_no)}{cell('主题分类：', item.category)}</tr>"
            "</table>")


def body_text(item: PlanItem) -> str:
    """The body as the page shows it: a repost's 文号 first, a signature block last."""
    lines = [item.doc_no] if item.doc_no_in_body and item.doc_no else []
    lines.append(item.body)
    if item.signature:
        lines.append(item.signature)
    return "\n".join(lines)


def source_label(item: PlanItem) -> str:
    return item.source or item.publisher


def body_html(text: str) -> str:
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    return "".join(f"<p>{esc(p)}</p>" for p in paras)


def detail_html(site: PlanSite, column: PlanColumn, item: PlanItem, column_url: str,
                attachment_paths: dict[str, str], nav: str, theme: str) -> str:
    metas = {"ColumnName": column.name, "ArticleTitle": item.title}
    if shows_date(item):
        metas["PubDate"] = pub_stamp(item)
    metas["ContentSource"] = source_label(item)
    info = f"<span>来源：{esc(source_label(item))}</span>"
    if shows_date(item):
        info = f"<span>发布时间：{pub_stamp(item)}</span>　" + info
    files = "".join(f'<li><a href="{esc(attachment_paths[a.filename])}">{esc(a.name)}</a></li>'
                    for a in item.attachments)
    attach = f'<div class="attachments"><p>附件：</p><ul>{files}</ul></div>' if files else ""
    meta = meta_table(item) if item.show_meta else ""
    body = (f"{breadcrumb(column, column_url)}\n<div class=\"article\">\n{meta}\n"
            f"<h1>{esc(item.title)}</h1>\n<div class=\"info\">{info}</div>\n"
            f'<div id="zoom">{body_html(body_text(item))}</div>\n{attach}\n</div>')
    return shell(site, f"{item.title}_{site.name}", body, metas=metas, theme=theme, nav=nav)


# ------------------------------------------------------------------------------ attachments

_OLE = bytes.fromhex("d0cf11e0a1b11ae1")


def minimal_pdf(label: str) -> bytes:
    """A one-page PDF with a valid xref table (readers and `file` accept it)."""
    tag = hashlib.sha1(label.encode("utf-8")).hexdigest()[:16]
    stream = f"BT /F1 12 Tf 72 720 Td (Attachment {tag}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def ole_blob(label: str) -> bytes:
    """An OLE2-signed blob: what `file` and magic sniffers call a legacy Office document."""
    head = _OLE + bytes(16) + bytes.fromhex("3e000300feff0900")
    text = f"sample attachment {hashlib.sha1(label.encode('utf-8')).hexdigest()}".encode()
    return (head + text).ljust(1536, b"\0")


ATTACHMENT_TYPES = {"pdf": "application/pdf", "doc": "application/msword",
                    "xls": "application/vnd.ms-excel"}


def attachment_page(site: PlanSite, att: PlanAttachment, moment: datetime) -> Page:
    if att.missing:
        return not_found_page(site)
    label = f"{site.key}/{att.filename}"
    body = minimal_pdf(label) if att.kind == "pdf" else ole_blob(label)
    return Page(200, ATTACHMENT_TYPES.get(att.kind, "application/octet-stream"), body, moment)


# ---------------------------------------------------------------------------- site builder

class SiteBuilder:
    """Assigns URLs, then renders the pages every style has (details, files, home, robots)."""

    def __init__(self, site: PlanSite, theme: str,
                 detail_path: Callable[[PlanColumn, PlanItem, int], str]) -> None:
        self.site = site
        self.theme = theme
        self.pages: dict[str, Page] = {}
        self.column_pages: dict[str, list[str]] = {}
        self.item_paths: dict[tuple[str, str], str] = {}
        self.attachment_paths: dict[str, str] = {}
        used: set[str] = set()
        for column in site.columns:
            for item in column.items:
                bump = 0
                while (path := detail_path(column, item, bump)) in used:
                    bump += 1
                used.add(path)
                self.item_paths[(column.key, item.uid)] = path
                for att in item.attachments:
                    self.attachment_paths.setdefault(
                        att.filename, url_path("attach", site.key, att.filename))

    def add(self, target: str, page: Page) -> None:
        self.pages[norm_target(target)] = page

    def nav(self) -> str:
        return nav_html(self.site, self.column_pages)

    def finish(self, dynamic: Callable[[str, dict[str, str]], Page | None] | None = None
               ) -> RenderedSite:
        nav = self.nav()
        served: dict[str, Page] = {}
        for column in self.site.columns:
            col_url = self.column_pages[column.key][0]
            for item in column.items:
                path = self.item_paths[(column.key, item.uid)]
                moment = item_moment(item)
                if item.dead:
                    self.add(path, not_found_page(self.site))
                else:
                    text = detail_html(self.site, column, item, col_url,
                                       self.attachment_paths, nav, self.theme)
                    self.add(path, html_page(self.site, text, moment))
                for att in item.attachments:
                    page = attachment_page(self.site, att, moment)
                    known = served.get(att.filename)
                    if known is None or (known.status != 200 and page.status == 200):
                        served[att.filename] = page  # a shared file name: a live copy wins
        for filename, page in served.items():
            self.add(self.attachment_paths[filename], page)
        home = home_page(self.site, self.column_pages, self.item_paths, nav, self.theme)
        self.add("/", home)
        self.add("/index.html", home)
        self.add("/robots.txt", Page(200, "text/plain; charset=utf-8",
                                     b"User-agent: *\nAllow: /\n", EPOCH))
        return RenderedSite(self.site, self.pages, "/", self.column_pages, self.item_paths,
                            self.attachment_paths, dynamic)


def column_moment(column: PlanColumn) -> datetime:
    return max((item_moment(i) for i in column.items), default=EPOCH)


def home_page(site: PlanSite, column_pages: dict[str, list[str]],
              item_paths: dict[tuple[str, str], str], nav: str, theme: str) -> Page:
    """Latest 10 items of the news/notice columns, then a map of every column."""
    pool = [(c, i) for c in site.columns if c.kind in ("news", "notice") for i in c.items]
    pool.sort(key=lambda ci: (ci[1].publish_date or date.min, item_moment(ci[1])), reverse=True)
    rows = []
    for column, item in pool[:10]:
        when = list_date(item)
        span = f'<span class="date">{when}</span>' if when else ""
        href = item_paths[(column.key, item.uid)]
        rows.append(f'<li><a href="{esc(href)}" title="{esc(item.title)}" target="_blank">'
                    f"{esc(item.title)}</a>{span}</li>")
    cols = "".join(f'<li><a href="{esc(column_pages[c.key][0])}">{esc(" > ".join(c.path) or c.name)}'
                   "</a></li>" for c in site.columns)
    body = (f'<div class="home-news"><h3>最新信息</h3><ul class="news-list">{"".join(rows)}</ul></div>'
            f'\n<div class="column-map"><h3>栏目导航</h3><ul>{cols}</ul></div>')
    moment = max((item_moment(i) for _, i in pool), default=EPOCH)
    text = shell(site, site.name, body, theme=theme, nav=nav)
    return html_page(site, text, moment)
