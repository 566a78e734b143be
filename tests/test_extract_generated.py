"""Detail extraction on generated pages: one layout or encoding quirk per test.

The real fixtures come from one CMS; these pages reproduce the layouts other
government CMSs use (gov.cn's two-cell table, same-cell labels, dl/dd, span
pairs, a 发布时间/来源/作者 text line), the encoding accidents seen on such
sites, and broken input, so the extractor is exercised beyond one template.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from auditor.errors import ExtractionError
from auditor.harvest.extract import decode_html, extract_detail, extract_file
from auditor.harvest.extract.dates import find_dates, parse_date, url_date

URL = "http://www.example.gov.cn/zwgk/zcwj/art_1_100.html"


def page(body: str, head: str = "", title: str = "关于印发某某市政务公开办法的通知_某某市人民政府") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title>{head}</head><body>"
        "<div class='nav'><a href='/'>首页</a> &gt; <a href='/zwgk/'>政府信息公开</a></div>"
        f"{body}"
        "<div class='footer'>主办单位：某某市人民政府办公室 网站标识码：1234000001</div>"
        "</body></html>"
    )


ARTICLE = (
    "<div id='zoom'><p>各县（区）人民政府，市政府各部门：</p>"
    "<p>现将《某某市政务公开办法》印发给你们，请认真贯彻执行。政务公开是建设法治政府的重要内容，各单位要高度重视。</p>"
    "<p style='text-align:right'>某某市人民政府办公室</p><p>2024年3月10日</p></div>"
)


# --- label layouts -----------------------------------------------------------


def test_table_two_cell_layout_like_gov_cn() -> None:
    html = page(
        "<table class='bd1'>"
        "<tr><td><b>索 引 号：</b></td><td>11410000MB1234567X/2024-00012</td>"
        "<td><b>主题分类：</b></td><td>综合政务\\其他</td></tr>"
        "<tr><td><b>发文机关：</b></td><td>某某市人民政府办公室</td>"
        "<td><b>成文日期：</b></td><td>2024年03月10日</td></tr>"
        "<tr><td><b>标　　题：</b></td><td colspan='3'>关于印发某某市政务公开办法的通知</td></tr>"
        "<tr><td><b>发文字号：</b></td><td>某政办〔2024〕5号</td>"
        "<td><b>发布日期：</b></td><td>2024年03月15日</td></tr>"
        "<tr><td><b>有 效 性：</b></td><td>有效</td></tr></table>"
        "<h1>关于印发某某市政务公开办法的通知</h1>" + ARTICLE,
        head="<meta name='PubDate' content='2024-03-20 09:00'>",
    )
    d = extract_detail(html, URL)
    assert d.title.value == "关于印发某某市政务公开办法的通知"
    assert d.title.source == "label"
    # The displayed 发布日期 wins over a disagreeing meta PubDate.
    assert d.publish_date.value == dt.date(2024, 3, 15)
    assert d.publish_date.source == "label"
    assert d.written_date.value == dt.date(2024, 3, 10)
    assert d.index_no.value == "11410000MB1234567X/2024-00012"
    assert d.publisher.value == "某某市人民政府办公室"
    assert d.doc_no.value == "某政办〔2024〕5号"
    assert d.category.value == "综合政务\\其他"
    assert d.validity.value == "有效"


def test_same_cell_labels() -> None:
    html = page(
        "<table class='xxgk'><tr><td>索引号：000014349/2024-00031</td><td>发布机构：某某市财政局</td></tr>"
        "<tr><td>发文日期：2024-02-01</td><td>发布时间：2024-02-05　　来源：某某市财政局办公室</td></tr>"
        "<tr><td>文　　号：某财〔2024〕3号</td><td>效力状态：现行有效</td></tr></table>"
        "<h2 class='title'>关于印发某某市政务公开办法的通知</h2>" + ARTICLE
    )
    d = extract_detail(html, URL)
    assert d.index_no.value == "000014349/2024-00031"
    # 发布机构 is preferred over 来源 for the publisher.
    assert d.publisher.value == "某某市财政局"
    assert d.written_date.value == dt.date(2024, 2, 1)  # 发文日期 is the written date
    assert d.publish_date.value == dt.date(2024, 2, 5)
    assert d.doc_no.value == "某财〔2024〕3号"
    assert d.validity.value == "现行有效"


def test_dl_dt_dd_layout_with_and_without_colons() -> None:
    html = page(
        "<h1>关于印发某某市政务公开办法的通知</h1>"
        "<dl class='meta'><dt>发布机构</dt><dd>某某县人民政府</dd>"
        "<dt>信息索引号：</dt><dd>ABC-2023-0042</dd>"
        "<dt>公开日期：</dt><dd>2023/11/8</dd>"
        "<dt>主题分类</dt><dd>城乡建设、环境保护</dd></dl>" + ARTICLE
    )
    d = extract_detail(html, URL)
    assert d.publisher.value == "某某县人民政府"
    assert d.index_no.value == "ABC-2023-0042"
    assert d.publish_date.value == dt.date(2023, 11, 8)
    assert d.category.value == "城乡建设、环境保护"


def test_span_pairs_layout() -> None:
    html = page(
        "<h1 class='article-title'>关于印发某某市政务公开办法的通知</h1>"
        "<ul class='info'><li><span>索引号：</span><span>K12/2022-001</span></li>"
        "<li><span class='label'>发文字号</span><span class='value'>某发〔2022〕17号</span></li>"
        "<li><label>成文时间：</label><em>2022.12.01</em></li>"
        "<li><b>发布时间：</b>2022.12.05 10:20</li></ul>" + ARTICLE
    )
    d = extract_detail(html, URL)
    assert d.index_no.value == "K12/2022-001"
    assert d.doc_no.value == "某发〔2022〕17号"
    assert d.written_date.value == dt.date(2022, 12, 1)
    assert d.publish_date.value == dt.date(2022, 12, 5)


def test_plain_text_line_with_several_labels() -> None:
    html = page(
        "<div class='article'><h1>关于印发某某市政务公开办法的通知</h1>"
        "<div class='info'>发布时间：2018-07-03 17:40:22&nbsp;&nbsp;来源：市政府办&nbsp;&nbsp;作者：张三&nbsp;&nbsp;浏览次数：12</div>"
        + ARTICLE
        + "</div>"
    )
    d = extract_detail(html, URL)
    assert d.publish_date.value == dt.date(2018, 7, 3)
    assert d.publish_date.raw == "发布时间：2018-07-03 17:40:22"
    assert d.source.value == "市政府办"  # 来源 as typed ...
    assert (d.publisher.value, d.publisher.source) == ("某某市人民政府办公室", "signature")  # ... the signature issued it
    assert d.author.value == "张三"


def test_publish_label_inside_body_does_not_beat_meta() -> None:
    body = (
        "<h1>关于印发某某市政务公开办法的通知</h1>"
        "<div class='TRS_Editor'><p>一、项目概况</p><p>公告发布媒体及时间如下，请各投标人注意查看相关附件内容。</p>"
        "<p>发布时间：2023-01-01</p></div>"
    )
    d = extract_detail(page(body, head="<meta name='PubDate' content='2024-05-06 08:00'>"), URL)
    assert d.publish_date.value == dt.date(2024, 5, 6)
    assert d.publish_date.source == "meta_tag"


def test_prose_words_ending_in_a_label_are_not_labels() -> None:
    body = "<h1>关于印发某某市政务公开办法的通知</h1><div id='zoom'><p>资金来源：自筹</p><p>评标日期：2018年7月26日</p></div>"
    d = extract_detail(page(body), "http://www.example.gov.cn/a/123.html")
    assert d.publisher.value is None
    assert d.publish_date.value is None


# --- titles and dates ------------------------------------------------------------


def test_article_title_meta_has_priority_and_title_tag_suffix_is_stripped() -> None:
    d = extract_detail(page("<h1>网站首页</h1>" + ARTICLE, head="<meta name='ArticleTitle' content='某某市关于政务公开的通知'>"), URL)
    assert d.title.value == "某某市关于政务公开的通知"
    assert d.title.source == "meta_tag"

    d = extract_detail(page("<div class='logo'>某某市人民政府</div>" + ARTICLE), URL)
    assert d.title.value == "关于印发某某市政务公开办法的通知"
    assert d.title.source == "title_tag"


def test_date_under_heading_beats_url_date() -> None:
    body = "<h1>关于印发某某市政务公开办法的通知</h1><div class='date'>2024-03-14</div>" + ARTICLE
    d = extract_detail(page(body), "http://www.example.gov.cn/zwgk/202403/t20240316_123.html")
    assert d.publish_date.value == dt.date(2024, 3, 14)
    assert d.publish_date.source == "page_text"


def test_url_date_is_last_resort() -> None:
    body = "<h1>关于印发某某市政务公开办法的通知</h1>" + ARTICLE.replace("<p>2024年3月10日</p>", "")
    d = extract_detail(page(body), "http://www.example.gov.cn/zwgk/202403/t20240316_123.html")
    assert d.publish_date.value == dt.date(2024, 3, 16)
    assert d.publish_date.source == "url"


def test_hanweb_publishtime_cue() -> None:
    body = "<h1>关于印发某某市政务公开办法的通知</h1><!--<publishtime>2021-09-30 16:00:00</publishtime>-->" + ARTICLE
    d = extract_detail(page(body), "http://www.example.gov.cn/art/2021/10/8/art_1_2.html")
    assert d.publish_date.value == dt.date(2021, 9, 30)
    assert d.publish_date.source == "adapter:hanweb"


def test_doc_number_line_and_signature_date_in_body() -> None:
    body = (
        "<h1>关于印发某某市政务公开办法的通知</h1><div class='info'>发布日期：2024-03-15</div>"
        "<div id='zoom'><p><span>某政办〔</span><span>2024</span><span>〕5号</span></p>"
        "<p>各县（区）人民政府：根据《关于全面推进政务公开工作的意见》（国办发〔2016〕8号）精神，现将有关事项通知如下。</p>"
        "<p>某某市人民政府办公室</p><p>二〇二四年三月十日</p></div>"
    )
    d = extract_detail(page(body), URL)
    assert d.doc_no.value == "某政办〔2024〕5号"
    assert d.doc_no.source == "page_text"
    assert d.written_date.value == dt.date(2024, 3, 10)


def test_cited_doc_number_is_not_the_page_doc_number() -> None:
    body = (
        "<h1>关于印发某某市政务公开办法的通知</h1>"
        "<div id='zoom'><p>根据《关于全面推进政务公开工作的意见》（国办发〔2016〕8号）精神，现将有关事项公示如下。</p></div>"
    )
    assert extract_detail(page(body), URL).doc_no.value is None


def test_page_without_any_date() -> None:
    html = "<html><head><title>联系我们</title></head><body><div>电话：0370-1234567</div><p>地址：某某路1号</p></body></html>"
    d = extract_detail(html, "http://www.example.gov.cn/lxwm/index.html")
    for name in ("publish_date", "written_date", "index_no", "publisher", "doc_no", "category", "validity"):
        assert getattr(d, name).value is None, name
    out = d.to_json()
    assert out["publish_date"] is None and out["written_date"] is None


def test_date_parsing_formats() -> None:
    assert parse_date("2024-03-15") == dt.date(2024, 3, 15)
    assert parse_date("2024/3/5 08:00") == dt.date(2024, 3, 5)
    assert parse_date("2024年3月15日") == dt.date(2024, 3, 15)
    assert parse_date("2024 年 03 月 15 日") == dt.date(2024, 3, 15)
    assert parse_date("2024.03.15") == dt.date(2024, 3, 15)
    assert parse_date("2024-03-15-17:30:00") == dt.date(2024, 3, 15)
    assert parse_date("二〇二四年三月十五日") == dt.date(2024, 3, 15)
    assert parse_date("1988-09-01") is None  # outside the sanity range
    assert parse_date("2024-13-01") is None
    assert parse_date("电话：0370-7211005") is None
    assert [m.value for m in find_dates("自2024年1月1日起至2024年12月31日止")] == [dt.date(2024, 1, 1), dt.date(2024, 12, 31)]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.gov.cn/zwgk/202403/t20240315_123.html", dt.date(2024, 3, 15)),
        ("http://a.gov.cn/xxgk/2018-07-11/6360.html", dt.date(2018, 7, 11)),
        ("http://a.gov.cn/art/2024/3/5/art_1_2.html", dt.date(2024, 3, 5)),
        ("http://a.gov.cn/news/2024-03/15/content_1.htm", dt.date(2024, 3, 15)),
        ("http://a.gov.cn/zwgk/202403/abc.shtml", None),  # month only is not a date
        ("http://a.gov.cn/zwgk/index.html", None),
    ],
)
def test_url_dates(url: str, expected: dt.date | None) -> None:
    found = url_date(url)
    assert (found[0] if found else None) == expected


# --- encodings -------------------------------------------------------------------

GBK_PAGE = (
    "<html><head>{meta}<title>朱镕基同志关于政务公开的讲话_某某市人民政府</title></head><body>"
    "<h1>朱镕基同志关于政务公开的讲话</h1><div class='info'>发布时间：2009-05-04　来源：市档案局</div>"
    "<div id='zoom'><p>政务公开是建设法治政府的重要内容，各单位要高度重视，认真抓好落实。</p></div></body></html>"
)


def _check_gbk_page(d) -> None:  # type: ignore[no-untyped-def]
    assert d.title.value == "朱镕基同志关于政务公开的讲话"  # 镕 is GBK-only, not GB2312
    assert d.publish_date.value == dt.date(2009, 5, 4)
    assert d.publisher.value == "市档案局"


def test_gbk_bytes_with_correct_meta_charset() -> None:
    body = GBK_PAGE.format(meta='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk")
    d = extract_detail(body, URL)
    assert d.encoding == "gb18030"
    _check_gbk_page(d)


def test_gbk_bytes_without_any_declaration() -> None:
    d = extract_detail(GBK_PAGE.format(meta="").encode("gbk"), URL)
    assert d.encoding == "gb18030"
    _check_gbk_page(d)


def test_gbk_bytes_mislabelled_utf8() -> None:
    body = GBK_PAGE.format(meta='<meta charset="utf-8">').encode("gbk")
    d = extract_detail(body, URL, declared_encoding="text/html; charset=UTF-8")
    assert d.encoding == "gb18030"
    _check_gbk_page(d)


def test_utf8_bytes_mislabelled_gb2312() -> None:
    body = GBK_PAGE.format(meta='<meta charset="gb2312">').encode("utf-8")
    d = extract_detail(body, URL, declared_encoding="gb2312")
    assert d.encoding == "utf-8"
    _check_gbk_page(d)


def test_gbk_declared_latin1_by_server() -> None:
    body = GBK_PAGE.format(meta="").encode("gbk")
    text, encoding = decode_html(body, "ISO-8859-1")
    assert encoding == "gb18030"
    assert "朱镕基" in text


def test_utf8_cut_mid_character_stays_utf8() -> None:
    body = GBK_PAGE.format(meta='<meta charset="utf-8">').encode("utf-8")
    cut = body[: body.index("政务公开是".encode()) + 4]  # inside 务
    text, encoding = decode_html(cut, "utf-8")
    assert encoding == "utf-8"
    assert "朱镕基同志关于政务公开的讲话" in text
    d = extract_detail(cut, URL, declared_encoding="gbk")  # even with a wrong header
    _check_gbk_page(d)


def test_decode_never_raises_and_honours_bom() -> None:
    text, encoding = decode_html(b"\xef\xbb\xbf<p>\xe4\xb8\xad</p>", "gbk")
    assert (text, encoding) == ("<p>中</p>", "utf-8-sig")
    garbage = "<p>政务公开</p>".encode("gbk") + b"\xff\xfe\x81" + "正文".encode()
    text, _ = decode_html(garbage, "utf-8")
    assert "政务公开" in text or "\ufffd" in text
    assert decode_html(b"", None) == ("", "utf-8")


# --- broken input ------------------------------------------------------------------


def test_truncated_html_cut_mid_tag() -> None:
    html = (
        "<html><head><title>关于某某事项的公告_某某县人民政府</title></head><body>"
        "<h1>关于某某事项的公告</h1><div class='info'>发布日期：2022-06-01</div>"
        "<div id='zoom'><p>根据有关规定，现将某某事项公告如下：一、公告内容。</p><p cla"
    )
    d = extract_detail(html, URL)
    assert d.title.value == "关于某某事项的公告"
    assert d.publish_date.value == dt.date(2022, 6, 1)
    assert d.body_length > 0
    # Same page as bytes, cut inside a multi-byte character.
    raw = html.encode("gbk")[:-1] + "政".encode("gbk")[:1]
    assert extract_detail(raw, URL).publish_date.value == dt.date(2022, 6, 1)


def test_empty_or_binary_input_raises_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract_detail(b"", URL)
    with pytest.raises(ExtractionError):
        extract_detail("   \n", URL)
    with pytest.raises(ExtractionError):
        extract_detail(b"%PDF-1.4\x00\x00\x01binary", URL)


# --- attachments -------------------------------------------------------------------


def test_attachments_relative_urls_and_base_href() -> None:
    html = (
        "<html><head><title>附件测试</title><base href='http://files.example.gov.cn/upload/2024/'></head><body>"
        "<h1>附件测试</h1><div id='zoom'><p>正文内容，详见附件。正文内容，详见附件。</p>"
        "<p>附件：<a href='a/plan.pdf'>1.某某规划.pdf</a></p>"
        "<p><a href='../form.docx' title='申请表'>8f14e45fceea167a5a36dedd4bea2543.docx</a>(15.43 KB)</p>"
        "<p><a href='/download.jsp?filename=%E5%90%8D%E5%8D%95.xls&id=9'>名单</a></p>"
        "<p><a href='/attach/get?id=3'>附件3.wps</a></p>"
        "<p><a href='page2.html'>下一页</a> <a href='javascript:void(0)'>打印.pdf</a></p>"
        "<p><a href='a/plan.pdf'>重复链接</a></p>"
        "</div><div class='footer'><a href='/guide.pdf'>政府信息公开指南.pdf</a></div></body></html>"
    )
    d = extract_detail(html, "http://www.example.gov.cn/zwgk/t20240101_1.html")
    got = [(a.name, a.url, a.type) for a in d.attachments]
    assert got == [
        ("1.某某规划.pdf", "http://files.example.gov.cn/upload/2024/a/plan.pdf", "pdf"),
        ("申请表", "http://files.example.gov.cn/upload/form.docx", "docx"),
        ("名单", "http://files.example.gov.cn/download.jsp?filename=%E5%90%8D%E5%8D%95.xls&id=9", "xls"),
        ("附件3.wps", "http://files.example.gov.cn/attach/get?id=3", "wps"),
    ]


def test_attachments_relative_to_page_url_without_base() -> None:
    html = page("<h1>关于印发某某市政务公开办法的通知</h1>" + ARTICLE + "<a href='./P020240315.ofd'>办法全文</a>")
    d = extract_detail(html, "http://www.example.gov.cn/zwgk/202403/t20240315_1.html")
    assert [(a.url, a.type) for a in d.attachments] == [
        ("http://www.example.gov.cn/zwgk/202403/P020240315.ofd", "ofd")
    ]


# --- output shape ------------------------------------------------------------------


def test_to_json_shape_and_extract_file(tmp_path: Path) -> None:
    html = page("<h1>关于印发某某市政务公开办法的通知</h1><div class='info'>发布日期：2024-03-15</div>" + ARTICLE)
    path = tmp_path / "p.html"
    path.write_bytes(html.encode("gbk").replace(b"charset='utf-8'", b"charset='gbk'"))
    out = extract_file(path, URL)
    assert set(out) == {
        "title", "publish_date", "written_date", "index_no", "publisher", "source", "doc_no",
        "category", "validity", "attachments", "body_length", "provenance",
    }
    assert out["publish_date"] == "2024-03-15"
    assert out["provenance"]["publish_date"] == {"source": "label", "raw": "发布日期：2024-03-15"}
    assert out["body_length"] > 20
    json.dumps(out, ensure_ascii=False)  # serialisable as is


def test_extract_file_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError):
        extract_file(tmp_path / "nope.html", URL)


def test_body_hash_ignores_whitespace() -> None:
    a = extract_detail(page("<h1>关于印发某某市政务公开办法的通知</h1>" + ARTICLE), URL)
    b = extract_detail(page("<h1>关于印发某某市政务公开办法的通知</h1>" + ARTICLE.replace("</p>", "</p>\n  ")), URL)
    assert a.body_hash == b.body_hash and len(a.body_hash) == 64


def test_title_when_title_tag_only_names_the_site() -> None:
    html = (
        "<html><head><title>某某市人民政府</title></head><body>"
        "<div class='header'><h1>某某市人民政府</h1></div>"
        "<div class='main'><h2 class='tit'>关于开展2024年度安全生产检查的通知</h2>"
        "<div class='info'>2024-04-02</div>" + ARTICLE + "</div></body></html>"
    )
    d = extract_detail(html, "http://www.example.gov.cn/a/123.html")
    assert d.title.value == "关于开展2024年度安全生产检查的通知"
    assert d.publish_date.value == dt.date(2024, 4, 2)

    reversed_order = page("<div class='logo'>logo</div>" + ARTICLE, title="某某市人民政府 - 关于开展安全生产检查的通知")
    assert extract_detail(reversed_order, URL).title.value == "关于开展安全生产检查的通知"


def test_fawen_shijian_with_time_of_day_is_a_posting_stamp() -> None:
    with_time = page("<h1>关于印发某某市政务公开办法的通知</h1><div class='info'>发文时间：2024-03-15 10:22:33</div>" + ARTICLE)
    d = extract_detail(with_time, URL)
    assert d.publish_date.value == dt.date(2024, 3, 15)
    assert d.written_date.value is None or d.written_date.source != "label"
    date_only = page("<h1>关于印发某某市政务公开办法的通知</h1><div class='info'>发文日期：2024-03-12</div>" + ARTICLE)
    assert extract_detail(date_only, URL).written_date.value == dt.date(2024, 3, 12)


def test_deeply_nested_unclosed_tags() -> None:
    html = page("<h1>关于印发某某市政务公开办法的通知</h1>" + "<font>" * 400 + "<div class='info'>发布日期：2024-03-15</div>" + ARTICLE)
    assert extract_detail(html, URL).publish_date.value == dt.date(2024, 3, 15)


def test_hanweb_like_xxgk_page() -> None:
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'>"
        "<title>关于2024年清明节放假的通知 </title>"
        "<meta name='SiteName' content='某某市人民政府'><meta name='ColumnName' content='通知公告'>"
        "<meta name='ArticleTitle' content='关于2024年清明节放假的通知'><meta name='PubDate' content='2024-03-30 09:00'>"
        "<meta name='ContentSource' content='市政府办公室'></head><body>"
        "<table class='xxgk_table'><tr><td class='xxgk_td1'>索引号：</td><td>11330100002489584M/2024-123456</td>"
        "<td class='xxgk_td1'>公开方式：</td><td>主动公开</td></tr>"
        "<tr><td>发布机构：</td><td>市政府办公厅</td><td>文号：</td><td>某政办函〔2024〕5号</td></tr>"
        "<tr><td>成文日期：</td><td>2024-03-28</td><td>公开日期：</td><td>2024-03-29</td></tr></table>"
        "<div class='title'>关于2024年清明节放假的通知</div>"
        "<!--<publishtime>2024-03-29 16:57:30</publishtime>-->"
        "<div id='zoom'><p>各区、县（市）人民政府，市政府各部门、各直属单位：经市政府同意，现将2024年清明节放假安排通知如下。</p></div>"
        "</body></html>"
    )
    d = extract_detail(html, "https://www.example.gov.cn/art/2024/4/1/art_1229063382_1.html")
    assert d.title.value == "关于2024年清明节放假的通知"
    assert d.publish_date.value == dt.date(2024, 3, 29)  # displayed 公开日期, not PubDate or the URL
    assert d.written_date.value == dt.date(2024, 3, 28)
    assert d.index_no.value == "11330100002489584M/2024-123456"
    assert d.publisher.value == "市政府办公厅"  # labelled 发布机构 beats meta ContentSource
    assert d.doc_no.value == "某政办函〔2024〕5号"


def test_div_span_pairs_without_colons() -> None:
    html = page(
        "<div class='detail-meta'>"
        "<div class='row'><span class='k'>索引号</span><span class='v'>XX-2024-7</span></div>"
        "<div class='row'><span class='k'>发布机构</span><span class='v'>某某县教育局</span></div>"
        "<div class='row'><span class='k'>发布日期</span><span class='v'>2024年5月6日</span></div>"
        "<div class='row'><span class='k'>效力状态</span><span class='v'>有效</span></div></div>"
        "<h1>关于印发某某市政务公开办法的通知</h1>" + ARTICLE
    )
    d = extract_detail(html, URL)
    assert (d.index_no.value, d.publisher.value, d.publish_date.value, d.validity.value) == (
        "XX-2024-7", "某某县教育局", dt.date(2024, 5, 6), "有效",
    )


def test_date_match_exposes_value_and_date() -> None:
    (match,) = find_dates("发布时间：2024-03-15 10:20")
    assert match.value == match.date == dt.date(2024, 3, 15)
    assert match.has_time and match.raw == "2024-03-15 10:20"


def test_empty_value_cells_stay_empty() -> None:
    html = page(
        "<table class='xxgk-meta'>"
        "<tr><td class='label'>索引号：</td><td></td><td class='label'>发布机构：</td><td>某某区财政局</td></tr>"
        "<tr><td class='label'>成文日期：</td><td>2024-01-05</td></tr>"
        "<tr><td class='label'>文号：</td><td></td><td class='label'>主题分类：</td><td> </td></tr></table>"
        "<h1>关于印发某某市政务公开办法的通知</h1>" + ARTICLE
    )
    d = extract_detail(html, URL)
    assert d.index_no.value is None
    assert d.category.value is None  # not the heading on the next line
    assert d.doc_no.value is None
    assert d.publisher.value == "某某区财政局"
    assert d.written_date.value == dt.date(2024, 1, 5)


# --- publisher, not source (issue 12) ----------------------------------------------

UNSIGNED = "<div id='zoom'><p>根据工作安排，现将有关事项公告如下。本项目采用公开招标方式，欢迎符合条件的供应商参加。</p></div>"


@pytest.mark.parametrize("source, publisher", [
    ("新华网", None), ("本网", None), ("人民日报", None), ("某某日报", None), ("某某县电视台", None),
    ("某某发布微信公众号", None), ("商丘市采购网", None), ("中国政府网", None), ("www.example.gov.cn", None),
    ("某某县融媒体中心", None), ("某某县人民政府网", None),
    ("某某县民政局", "某某县民政局"), ("长江新城街道办事处", "长江新城街道办事处"), ("政府办秘书科", None),
])
def test_source_naming_a_website_or_medium_is_not_the_publisher(source: str, publisher: str | None) -> None:
    html = page(f"<h1>某某项目中标候选人公示</h1><div class='info'>发布时间：2024-03-15　来源：{source}</div>" + UNSIGNED)
    d = extract_detail(html, URL)
    assert (d.source.value, d.source.source) == (source, "label")
    assert d.publisher.value == publisher
    assert d.publisher.source == ("label" if publisher else None)


def test_publisher_label_and_signature_beat_the_source() -> None:
    html = page("<h1>关于印发某某市政务公开办法的通知</h1><div class='info'>发布机构：某某市财政局　来源：新华网</div>"
                + ARTICLE)
    d = extract_detail(html, URL)
    assert (d.publisher.value, d.publisher.source, d.source.value) == ("某某市财政局", "label", "新华网")
    signed = extract_detail(page("<h1>关于印发某某市政务公开办法的通知</h1><div class='info'>来源：本网</div>"
                                 + ARTICLE), URL)
    assert (signed.publisher.value, signed.publisher.source, signed.source.value) == \
        ("某某市人民政府办公室", "signature", "本网")


def test_meta_content_source_is_a_source_not_a_publisher() -> None:
    html = page("<h1>某某项目中标候选人公示</h1>" + UNSIGNED).replace(
        "<head>", "<head><meta name='ContentSource' content='某某市公共资源交易网'>")
    d = extract_detail(html, URL)
    assert (d.source.value, d.source.source, d.publisher.value) == ("某某市公共资源交易网", "meta_tag", None)
