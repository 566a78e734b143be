"""TRS-style static paging: index.html, index_1.html … index_{count-1}.html.

TRS WCM writes the page count into an inline script, `createPageHTML(countPage, currentPage,
"index", "html")` (or the `createPageHTML('page_div', count, current, 'index', 'html', …)`
variant); the pager itself is drawn by JavaScript, so the count must be read from the script.
Older TRS templates write `var countPage = N` and build `"index"+"_"+i+"."+"html"` in the
script instead. Sites without a script (EmpireCMS, DEDE, hand-made pagers) are handled from the
pager links: `index_2.html … 尾页 index_23.html` (1-based, page 1 is index.html) or
`index_1.html …` (0-based, TRS numbering), `news-list-NAME-2.html … 末页 -30.html` where 首页 is
`-1.html` (page names built on the column page's own name), the hidden `index_958_1.html …` links
of 政府网站群 components (a component id between name and number), and `?page=N` query pagers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from ._html import DETAIL_HREF_RE, clean, list_entries, parse_html, raise_if_hub
from .base import ListAdapter, ListPage, RequestSpec
from .declared import declared_size, shown_page_count

_CALL = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_FILE_PAGE = re.compile(r"^(?P<prefix>[A-Za-z]+)_(?P<n>\d+)\.(?P<ext>s?html?)$", re.I)
# any `NAME_N.ext` / `NAME-N.ext` page name; NAME must then be tied to the column page's own name
_ANY_FILE_PAGE = re.compile(r"^(?P<prefix>[\w.-]+?)[_-](?P<n>\d+)\.(?P<ext>s?html?)$", re.I)
_PAGER_HREF = re.compile(r"""href\s*=\s*["']?[^"'>\s]*\bindex(?:_\d+)?_\d+\.s?html?""", re.I)
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*(\d+)")
_SCRIPT_PAGE_NAME = re.compile(r"""["'](?P<prefix>[A-Za-z]\w*)["']\s*\+\s*["']_["']""")
_SCRIPT_PAGE_EXT = re.compile(r"""["']\.["']\s*\+\s*["'](?P<ext>s?html?)\b""")
FIRST_PAGE_WORDS = ("首页", "第一页", "首 页")
PAGE_PARAMS = ("pageNum", "page", "pageNo", "pageIndex", "curPage", "currentPage", "pageno", "p")


def _resolve_arg(arg: str, text: str) -> str:
    arg = arg.strip().strip("'\"")
    if re.fullmatch(r"[A-Za-z_$][\w$]*", arg):
        m = re.search(rf"\b{re.escape(arg)}\s*=\s*['\"]?(\d+)", text)
        if m:
            return m.group(1)
    return arg


def parse_create_page(text: str) -> tuple[int, str, str] | None:
    """(page count, file prefix, extension) from the first createPageHTML call that resolves."""
    for m in _CALL.finditer(text):
        raw = [a.strip() for a in m.group(1).split(",")]
        if len(raw) >= 5 and raw[0][:1] in "'\"" and not raw[0].strip("'\"").isdigit():
            raw = raw[1:]  # ('page_div', count, current, prefix, ext, …)
        if len(raw) < 2:
            continue
        args = [_resolve_arg(a, text) for a in raw]
        if not args[0].isdigit():
            continue  # the function definition, or an unresolvable expression
        prefix = args[2] if len(args) > 2 and args[2].isidentifier() else "index"
        ext = args[3] if len(args) > 3 and args[3].isalnum() else "html"
        return int(args[0]), prefix, ext
    return None


def parse_count_page(text: str) -> tuple[int, str, str] | None:
    """(page count, prefix, ext) from an older TRS pager script: `var countPage = 67` and
    `"index"+"_" + i + "."+"shtml"` (the pager links exist only once the script has run)."""
    m = _COUNT_PAGE.search(text)
    if not m:
        return None
    name = _SCRIPT_PAGE_NAME.search(text)
    ext = _SCRIPT_PAGE_EXT.search(text)
    return int(m.group(1)), name["prefix"] if name else "index", ext["ext"] if ext else "html"


def _split_file(url: str) -> tuple[str, str]:
    path = urlsplit(url).path
    head, _, name = path.rpartition("/")
    return head + "/", name


def is_first_file_page(url: str) -> bool:
    """index.html or a directory URL is page 1; index_N.html is a later page."""
    return _FILE_PAGE.match(_split_file(url)[1]) is None


def trs_pages(url: str, count: int, prefix: str, ext: str) -> list[RequestSpec]:
    return [RequestSpec(urljoin(url, f"{prefix}_{i}.{ext}")) for i in range(1, count)]


def _as_file(path: str) -> str:
    """`/col/col12/` and `/col/col12/index.html` are the same list page."""
    return path + "index.html" if path.endswith("/") else path


def _with_param(url: str, key: str, value: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    query.append((key, str(value)))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def _page_base(name: str) -> str:
    """The name later pages are built on: `index` for a directory URL, else the file stem."""
    if not name:
        return "index"
    stem, dot, _ext = name.rpartition(".")
    return stem if dot else name


def _file_page(name: str, base: str) -> re.Match[str] | None:
    """`name` as a later page of the column page named `base`: TRS/EmpireCMS `index_N` (any
    alphabetic prefix, as before), `BASE-N`/`BASE_N`, or `BASE_ID_N` (a component id in between)."""
    fm = _FILE_PAGE.match(name)
    if fm and (fm["prefix"] == base or not DETAIL_HREF_RE.search("/" + name)):
        return fm
    am = _ANY_FILE_PAGE.match(name)
    if am and (am["prefix"] == base or re.fullmatch(rf"{re.escape(base)}_\d+", am["prefix"])):
        return am
    return None


def _is_first_page_link(a: etree._Element) -> bool:
    return clean(a.text_content()).replace(" ", "") in {w.replace(" ", "") for w in FIRST_PAGE_WORDS}


_FileKey = tuple[str, str, str]  # (prefix, separator, extension) of a family of page files


@dataclass
class _PagerLinks:
    """The pager links of one list page, grouped the way `link_pager` chooses between them."""

    files: dict[_FileKey, set[int]] = field(default_factory=dict)  # page numbers per file family
    file_hosts: dict[_FileKey, dict[str, int]] = field(default_factory=dict)  # origin → links, per family
    first_named: dict[_FileKey, int] = field(default_factory=dict)  # the number the 首页 link names
    queries: dict[str, dict[int, str]] = field(default_factory=dict)  # page parameter → number → URL


def link_pager(url: str, root: etree._Element | None) -> tuple[int | None, list[RequestSpec]]:
    """Page count and remaining pages read off pager links (file or query style).

    Pager links are kept on the host they point at, even when it is not this page's host (real
    sites link their pager to www vs the bare domain, an old IP, a host that no longer answers):
    the crawler decides whether that host is in scope, and a page it cannot read makes the column
    partial instead of silently ending it at page 1."""
    if root is None:
        return None, []
    here_dir, here_name = _split_file(url)
    base = _page_base(here_name)
    here_page = _file_page(here_name, base)
    if here_page is not None:  # a later page: later pages are named on the same prefix
        base = here_page["prefix"]
    links = _pager_links(url, root, base)
    shown_total = shown_page_count(clean(root.text_content()))
    if links.files:
        return _file_pager(links, base, here_dir, here_page is None, shown_total)
    if links.queries:
        return _query_pager(links.queries, dict(parse_qsl(urlsplit(url).query)), shown_total)
    return shown_total, []


def _pager_links(url: str, root: etree._Element, base: str) -> _PagerLinks:
    """Links to later files of this column page (in its directory) and to this page with a page parameter."""
    here = urlsplit(url)
    here_dir, _ = _split_file(url)
    links = _PagerLinks()
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "#", "mailto:")):
            continue
        target = urlsplit(urljoin(url, href))
        if target.scheme not in ("http", "https"):
            continue
        t_dir, t_name = _split_file(target.geturl())
        fm = _file_page(t_name, base)
        if fm and t_dir == here_dir and not target.query:
            sep = t_name[len(fm["prefix"])]
            key = (fm["prefix"], sep, fm["ext"])
            links.files.setdefault(key, set()).add(int(fm["n"]))
            if _is_first_page_link(a):
                links.first_named[key] = int(fm["n"])
            hosts = links.file_hosts.setdefault(key, {})
            origin = f"{target.scheme}://{target.netloc}"
            hosts[origin] = hosts.get(origin, 0) + 1
            continue
        if _as_file(target.path) == _as_file(here.path):
            for key, val in parse_qsl(target.query):
                if key in PAGE_PARAMS and val.isdigit():
                    links.queries.setdefault(key, {})[int(val)] = target.geturl()
    return links


def _file_pager(links: _PagerLinks, base: str, here_dir: str, is_first: bool,
                shown_total: int | None) -> tuple[int | None, list[RequestSpec]]:
    """Count and later pages from the likeliest file family; only the first page lists the others."""
    def rank(item: tuple[_FileKey, set[int]]) -> tuple[bool, int]:
        (prefix, _sep, _ext), nums = item
        return (prefix == base or prefix.startswith(base + "_"), len(nums))

    (prefix, sep, ext), nums = max(links.files.items(), key=rank)
    named_first = links.first_named.get((prefix, sep, ext))
    one_is_first = named_first == 1  # 首页 → NAME-1.html: 1-based, page 1 has a number too
    # 政府网站群 components (index_958_N) number every page 1..maxPageNum, one of them page 1 again
    component = prefix != base and prefix.startswith(base + "_")
    zero_based = 1 in nums and not one_is_first and not component
    last = max(nums)
    total = last + 1 if zero_based else last
    if shown_total and shown_total > total:
        last, total = (shown_total - 1, shown_total) if zero_based else (shown_total,) * 2
    first = 1 if zero_based or component else 2
    nxt = []
    if is_first:
        origin = max(links.file_hosts[(prefix, sep, ext)].items(), key=lambda kv: kv[1])[0]
        nxt = [RequestSpec(urljoin(origin, f"{here_dir}{prefix}{sep}{i}.{ext}"))
               for i in range(first, last + 1)]
    return total, nxt


def _query_pager(queries: dict[str, dict[int, str]], here_query: dict[str, str],
                 shown_total: int | None) -> tuple[int | None, list[RequestSpec]]:
    """Count and later pages from the most used page parameter; only the first page lists the others."""
    key, found = max(queries.items(), key=lambda kv: len(kv[1]))
    zero_based = 0 in found
    last = max(found)
    total = last + 1 if zero_based else last
    if shown_total and shown_total > total:
        total = shown_total
        last = total - 1 if zero_based else total
    start = 0 if zero_based else 1
    current = here_query.get(key)
    nxt = []
    if current is None or (current.isdigit() and int(current) == start):
        template = found[max(found)]
        nxt = [RequestSpec(_with_param(template, key, i)) for i in range(start + 1, last + 1)]
    return total, nxt


NEXT_WORDS = ("下一页", "下页", "后一页", "尾页", "末页", "最后一页", "下一頁")


def unread_pager(url: str, root: etree._Element | None, total: int | None,
                 nxt: list[RequestSpec]) -> str | None:
    """Evidence of a pager no page URL was computed from: a 下一页/尾页 link that leaves this page
    (often `javascript:goPage(2)`), while the link pager found no count and no pages."""
    if root is None or total or nxt:
        return None
    here = urlsplit(url)
    for a in root.iter("a"):
        word = clean(a.text_content()).replace(" ", "")
        if word not in NEXT_WORDS:
            continue
        href = (a.get("href") or "").strip()
        if not href or href == "#" or re.fullmatch(r"javascript:\s*(void\(0\)|volid\(0\))?;?", href, re.I):
            continue  # a disabled 下一页: the list has one page
        target = urlsplit(urljoin(url, href)) if not href.lower().startswith("javascript:") else None
        if target is not None and _as_file(target.path) == _as_file(here.path) and target.query == here.query:
            continue
        return f"{word} → {href[:80]}"
    return None


def html_entries(url: str, root: etree._Element | None):
    """Table rows when the list is a 信息公开目录 table, else the largest dated list."""
    from .xxgk_table import table_entries  # local: xxgk_table imports link_pager from here

    rows = table_entries(url, root)
    return rows if rows is not None else list_entries(url, root)


class StaticPagingAdapter(ListAdapter):
    name = "static_paging"

    def detect(self, url: str, text: str) -> bool:
        if "<datastore" in text:
            return False
        return "createPageHTML" in text or bool(_COUNT_PAGE.search(text)) or bool(_PAGER_HREF.search(text))

    def parse_list(self, url: str, text: str) -> ListPage:
        root = parse_html(text)
        entries = html_entries(url, root)
        script = parse_create_page(text) or parse_count_page(text)
        if script:
            count, prefix, ext = script
            nxt = trs_pages(url, count, prefix, ext) if is_first_file_page(url) else []
            return ListPage(entries, nxt, count, self.name)
        total, nxt = link_pager(url, root)
        raise_if_hub(url, root, entries, bool(total or declared_size(text)))
        return ListPage(entries, nxt, total, self.name, pager_unread=unread_pager(url, root, total, nxt))
