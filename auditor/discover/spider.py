"""The discovery spider: walks a portal's navigation politely and records every page it reads.

It follows navigation links only (never list pagination, never files), section links first
(政府信息公开, 法定主动公开内容, 重点领域, 基层政务公开专栏, 部门, 乡镇（街道）…), and reads one item
page per list page it meets, for the item's 发布机构. It parses nothing beyond that: the analysis
(auditor/discover/analyse.py) works on the recorded pages afterwards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

from auditor.discover.pages import PageRecord, write_record
from auditor.harvest.adapters import detect_adapter
from auditor.harvest.adapters._html import DETAIL_HREF_RE, clean, parse_html, usable_href

FILE_EXT = re.compile(r"\.(?:pdf|docx?|xlsx?|wps|et|zip|rar|7z|jpe?g|png|gif|bmp|mp[34]|avi|flv|swf|apk|exe|txt|"
                      r"csv|xml|json|css|js|ico)$", re.I)
PAGER = re.compile(r"(?:^|/)(?:index|list|default)_\d+\.s?html?$|[?&](?:pageNum|page|pageNo|pageIndex|curPage|"
                   r"currentPage|p)=\d+", re.I)
SECTION_WORDS = ("政府信息公开", "信息公开", "政务公开", "主动公开", "重点领域", "基层政务公开", "标准化规范化", "专栏",
                 "公开目录", "部门", "乡镇", "街道", "工作机构", "机构", "领域", "目录")
SKIP_WORDS = ("登录", "注册", "无障碍", "English", "留言", "信箱", "投诉", "搜索", "打印", "关闭", "返回顶部",
              "繁體", "繁体", "长者模式", "关怀版", "纠错", "评论", "分享")
UNIT_SITE = re.compile(r"(?:局|委员会|委|办|镇|乡|街道|办事处|镇人民政府|乡人民政府)(?:网站|门户网站)?$")
GOVERNMENT = re.compile(r"([\u4e00-\u9fff]{1,8}?[区县市旗])人民政府")
ROOT_PATHS = {"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php"}


def link_priority(text: str) -> int:
    """Section links first: they lead to the column trees."""
    return 20 if any(w in text for w in SECTION_WORDS) else 0


def is_followable(url: str, text: str) -> bool:
    """A navigation link worth reading (not a file, a pager, an item page or page chrome)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    if FILE_EXT.search(parts.path) or PAGER.search(url):
        return False
    if DETAIL_HREF_RE.search(parts.path):
        return False
    return not any(w in text for w in SKIP_WORDS)


def page_links(url: str, text: str) -> list[tuple[str, str]]:
    """(absolute URL without fragment, anchor text) of every usable link, in document order."""
    root = parse_html(text)
    if root is None:
        return []
    out = []
    for a in root.iter("a"):
        href = a.get("href")
        if not usable_href(href):
            continue
        target = urljoin(url, href.strip()).split("#", 1)[0]
        out.append((target, clean(a.get("title")) or clean(a.text_content())))
    return out


class DiscoverSpider(scrapy.Spider):
    """Arguments: starts (JSON list of URLs), out (pages.jsonl), max_pages, max_depth, sample_details."""

    name = "discover"
    custom_settings: dict[str, Any] = {}

    def __init__(self, starts: str = "[]", out: str = "pages.jsonl", max_pages: int | str = 400,
                 max_depth: int | str = 7, sample_details: bool | str = True, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.starts: list[str] = json.loads(starts) if isinstance(starts, str) else list(starts)
        self.out_path = Path(out)
        self.max_pages = int(max_pages)
        self.max_depth = int(max_depth)
        self.sample_details = str(sample_details).lower() not in ("0", "false", "no")
        self.allowed_hosts = {urlsplit(u).netloc for u in self.starts}
        self.scheduled: set[str] = set()
        self.sampled_lists: set[str] = set()
        self.district = ""  # 某某区 as the first page names it; off-site links must be its units
        self._fh = None

    # ------------------------------------------------------------------ bookkeeping
    def _write(self, record: PageRecord) -> None:
        if self._fh is None:
            self.out_path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.out_path, "a", encoding="utf-8")
        write_record(self._fh, record)

    def closed(self, reason: str) -> None:
        if self._fh is not None:
            self._fh.close()

    def _request(self, url: str, *, depth: int, referrer: str | None, anchor: str, role: str = "nav",
                 priority: int = 0) -> scrapy.Request | None:
        if url in self.scheduled or len(self.scheduled) >= self.max_pages:
            return None
        self.scheduled.add(url)
        return scrapy.Request(url, callback=self.parse, errback=self.failed, priority=priority,
                              meta={"ddepth": depth, "referrer": referrer, "anchor": anchor, "role": role,
                                    "handle_httpstatus_all": True})

    async def start(self):  # Scrapy ≥ 2.13
        for request in self._start_requests():
            yield request

    def start_requests(self):  # older Scrapy
        yield from self._start_requests()

    def _start_requests(self) -> list[scrapy.Request]:
        reqs = [self._request(u, depth=0, referrer=None, anchor="", priority=100) for u in self.starts]
        return [r for r in reqs if r is not None]

    def local_unit(self, anchor: str) -> bool:
        """A link to a unit of this district (区民政局, 某某镇), not to a higher government's body (商丘市财政局)."""
        if not UNIT_SITE.search(anchor) or "省" in anchor or anchor.startswith(("国家", "国务院", "中国")):
            return False
        if self.district and anchor.startswith(self.district):
            return True
        return not re.match(r"^[\u4e00-\u9fff]{1,6}[市州盟]", anchor) or anchor.startswith(("市场", "市政"))

    # ------------------------------------------------------------------ callbacks
    def failed(self, failure) -> None:
        from auditor.harvest.replay import NotArchived

        request = failure.request
        error = "not in the saved copy" if failure.check(NotArchived) else failure.getErrorMessage()[:300]
        self._write(PageRecord(url=request.url, status=None, error=error,
                               depth=request.meta.get("ddepth", 0), referrer=request.meta.get("referrer"),
                               anchor=request.meta.get("anchor", ""), role=request.meta.get("role", "nav")))

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        meta = response.meta
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        text = ""
        if hasattr(response, "text") and ("html" in ctype or "xml" in ctype or not ctype):
            try:
                text = response.text
            except (AttributeError, UnicodeDecodeError):
                text = ""
        depth = meta.get("ddepth", 0)
        role = meta.get("role", "nav")
        self._write(PageRecord(url=response.url, status=response.status, text=text if response.status == 200 else "",
                               content_type=ctype, depth=depth, referrer=meta.get("referrer"),
                               anchor=meta.get("anchor", ""), role=role))
        if response.status != 200 or not text or role == "detail":
            return
        if depth == 0:
            self.allowed_hosts.add(urlsplit(response.url).netloc)  # a redirected start URL
            if not self.district:
                found = GOVERNMENT.findall(text)
                self.district = max(set(found), key=found.count) if found else ""
        entries = []
        if self.sample_details:
            adapter = detect_adapter(response.url, text)
            try:
                entries = adapter.parse_list(response.url, text).entries
            except Exception:  # noqa: BLE001 - a page an adapter cannot read is simply not a list
                entries = []
        if entries and response.url not in self.sampled_lists:
            self.sampled_lists.add(response.url)
            # one item page per list, for its 发布机构: the first one no other list has claimed
            entry = next((e for e in entries[:5] if e.url not in self.scheduled
                          and urlsplit(e.url).netloc in self.allowed_hosts), None)
            if entry is not None:
                req = self._request(entry.url, depth=depth + 1, referrer=response.url, anchor=entry.title,
                                    role="detail", priority=5)
                if req is not None:
                    yield req
        if depth >= self.max_depth:
            return
        for url, anchor in page_links(response.url, text):
            host = urlsplit(url).netloc
            if not is_followable(url, anchor):
                continue
            if host not in self.allowed_hosts:
                if not (self.local_unit(anchor) and urlsplit(url).path in ROOT_PATHS):
                    continue
                self.allowed_hosts.add(host)  # a unit's own site linked from the portal
            req = self._request(url, depth=depth + 1, referrer=response.url, anchor=anchor,
                                priority=link_priority(anchor) - depth)
            if req is not None:
                yield req
