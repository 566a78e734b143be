"""Publisher, not source, on real county pages found with the search tools (issue 12, part 6).

Each case is the metadata block and the closing lines of a stored copy of a real county-government page,
as its text reads (line by line, labels and values as printed), with the page's URL beside it. The 柘城
saved pages (../shared/fixtures/realpages) are tested in test_extract_realpages.py.
"""

from __future__ import annotations

import pytest

from auditor.harvest.extract import extract_detail

BODY = "<p>" + "为进一步做好有关工作，结合本地实际，现将有关事项说明如下，请各单位认真贯彻落实。" * 2 + "</p>"


def _page(title: str, meta_lines: list[str], tail: list[str] = ()) -> str:
    meta = "".join(f"<li>{line}</li>" for line in meta_lines)
    closing = "".join(f"<p>{line}</p>" for line in tail)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<h1>{title}</h1><ul class='info'>{meta}</ul><div id='zoom'>{BODY}{closing}</div></body></html>")


CASES = [
    pytest.param(  # 信息来源 names a local news brand: the source, not the issuer
        "https://www.kailu.gov.cn/xwzx/xzdt/202505/t20250522_947807.html",
        _page("全县生态保护大会暨毁林毁草专项整治工作推进会议召开",
              ["发布时间：2025-05-22 10:03", "信息来源：今日开鲁"]),
        "今日开鲁", None, None, id="kailu-jinrikailu"),
    pytest.param(  # 来源 names the department that issued the notice, which also signs it
        "http://www.csx.gov.cn/zwgk/bmxxgkml/xwjj/zcwj74/202401/t20240116_11348056.html",
        _page("长沙县卫生健康局关于《长沙县突发公共卫生事件应急预案(征求意见稿)》公开征求意见的通知",
              ["日期:2024-01-15", "来源:  长沙县卫生健康局"], ["长沙县卫生健康局", "2024年1月15日"]),
        "长沙县卫生健康局", "长沙县卫生健康局", "signature", id="changsha-wjj"),
    pytest.param(  # the website typed into the 发文机构 slot: no publisher, kept as the source
        "http://zb.gov.cn/zbxzf/xzfwj/202404/49ca3d0c669f4c2ebf6f7fabf563549c.shtml",
        _page("镇巴县人民政府工作规则",
              ["索引号:6107280000/2024-001005", "来源:", "发文机构:县政府网站", "发文字号:镇政发〔2024〕7号",
               "发布日期:2024年04月06日 16:34"]),
        "县政府网站", None, None, id="zhenba-website-as-issuer"),
]


@pytest.mark.parametrize("url, html, source, publisher, provenance", CASES)
def test_real_county_pages_publisher_and_source(url: str, html: str, source: str, publisher: str | None,
                                                provenance: str | None) -> None:
    d = extract_detail(html, url)
    assert d.source.value == source
    assert (d.publisher.value, d.publisher.source) == (publisher, provenance)
