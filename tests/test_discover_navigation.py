"""Discovery on a portal built the way real county portals are (home → 政府信息公开 → 法定主动公开内容 →
部门 / 乡镇（街道） → unit → columns, 重点领域信息公开, 基层政务公开标准化规范化专栏, a unit's own site linked from the
home page), served from a saved-copy folder through `--replay` (no network, no server).

Unlike the sample district, its list pages have no breadcrumb, so column paths come from the chain of links
that led to them, and some units only from the 发布机构 of their items: the structures real-portal-habits.md
describes.
"""

from __future__ import annotations

import json

import pytest
import yaml

from auditor.cli import main
from auditor.units.loader import validate_registry

PORTAL = "www.yx.gov.cn"
MZJ = "mzj.yx.gov.cn"


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="top"><a href="/">首页</a></div><div class="content">{body}</div>'
            '<div class="footer">主办：云溪区人民政府办公室　网站标识码：0000000000</div></body></html>')


def _links(*pairs: tuple[str, str]) -> str:
    return "<ul>" + "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in pairs) + "</ul>"


def _list(title: str, items: list[str], detail: str = "t2026{m:02d}{d:02d}_{i}.html") -> str:
    rows = "".join(f'<li><a href="./{detail.format(m=3, d=20 - i, i=i)}" title="{t}">{t}</a><span>2026-03-{20 - i:02d}'
                   f"</span></li>" for i, t in enumerate(items))
    return _page(f"{title}_云溪区人民政府", f'<div class="list-title">{title}</div><ul class="list">{rows}</ul>'
                                        '<script>createPageHTML(1, 0, "index", "html");</script>')


def _detail(title: str, publisher: str) -> str:
    return _page(title, '<table class="xxgk-meta"><tr><td>索引号：</td><td>YX-2026-0001</td><td>发布机构：</td>'
                        f"<td>{publisher}</td></tr><tr><td>发布日期：</td><td>2026-03-20</td></tr></table>"
                        f"<h1>{title}</h1><div id=\"zoom\"><p>正文。</p></div>")


def _column(files: dict, folder: str, title: str, items: list[str], publisher: str) -> None:
    files[f"{folder}/index.html"] = _list(title, items)
    files[f"{folder}/t20260320_0.html"] = _detail(items[0], publisher)


def portal_files() -> dict[str, dict[str, str]]:
    p: dict[str, str] = {}
    p["index.html"] = _page("云溪区人民政府", _links(("/zwgk/index.html", "政府信息公开"), ("/xwzx/ywdt/index.html", "云溪要闻"))
                            + '<div class="bmwz">部门网站：' + _links((f"http://{MZJ}/", "云溪区民政局"),
                                                                    ("http://czj.sq.gov.cn/", "商丘市财政局")) + "</div>")
    p["zwgk/index.html"] = _page("政府信息公开_云溪区人民政府", _links(
        ("/zwgk/fdzdgknr/index.html", "法定主动公开内容"), ("/zwgk/zdly/index.html", "重点领域信息公开"),
        ("/zwgk/jczwgk/index.html", "基层政务公开标准化规范化专栏"), ("/zwgk/zfwj/index.html", "政府文件")))
    p["zwgk/fdzdgknr/index.html"] = _page("法定主动公开内容", _links(("bm/index.html", "部门"), ("xzjd/index.html", "乡镇（街道）")))
    p["zwgk/fdzdgknr/bm/index.html"] = _page("部门", _links(("czj/index.html", "区财政局"), ("rsj/index.html", "区人社局"),
                                                           ("sfj/index.html", "区司法局")))
    p["zwgk/fdzdgknr/bm/sfj/index.html"] = _page("区司法局", "<p>栏目建设中</p>")  # a unit with no readable column
    p["zwgk/fdzdgknr/bm/czj/index.html"] = _page("区财政局", _links(("czyjs/index.html", "财政预决算"), ("gzdt/index.html", "工作动态"),
                                                                ("hnbt/index.html", "惠农补贴")))
    p["zwgk/fdzdgknr/bm/czj/hnbt/index.html"] = _page("惠农补贴_云溪区人民政府", '<ul class="list"><li>暂无信息</li></ul>'
                                                  '<script>createPageHTML(1, 0, "index", "html");</script>')  # blank
    _column(p, "zwgk/fdzdgknr/bm/czj/czyjs", "财政预决算", ["区财政局2026年部门预算公开", "区财政局2025年部门决算公开",
                                                         "云溪区2026年政府预算草案"], "云溪区财政局")
    _column(p, "zwgk/fdzdgknr/bm/czj/gzdt", "工作动态", ["区财政局召开预算绩效管理工作推进会议", "区财政局开展财会监督专项行动"],
            "云溪区财政局")
    p["zwgk/fdzdgknr/bm/rsj/index.html"] = _page("区人社局", _links(("jycy/index.html", "就业创业"), ("sb/index.html", "社保")))
    _column(p, "zwgk/fdzdgknr/bm/rsj/jycy", "就业创业", ["2026年第一季度城镇新增就业情况公示", "关于发放一次性创业补贴的公示"],
            "云溪区人力资源和社会保障局")
    _column(p, "zwgk/fdzdgknr/bm/rsj/sb", "社保", ["2026年度社会保险缴费基数调整的通知", "城乡居民养老保险待遇领取资格认证公告"],
            "云溪区人力资源和社会保障局")
    p["zwgk/fdzdgknr/xzjd/index.html"] = _page("乡镇（街道）", _links(("nsz/index.html", "南山镇"), ("dcjd/index.html", "东城街道")))
    p["zwgk/fdzdgknr/xzjd/nsz/index.html"] = _page("南山镇", _links(("shjz/index.html", "社会救助")))
    p["zwgk/fdzdgknr/xzjd/nsz/shjz/index.html"] = _page("社会救助", _links(("db/index.html", "低保"), ("tk/index.html", "特困供养")))
    _column(p, "zwgk/fdzdgknr/xzjd/nsz/shjz/db", "低保", ["南山镇2026年3月最低生活保障对象名单公示", "南山镇低保审核审批结果公示"],
            "云溪区南山镇人民政府")
    _column(p, "zwgk/fdzdgknr/xzjd/nsz/shjz/tk", "特困供养", ["南山镇特困人员救助供养名单公示", "南山镇特困供养标准调整公告"],
            "云溪区南山镇人民政府")
    p["zwgk/fdzdgknr/xzjd/dcjd/index.html"] = _page("东城街道", _links(("ylfw/index.html", "养老服务")))
    _column(p, "zwgk/fdzdgknr/xzjd/dcjd/ylfw", "养老服务", ["东城街道高龄津贴发放名单公示", "东城街道居家养老服务站名录"],
            "云溪区东城街道办事处")
    latest = ('<ul class="latest"><li><a href="fpxx/t20260320_0.html">2026年度财政衔接推进乡村振兴补助资金项目公示</a>'
              '<span>2026-03-20</span></li><li><a href="zfcg/t20260320_0.html">云溪区学校食堂设备采购项目中标结果公告</a>'
              "<span>2026-03-20</span></li></ul>")  # a section page showing the latest items of its columns
    p["zwgk/zdly/index.html"] = _page("重点领域信息公开", _links(("fpxx/index.html", "扶贫信息"), ("zfcg/index.html", "政府采购"))
                                   + latest)
    _column(p, "zwgk/zdly/fpxx", "扶贫信息", ["2026年度财政衔接推进乡村振兴补助资金项目公示", "扶贫项目资金使用情况公告"],
            "云溪区农业农村局")
    _column(p, "zwgk/zdly/zfcg", "政府采购", ["云溪区学校食堂设备采购项目中标结果公告", "云溪区道路养护服务项目招标公告"],
            "云溪区公共资源交易网")
    p["zwgk/jczwgk/index.html"] = _page("基层政务公开标准化规范化专栏", _links(("shjz/index.html", "社会救助")))
    _column(p, "zwgk/jczwgk/shjz", "社会救助", ["云溪区2026年城乡低保标准调整的通知", "临时救助审批结果公示（2026年3月）"],
            "云溪区民政局")
    _column(p, "zwgk/zfwj", "政府文件", ["云溪区人民政府关于印发2026年政府工作报告重点任务分解的通知",
                                        "云溪区人民政府办公室关于做好春季森林防火工作的通知"], "云溪区人民政府办公室")
    _column(p, "xwzx/ywdt", "云溪要闻", ["区委常委会召开会议研究部署重点工作", "云溪区召开安全生产工作会议"], "云溪区融媒体中心")
    m: dict[str, str] = {}
    m["index.html"] = _page("云溪区民政局", _links(("/col/col101/index.html", "社会救助"), ("/col/col102/index.html", "民政动态")))
    for col, title, items in (("101", "社会救助", ["区民政局关于调整城乡低保标准的通知", "2026年3月临时救助对象公示"]),
                              ("102", "民政动态", ["区民政局开展养老机构安全检查", "区民政局召开全区民政工作会议"])):
        rows = "".join(f'<tr><td><a href="/art/2026/3/{20 - i}/art_{col}_{i}.html">{t}</a></td><td>2026-03-{20 - i:02d}</td></tr>'
                       for i, t in enumerate(items))
        m[f"col/col{col}/index.html"] = _page(f"{title}_云溪区民政局", f"<table>{rows}</table>")
        m[f"art/2026/3/20/art_{col}_0.html"] = _detail(items[0], "云溪区民政局")
    return {PORTAL: p, MZJ: m}


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    root = tmp_path_factory.mktemp("saved")
    for host, files in portal_files().items():
        for rel, text in files.items():
            path = root / host / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    out = root / "draft.yaml"
    code = main(["discover", f"http://{PORTAL}/", "--out", str(out), "--delay", "0",
                 "--replay", f"{PORTAL}={root / PORTAL}", "--replay", f"{MZJ}={root / MZJ}"])
    assert code == 0
    evidence = json.loads(out.with_name(out.name + ".evidence.json").read_text(encoding="utf-8"))
    return yaml.safe_load(out.read_text(encoding="utf-8")), evidence, out


def _catalog_columns(draft: dict) -> dict[str, tuple[str, str | None]]:
    return {c["name"]: (u["name"], c.get("domain")) for u in draft["units"] for ch in u["channels"]
            for c in ch["columns"] if c["kind"] == "catalog"}


def test_units_and_catalog_columns_from_real_style_navigation(discovered):
    draft, _, _ = discovered
    assert draft["district"] == {"id": "yunxi", "name": "云溪区"}
    assert _catalog_columns(draft) == {
        "财政预决算": ("云溪区财政局", "财政预决算"),
        "惠农补贴": ("云溪区财政局", "涉农补贴"),  # a blank column: the TRS list shell with no item
        "就业创业": ("云溪区人力资源和社会保障局", "就业"),
        "社保": ("云溪区人力资源和社会保障局", "社会保险"),
        "低保": ("云溪区南山镇人民政府", "社会救助"),
        "特困供养": ("云溪区南山镇人民政府", "社会救助"),
        "养老服务": ("云溪区东城街道办事处", "养老服务"),
        "扶贫信息": ("云溪区农业农村局", "扶贫"),
        "社会救助": ("云溪区民政局", "社会救助"),  # twice: the 专栏 column (by 发布机构) and the unit's own site
    }
    units = {u["name"]: u for u in draft["units"]}
    assert (units["云溪区南山镇人民政府"]["kind"], units["云溪区南山镇人民政府"]["level"]) == ("subdistrict", "乡级")
    assert units["云溪区南山镇人民政府"]["domains"] == {"lead": [], "share": ["社会救助"]}
    assert units["云溪区财政局"]["domains"] == {"lead": ["涉农补贴", "财政预决算"], "share": []}
    mzj_columns = [c for ch in units["云溪区民政局"]["channels"] for c in ch["columns"]]
    assert len(mzj_columns) == 2 and {ch["site"] for ch in units["云溪区民政局"]["channels"]} == {"portal", "mzj"}


def test_units_listed_on_a_section_page_without_readable_columns(discovered):
    draft, evidence, _ = discovered
    unit = next(u for u in draft["units"] if u["name"] == "云溪区司法局")
    assert (unit["kind"], unit["level"], unit["channels"]) == ("department", "区级", [])
    why = next(u for u in evidence["units"] if u["name"] == "云溪区司法局")["evidence"]
    assert any("区司法局" in e and "部门" not in e or "/bm/index.html" in e for e in why)
    assert any("add its columns by hand" in e for e in why)


def test_paths_from_the_link_chain_and_level1_from_the_deepest_segment(discovered):
    _, evidence, _ = discovered
    cols = {c["name"]: c for c in evidence["columns"]}
    assert cols["低保"]["path"] == ["政府信息公开", "法定主动公开内容", "乡镇（街道）", "南山镇", "社会救助", "低保"]
    assert cols["低保"]["level1"] == "最低生活保障" and cols["特困供养"]["level1"] == "特困人员救助供养"
    assert "link chain" in cols["低保"]["evidence"][0]
    assert any("发布机构 '云溪区农业农村局'" in e for e in cols["扶贫信息"]["evidence"])


def test_news_columns_and_what_is_not_placed(discovered):
    draft, evidence, _ = discovered
    site_cols = {c["name"]: c["kind"] for s in draft["sites"] for c in s.get("columns", [])}
    assert site_cols == {"云溪要闻": "news", "民政动态": "news"}
    unit_news = [c["name"] for u in draft["units"] for ch in u["channels"] for c in ch["columns"] if c["kind"] == "news"]
    assert unit_news == ["工作动态"]  # under 部门 > 区财政局: the unit's own news column
    unplaced = {u["name"]: u["reason"] for u in evidence["unplaced"]}
    assert set(unplaced) == {"政府采购", "政府文件"}
    assert "公共资源交易" in unplaced["政府采购"] and "no catalog domain" in unplaced["政府文件"]
    # the city bureau linked from the home page is not followed, so never read
    assert not any("sq.gov.cn" in u["url"] for u in evidence["unread"])


def test_blank_columns_are_columns_and_check_says_they_hold_nothing(discovered, capsys):
    _, evidence, out = discovered
    blank = next(c for c in evidence["columns"] if c["name"] == "惠农补贴")
    assert (blank["items_seen"], blank["domain"], blank["platform"]) == (0, "涉农补贴", "static_paging")
    root = out.parent
    code = main(["discover", "--check", str(out), "--delay", "0",
                 "--replay", f"{PORTAL}={root / PORTAL}", "--replay", f"{MZJ}={root / MZJ}"])
    assert code == 0
    report = capsys.readouterr().out
    assert "empty       czj / 惠农补贴" in report and "0 unread" in report


def test_the_draft_validates(discovered):
    _, _, out = discovered
    from auditor.catalog.loader import load_catalog

    assert validate_registry(out, set(load_catalog().domains())) == []
