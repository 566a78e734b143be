"""List adapters against frozen pages: generated ones (every sample style) and real ones.

Generated pages come from the sample renderer (40 items → 3 pages per column); the crawl is
simulated by answering each next request from the rendered site, without HTTP. Real pages are
read in place from shared/fixtures/realpages (never copied), with their manifest as truth.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from auditor.harvest.adapters import (
    ADAPTERS,
    ListEntry,
    ListPage,
    NotAListPage,
    detect_adapter,
    get_adapter,
    parse_feed,
)
from auditor.harvest.adapters.declared import declared_size
from auditor.sample.plan import PlanAttachment, PlanColumn, PlanFeed, PlanItem, PlanSite
from auditor.sample.render import render_feed, render_site
from auditor.sample.render.common import list_date

BASE = "http://127.0.0.1:8000"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REALPAGES = SHARED / "fixtures" / "realpages"
STYLE_ADAPTER = {"static_paging": "static_paging", "ajax_xml": "hanweb_ajax", "col_art": "col_art"}


def make_items(n: int, prefix: str = "it") -> list[PlanItem]:
    items = []
    for i in range(n):
        day = date(2026, 3, 15) - timedelta(days=2 * i)
        items.append(PlanItem(
            uid=f"{prefix}{i:03d}", title=f"云溪区关于做好第{i}批惠民实事项目实施工作的通知",
            publish_date=None if i == 12 else day, written_date=day - timedelta(days=3),
            index_no=f"11430603MB0000000X/2026-{i:05d}", publisher="云溪区人民政府办公室",
            doc_no=f"云政办发〔2026〕{i}号" if i % 3 else None, category="综合政务",
            body="为进一步做好相关工作，现将有关事项通知如下。\n一、总体要求。\n二、工作措施。",
            attachments=[PlanAttachment("附件：实施方案", f"P0{i:03d}.pdf", "pdf", missing=i == 10)]
            if i % 10 == 0 else [],
            dead=i == 7, show_date=i != 9))
    return items


def make_site(style: str, encoding: str = "utf-8", n: int = 40) -> PlanSite:
    column = PlanColumn(key="tzgg", name="通知公告", path=["政府信息公开", "法定主动公开内容", "通知公告"],
                        kind="notice", items=make_items(n))
    return PlanSite(key=f"yx_{style}", name="云溪区人民政府", style=style, encoding=encoding,
                    columns=[column], page_size=15)


def fetch(rendered, url: str, method: str = "GET", form=None) -> str:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    page = rendered.resolve(target, method, form)
    assert page.status == 200, (url, page.status)
    charset = page.content_type.split("charset=")[-1]
    return page.body.decode(charset)


def crawl_column(rendered, first_url: str) -> tuple[list[ListEntry], list[ListPage]]:
    text = fetch(rendered, first_url)
    adapter = detect_adapter(first_url, text)
    first = adapter.parse_list(first_url, text)
    pages = [first]
    for req in first.next_requests:
        more = fetch(rendered, req.url, req.method, req.formdata)
        page = detect_adapter(req.url, more).parse_list(req.url, more)
        assert page.next_requests == [], "only a first page schedules the rest"
        pages.append(page)
    return [e for p in pages for e in p.entries], pages


# ------------------------------------------------------------------------- generated pages

@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("style", sorted(STYLE_ADAPTER))
def test_generated_style_lists_every_item_once(style: str, encoding: str) -> None:
    site = make_site(style, encoding)
    rendered = render_site(site)
    first_url = BASE + rendered.column_url("tzgg")
    entries, pages = crawl_column(rendered, first_url)

    assert {p.adapter for p in pages} == {STYLE_ADAPTER[style]}
    assert pages[0].total_pages == 3 and len(pages) == 3
    items = site.columns[0].items
    expected = [urljoin(BASE, rendered.item_url("tzgg", i.uid)) for i in items]
    assert [e.url for e in entries] == expected  # every item exactly once, in list order
    assert [e.title for e in entries] == [i.title for i in items]
    assert [e.date_text for e in entries] == [list_date(i) for i in items]
    assert entries[9].date_text is None and entries[12].date_text is None
    for url in rendered.list_urls("tzgg"):  # the ground-truth list URLs are all served
        assert rendered.resolve(url).status == 200


@pytest.mark.parametrize("style", sorted(STYLE_ADAPTER))
def test_get_adapter_parses_without_detection(style: str) -> None:
    rendered = render_site(make_site(style, n=5))
    url = BASE + rendered.column_url("tzgg")
    page = get_adapter(STYLE_ADAPTER[style]).parse_list(url, fetch(rendered, url))
    assert len(page.entries) == 5 and page.total_pages == 1 and page.next_requests == []


def test_hanweb_next_requests_are_posts_with_the_column_form() -> None:
    rendered = render_site(make_site("ajax_xml"))
    url = BASE + rendered.column_url("tzgg")
    page = get_adapter("hanweb_ajax").parse_list(url, fetch(rendered, url))
    req = page.next_requests[0]
    assert req.method == "POST"
    assert "startrecord=16&endrecord=30&perpage=15" in req.url
    column_no = rendered.column_url("tzgg").split("/col/col")[1].split("/")[0]
    assert req.formdata["columnid"] == column_no
    assert req.formdata["webname"] == "云溪区人民政府"
    assert {"col", "appid", "webid", "path", "unitid", "sourceContentType",
            "permissiontype"} <= set(req.formdata)


def test_empty_column_renders_one_empty_page() -> None:
    for style in STYLE_ADAPTER:
        rendered = render_site(make_site(style, n=0))
        url = BASE + rendered.column_url("tzgg")
        page = detect_adapter(url, fetch(rendered, url)).parse_list(url, fetch(rendered, url))
        assert page.entries == [] and page.next_requests == []


# ------------------------------------------------------------------------------ real pages

def _manifest_lists() -> list[dict]:
    manifest = REALPAGES / "manifest.json"
    if not manifest.exists():
        return []
    files = json.loads(manifest.read_text("utf-8"))["files"]
    return [f for f in files if f["type"] == "list"]


REAL_LISTS = _manifest_lists()


def test_real_list_fixtures_are_present() -> None:
    """CI has ../shared beside the checkout: a missing fixture folder is a broken setup, not a skip."""
    assert REAL_LISTS, f"real list pages not found under {REALPAGES}"


@pytest.mark.parametrize("spec", REAL_LISTS, ids=[f["file"] for f in REAL_LISTS] or None)
def test_real_list_pages_match_manifest(spec: dict) -> None:
    url = spec["original_url"]
    text = (REALPAGES / spec["file"]).read_text("utf-8")
    truth = spec["ground_truth"]
    if truth.get("page_kind", "").startswith("catalog_root"):  # column navigation, no items: not a list
        with pytest.raises(NotAListPage) as said:
            detect_adapter(url, text).parse_list(url, text)
        assert truth["columns"][0]["name"] in str(said.value) or truth["columns"][-1]["name"] in str(said.value)
        return
    page = detect_adapter(url, text).parse_list(url, text)

    expected = [(urljoin(url, i["url"]), i["title"], i["date"]) for i in truth["items"]]
    assert [(e.url, e.title, e.date_text) for e in page.entries] == expected
    count = truth.get("item_count", truth.get("item_count_in_static_html"))
    assert len(page.entries) == count
    if truth.get("last_page"):
        assert page.total_pages == truth["last_page"]
        remaining = truth["last_page"] - 1 if truth.get("current_page") == 1 else 0
        assert len(page.next_requests) == remaining
    else:
        assert page.next_requests == []


def test_real_empire_pager_schedules_every_page() -> None:
    spec = next(f for f in REAL_LISTS if f["file"].endswith("gsgg_index.html"))
    text = (REALPAGES / spec["file"]).read_text("utf-8")
    page = get_adapter("static_paging").parse_list(spec["original_url"], text)
    urls = [r.url for r in page.next_requests]
    assert urls[0] == "http://www.zhecheng.gov.cn/xxgk/xxgkml/gsgg/index_2.html"
    assert urls[-1] == "http://www.zhecheng.gov.cn/xxgk/xxgkml/gsgg/index_23.html"
    assert len(set(urls)) == 22


def test_js_rendered_trs_shell_reports_zero_entries() -> None:
    spec = next(f for f in REAL_LISTS if "pingtan" in f["file"])
    text = (REALPAGES / spec["file"]).read_text("utf-8")
    for adapter in ADAPTERS.values():  # no adapter may crash or invent items on it
        page = adapter.parse_list(spec["original_url"], text)
        assert page.entries == []
    assert detect_adapter(spec["original_url"], text).name in ("xxgk_table", "generic")


# ------------------------------------------------------ platform variants seen on real sites

HANWEB_COLUMN = """<html><body><div id="212860"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=33718&unitid=212860&webname=%25E6%25B1%259F%25E8%258B%258F&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li class="clearfix"><a target="_blank" href="/art/2026/9/11/art_33718_118282.html" title="全省重点项目建设推进会召开">全省重点项目建设推进会...</a><b>2026-09-11</b></li>]]></record>
<record><![CDATA[
<li><a href='/art/2025/12/15/art_33718_116935.html' title='以产业集群培育赋能中小企业发展'>以产业集群培育赋能中小企业发展</a><span>2025-12-15</span></li>]]></record>
</recordset></datastore></script></div>
<script>$('#212860').jpage({totalRecord:95,perPage:20,proxyUrl:'/module/web/jpage/dataproxy.jsp'});</script>
</body></html>"""

HANWEB_ANSWER = """<?xml version="1.0" encoding="utf-8"?><datastore><totalrecord>95</totalrecord>
<totalpage>5</totalpage><recordset><record><![CDATA[<li><a href="/art/2025/1/2/art_33718_1.html" title="关于开展安全生产大检查的通知">关于开展安全生产大检查的通知</a><span>2025-01-02</span></li>]]></record></recordset></datastore>"""


def test_hanweb_real_shapes() -> None:
    url = "https://www.example.gov.cn/col/col33718/index.html"
    adapter = detect_adapter(url, HANWEB_COLUMN)
    assert adapter.name == "hanweb_ajax"
    page = adapter.parse_list(url, HANWEB_COLUMN)
    assert [e.title for e in page.entries] == ["全省重点项目建设推进会召开", "以产业集群培育赋能中小企业发展"]
    assert [e.date_text for e in page.entries] == ["2026-09-11", "2025-12-15"]
    assert page.entries[0].url == "https://www.example.gov.cn/art/2026/9/11/art_33718_118282.html"
    assert page.total_pages == 5
    spans = [r.url.split("?")[1] for r in page.next_requests]
    assert spans[0] == "startrecord=3&endrecord=22&perpage=20" and spans[-1].startswith("startrecord=83&")
    assert page.next_requests[0].formdata["webid"] == "3"
    assert page.next_requests[0].formdata["unitid"] == "212860"
    assert page.next_requests[0].formdata["webname"] == "江苏"

    proxy = "https://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=21&endrecord=40&perpage=20"
    answer = detect_adapter(proxy, HANWEB_ANSWER).parse_list(proxy, HANWEB_ANSWER)
    assert answer.adapter == "hanweb_ajax" and answer.total_pages == 5 and answer.next_requests == []
    assert answer.entries == [ListEntry("https://www.example.gov.cn/art/2025/1/2/art_33718_1.html",
                                        "关于开展安全生产大检查的通知", "2025-01-02")]


def test_trs_create_page_html_variants() -> None:
    rows = "".join(f'<li><a href="./202601/t2026010{i}_10{i}.html">关于第{i}季度工作安排的公告</a>'
                   f"<span>[2026-01-0{i}]</span></li>" for i in range(1, 4))
    for script in ('createPageHTML(\'page_div\',5,1,\'index\',\'shtml\',73);',
                   'var countPage = 5;//共多少页\nvar currentPage = 0;\n'
                   'createPageHTML(countPage, currentPage, "index", "shtml");'):
        text = f"<html><body><ul class='list'>{rows}</ul><script>{script}</script></body></html>"
        url = "https://www.example.gov.cn/zwgk/tzgg/"
        page = detect_adapter(url, text).parse_list(url, text)
        assert page.adapter == "static_paging" and page.total_pages == 5
        assert [r.url for r in page.next_requests] == [
            f"https://www.example.gov.cn/zwgk/tzgg/index_{i}.shtml" for i in range(1, 5)]
        assert [e.date_text for e in page.entries] == ["2026-01-01", "2026-01-02", "2026-01-03"]
        later = get_adapter("static_paging").parse_list(url + "index_2.shtml", text)
        assert later.next_requests == [] and later.total_pages == 5


def test_xxgk_table_maps_columns_by_header() -> None:
    text = """<html><body><table><tr><td>标题</td><td>文号</td><td>成文日期</td><td>发布日期</td></tr>
    <tr><td><a href="/a/1.html" title="关于印发年度工作要点的通知">关于印发年度...</a></td><td>云政发〔2026〕1号</td>
        <td>2026-01-02</td><td>2026-01-05</td></tr>
    <tr><td><a href="/a/2.html">关于调整部分事项的公告</a></td><td></td><td>2026-01-03</td><td></td></tr>
    </table><div class="page"><a href="?page=2">2</a><a href="?page=3">尾页</a></div></body></html>"""
    url = "https://www.example.gov.cn/xxgk/list.jsp?page=1"
    adapter = detect_adapter(url, text)
    assert adapter.name == "xxgk_table"
    page = adapter.parse_list(url, text)
    assert [(e.title, e.date_text) for e in page.entries] == [
        ("关于印发年度工作要点的通知", "2026-01-05"), ("关于调整部分事项的公告", None)]
    assert page.total_pages == 3
    assert [r.url for r in page.next_requests] == [
        "https://www.example.gov.cn/xxgk/list.jsp?page=2", "https://www.example.gov.cn/xxgk/list.jsp?page=3"]


def test_json_list_finds_records_in_any_shape() -> None:
    doc = {"code": 0, "data": {"pageSize": 2, "total": 5, "list": [
        {"docTitle": "关于<em>公开</em>征求意见的通知", "docUrl": "/zwgk/t1.html", "docRelTime": "2026-02-01 10:00"},
        {"docTitle": "政府工作报告", "docUrl": "https://www.example.gov.cn/zwgk/t2.html", "docRelTime": "2026-01-20"}]},
        "nav": [{"name": "首页"}]}
    url = "https://www.example.gov.cn/api/list?channelId=7&pageNo=1"
    text = json.dumps(doc, ensure_ascii=False)
    adapter = detect_adapter(url, text)
    assert adapter.name == "json_list"
    page = adapter.parse_list(url, text)
    assert page.entries[0] == ListEntry("https://www.example.gov.cn/zwgk/t1.html",
                                        "关于公开征求意见的通知", "2026-02-01 10:00")
    assert page.total_pages == 3
    assert [r.url for r in page.next_requests] == [
        "https://www.example.gov.cn/api/list?channelId=7&pageNo=2",
        "https://www.example.gov.cn/api/list?channelId=7&pageNo=3"]
    rows = json.dumps([{"title": "通知一", "link": "a.html", "pubDate": "2026-01-01"}])
    assert get_adapter("json_list").parse_list(url, rows).entries[0].url == "https://www.example.gov.cn/api/a.html"


def test_generic_needs_long_dated_links_outside_navigation() -> None:
    text = """<html><body><div class="nav"><ul><li><a href="/a.html">关于本站的网站地图与导航说明</a><span>2026-01-01</span></li></ul></div>
    <ul class="friend"><li><a href="http://www.gov.cn/">中华人民共和国中央人民政府</a></li></ul>
    <div class="box"><ul><li><a href="/x/1.html">全区安全生产工作会议召开</a> 2026-02-03</li>
    <li><a href="/x/2.html">停电公告2026年02月05日</a><em>2026-02-01</em></li><li><a href="/x/3.html">短标题</a>2026-01-01</li></ul></div>
    </body></html>"""
    page = get_adapter("generic").parse_list("https://www.example.gov.cn/", text)
    assert [(e.url, e.date_text) for e in page.entries] == [
        ("https://www.example.gov.cn/x/1.html", "2026-02-03"), ("https://www.example.gov.cn/x/2.html", "2026-02-01")]


@pytest.mark.parametrize("text", ["", "   ", "<?xml version='1.0' encoding='gbk'?><html></html>",
                                  "not html at all", "{broken json", "<datastore></datastore>"])
def test_adapters_never_crash_on_odd_input(text: str) -> None:
    for adapter in ADAPTERS.values():
        adapter.detect("https://x.gov.cn/", text)
        page = adapter.parse_list("https://x.gov.cn/", text)
        assert page.entries == []
    assert detect_adapter("https://x.gov.cn/", text) is not None


def test_get_adapter_unknown_name_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="known adapters: .*static_paging"):
        get_adapter("nope")
    assert set(ADAPTERS) == {"static_paging", "hanweb_ajax", "col_art", "xxgk_table", "json_list", "generic"}


def test_registry_platform_names_are_the_adapters() -> None:
    """The registry validates `platform:` without importing harvest, from its own list of names."""
    from auditor.units.models import PLATFORMS

    expected = {"auto", *ADAPTERS}
    assert PLATFORMS == expected, (
        f"auditor/units/models.py PLATFORMS differs from the adapters: add {sorted(expected - PLATFORMS)} "
        f"(remove {sorted(PLATFORMS - expected)}) there, so a registry may name every adapter in `platform:`")


# ------------------------------------------------------------------------------------ feeds

@pytest.mark.parametrize("fmt", ["json", "rss"])
def test_feeds_round_trip(fmt: str) -> None:
    feed = PlanFeed(key="yx_wx", name="云溪发布", format=fmt, items=make_items(6, "wx"))
    pages, path = render_feed(feed, BASE)
    text = pages[path].body.decode("utf-8")
    entries = parse_feed(BASE + path, text)
    assert [e.title for e in entries] == [i.title for i in feed.items]
    assert all(urlsplit(e.url).path in pages for e in entries)
    dated = [e.date_text is not None for e in entries]
    assert dated == [i.show_date and i.publish_date is not None for i in feed.items]


def test_parse_feed_atom_and_relative_links() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><title>区政府召开常务会议</title><link rel="alternate" href="/p/1.html"/><updated>2026-03-01T10:00:00+08:00</updated></entry>
    </feed>"""
    assert parse_feed("https://x.gov.cn/feed.atom", atom) == [
        ListEntry("https://x.gov.cn/p/1.html", "区政府召开常务会议", "2026-03-01T10:00:00+08:00")]
    pages, path = render_feed(PlanFeed(key="k", name="n", format="rss", items=make_items(2)))
    assert parse_feed("http://h:1" + path, pages[path].body.decode())[0].url.startswith("http://h:1/feeds/k/")
    assert parse_feed("https://x.gov.cn/", "garbage") == []


# ------------------------------------------------ county portals saved in 2017 (docs/real-portals.md)
# Minimal pages imitating the real structure; the real pages are not in the repository. Source of all
# three: one public Python script that embeds the list pages of four 宜春 county sites as saved on
# 2017-10-13 (search-index file id 39245219329; its repository is not shown by the index).

# 丰城市 www.jxfc.gov.cn/n3/n13/index.html (政府网站群 component 958): entries `<li><span>[date]</span><a>`,
# the pager drawn by script from `maxPageNum = 199`, every page linked in a hidden div as index_958_N.html.
FC_PAGE = """<html><body><div class="nav"><ul><li><a href="../../n5/index.html">政务公开</a></li></ul></div>
<div id="comp_958"><ul>
<li><span>[2017-10-13]</span><a href="../../n3/n13/c672769/content.html">胡江萍调研我市重点交通工程项目推进情况</a></li>
<li><span>[2017-10-12]</span><a href="../../n3/n13/c672659/content.html">荣塘镇筑牢信访维稳防火墙</a></li>
</ul></div><div class="page" id="pag_958"><script>var purl="../../n3/n13/index_958"
  var maxPageNum=0; document.cookie="maxPageNum958=6"; maxPageNum = 6;</script></div>
<div style='display:none'>""" + "".join(f"<a href='../../n3/n13/index_958_{n}.html'></a>" for n in range(1, 7)) + \
    "</div></body></html>"

# 万载县 www.wanzai.gov.cn/news-list-wanzaiyaowen.html: rows are `<div><a>标题</a><p>date</p></div>`, the pager
# `news-list-NAME-N.html` with 首页 = `-1.html`, "共595条记录 1/30页"; details `news-show-N.html` in the same folder.
WZ_PAGE = """<html><body><div id="nav"><a href="/">网站首页</a><a href="http://www.wanzai.gov.cn/news-list-zhengwugongkai.html">政务公开</a></div>
<div id="left_lan"><a href="http://www.wanzai.gov.cn/news-list-tongzhigonggao.html"><p><span>通知公告</span></p></a></div>
<div id="right_con">
<div><a href="http://www.wanzai.gov.cn/news-show-8960.html" target="_blank" alt="万载县发布禁火令">万载县发布禁火令</a><p>2017-10-13</p></div>
<div><a href="http://www.wanzai.gov.cn/news-show-8920.html" target="_blank">万载县“三举措”强化扶贫资金监管</a><p>2017-10-10</p></div>
<div><a href="http://www.wanzai.gov.cn/news-show-8849.html" target="_blank">万载县14个乡镇年中人民代表大会顺利召开</a><p>2017-09-27</p></div>
</div><div id="right_tz"><div>共595条记录 1/30页</div>
<div><a href="http://www.wanzai.gov.cn/news-list-wanzaiyaowen-1.html">首页</a></div><div><a href="javascript:volid(0);">上一页</a></div>
<div><a href="http://www.wanzai.gov.cn/news-list-wanzaiyaowen-2.html">下一页</a></div>
<div><a href="http://www.wanzai.gov.cn/news-list-wanzaiyaowen-30.html">末页</a></div></div></body></html>"""

# Older TRS pager, saved before its script ran (a 税务 list page, search-index file id 2274689323, and the
# 恩格贝生态示范区 信息公开年报 page in taoqf/node-html-parser@18ca5848c25f051a12acab4a69b6b3aca63c1a0c:test/69.js):
# no createPageHTML call and no pager links, only `var countPage = N` and the names the script builds.
TRS_COUNTPAGE = """<html><body><table class="gl_list"><tr><td><a href="./202009/t20200903_2748784.html">鄂尔多斯市2019年政府信息公开工作年度报告</a></td>
<td>2020-09-03</td></tr><tr><td><a href="./202005/t20200506_2633371.html">恩格贝生态示范区召开2020年度工作会暨党风廉政建设会议</a></td>
<td>2020-05-06</td></tr></table><script>var currentPage = 0;//所在页从0开始
var prevPage = currentPage-1//上一页
var countPage = 4//共多少页
if(countPage>1&&currentPage!=(countPage-1))
document.write("<a href=\\"index"+"_" + nextPage + "."+"shtml\\" class='fanye'>下一页</a>");</script></body></html>"""


@pytest.mark.parametrize("url, text, adapter, titles, dates, total, next_urls", [
    ("http://www.jxfc.gov.cn/n3/n13/index.html", FC_PAGE, "static_paging",
     ["胡江萍调研我市重点交通工程项目推进情况", "荣塘镇筑牢信访维稳防火墙"], ["2017-10-13", "2017-10-12"], 6,
     [f"http://www.jxfc.gov.cn/n3/n13/index_958_{n}.html" for n in range(1, 7)]),
    ("http://www.wanzai.gov.cn/news-list-wanzaiyaowen.html", WZ_PAGE, "generic",
     ["万载县发布禁火令", "万载县“三举措”强化扶贫资金监管", "万载县14个乡镇年中人民代表大会顺利召开"],
     ["2017-10-13", "2017-10-10", "2017-09-27"], 30,
     [f"http://www.wanzai.gov.cn/news-list-wanzaiyaowen-{n}.html" for n in range(2, 31)]),
    ("http://egb.example.gov.cn/xxgk/xxgknb/", TRS_COUNTPAGE, "static_paging",
     ["鄂尔多斯市2019年政府信息公开工作年度报告", "恩格贝生态示范区召开2020年度工作会暨党风廉政建设会议"],
     ["2020-09-03", "2020-05-06"], 4,
     [f"http://egb.example.gov.cn/xxgk/xxgknb/index_{n}.shtml" for n in range(1, 4)]),
], ids=["fengcheng-hidden-pager", "wanzai-div-rows", "trs-countPage-unrendered"])
def test_real_county_list_shapes(url, text, adapter, titles, dates, total, next_urls) -> None:
    found = detect_adapter(url, text)
    assert found.name == adapter
    page = found.parse_list(url, text)
    assert [e.title for e in page.entries] == titles
    assert [e.date_text for e in page.entries] == dates
    assert page.total_pages == total
    assert [r.url for r in page.next_requests] == next_urls


@pytest.mark.parametrize("text, items, pages", [
    (FC_PAGE, None, 6),                      # `maxPageNum=0` first, then `maxPageNum = 6`: the page count is 6
    (WZ_PAGE, 595, 30),
    (TRS_COUNTPAGE, None, 4),
    ("<script>var countPage = 0;</script>", None, 0),   # a zero that is never set stays zero
])
def test_declared_size_of_2017_county_pagers(text, items, pages) -> None:
    said = declared_size(text)
    assert (said.total_items, said.total_pages) == (items, pages)


def test_detail_links_in_the_list_folder_are_never_pager_pages() -> None:
    """万载's details (news-show-N.html) sit next to the list: more of them than pager links must not win."""
    rows = "".join(f'<div><a href="/news-show-{8800 + i}.html">万载县第{i}次重点工作推进会召开</a><p>2017-09-{10 + i}</p></div>'
                   for i in range(12))
    text = f'<html><body><div id="right_con">{rows}</div></body></html>'
    page = detect_adapter("http://www.wanzai.gov.cn/news-list-wanzaiyaowen.html", text).parse_list(
        "http://www.wanzai.gov.cn/news-list-wanzaiyaowen.html", text)
    assert len(page.entries) == 12
    assert page.next_requests == [] and page.total_pages is None


def test_page_wrappers_never_become_rows() -> None:
    """Only small leaf divs are rows: nested layout divs around a dated link list give that list only."""
    text = """<html><body><div class="main"><div class="box"><div class="inner">
    <div><a href="/a/1.html">关于做好2017年国庆节假期安全生产工作的通知</a><p>2017-09-28</p></div>
    <div><a href="/a/2.html">关于开展全县秋冬季森林防火检查工作的通知</a><p>2017-09-20</p></div>
    </div><p>更新于2017-10-13</p><a href="/about.html">关于我们网站的建设与维护说明</a></div></div></body></html>"""
    page = get_adapter("generic").parse_list("http://www.example.gov.cn/list.html", text)
    assert [e.url for e in page.entries] == ["http://www.example.gov.cn/a/1.html", "http://www.example.gov.cn/a/2.html"]


# ------------------------------------------------ navigation hubs registered as columns
@pytest.mark.parametrize("file, url, subs", [
    ("list/henan_zhecheng_xxgk_zdly_index.html", "http://www.zhecheng.gov.cn/xxgk/zdly/", "食品药品安全"),
    ("list/henan_zhecheng_xxgk_xxgkml_index.html", "http://www.zhecheng.gov.cn/xxgk/xxgkml/", "政府领导"),
])
def test_real_hub_pages_are_not_empty_columns(file, url, subs) -> None:
    """柘城县's 重点领域 and 信息公开目录 pages list sub-columns, no entries: read as an empty list they made
    21 entries "missing" in a replayed audit; the adapter says what the page is instead."""
    text = (REALPAGES / file).read_text("utf-8", errors="replace")
    with pytest.raises(NotAListPage, match=subs):
        detect_adapter(url, text).parse_list(url, text)


HUB = """<html><body><div class="nav"><a href="/">首页</a></div><ul class="sub">
<li><a href="fpxx/index.html">扶贫信息</a></li><li><a href="czzj/index.html">财政资金</a></li>
<li><a href="zfcg/">政府采购</a></li><li><a href="bzxzf/index.html">保障性住房</a></li></ul>{extra}</body></html>"""


@pytest.mark.parametrize("extra, hub", [
    ("", True),
    ("<div class='list'>暂无信息</div>", False),                 # a column that says it is empty is empty
    ("<div class='page'>共0条记录</div>", False),                 # … or that declares 0 items
    ("<ul class='list'><li><a href='2018-07-11/5859.html'>关于2018年城镇保障性住房分配结果的公示</a>"
     "<span>2018-07-11</span></li></ul>", False),                # entries: a list page with a sub-menu
])
def test_hub_detection(extra, hub) -> None:
    url = "http://www.example.gov.cn/xxgk/zdly/"
    text = HUB.format(extra=extra)
    for not_a_hub in (text.replace('<ul class="sub">', '<ul class="subnav">'),  # the links are a menu
                      text.replace('href="', 'href="/')):                      # the site's top folders
        get_adapter("generic").parse_list(url, not_a_hub)
    for name in ("generic", "static_paging", "xxgk_table", "col_art"):
        if hub:
            with pytest.raises(NotAListPage):
                get_adapter(name).parse_list(url, text)
        else:
            get_adapter(name).parse_list(url, text)


# ------------------------------------------------ pagers no page URL can be computed from
ROWS_2017 = "".join(f'<li><a href="/xwzx/2017-10-{10 + i}/{600 + i}.html">全县第{i}批农村危房改造补助资金发放工作完成</a>'
                    f"<span>2017-10-{10 + i}</span></li>" for i in range(5))


@pytest.mark.parametrize("pager, unread", [
    ('<a href="javascript:goPage(2)">下一页</a><a href="javascript:goPage(9)">尾页</a>', "下一页 → javascript:goPage(2)"),
    ('<a href="?pageNo=2">下一页</a>', None),                             # a query pager on this page: read
    ('<a href="list.jsp?categoryId=12&pageNo=2">下一页</a>',              # … on another path: not read, said so
     "下一页 → list.jsp?categoryId=12&pageNo=2"),
    ('<a href="index_2.html">下一页</a>', None),                          # an index_N pager: read
    ('<span>下一页</span><span>尾页</span>', None),                        # disabled, one page
    ('<a href="javascript:void(0)">下一页</a>', None),                    # disabled link (万载's 上一页 style)
    ('<a href="./">下一页</a>', None),                                    # the page itself: one page
    ("", None),
])
def test_pager_unread_is_evidence_not_a_guess(pager, unread) -> None:
    url = "http://www.example.gov.cn/xwzx/"
    text = f"<html><body><ul class='list'>{ROWS_2017}</ul><div class='page'>{pager}</div></body></html>"
    page = detect_adapter(url, text).parse_list(url, text)
    assert len(page.entries) == 5
    assert page.pager_unread == unread
