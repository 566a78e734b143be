"""Discovery on saved real pages, and through `--replay` (a saved copy of a site instead of the network).

Real pages: 柘城县人民政府 (www.zhecheng.gov.cn, 河南省商丘市), read in place from
../shared/fixtures/realpages (their original URLs are in its manifest.json): the 政府信息公开目录 page with
its 重点领域信息公开 column tree, the 重点领域 > 政府采购 and 政府信息公开目录 > 公示公告 list pages, and item
pages of those columns. The replay test lays them out as a wget copy in its temporary folder at run time
(the project holds no copy of them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.catalog.column_domain import index_for
from auditor.catalog.loader import load_catalog
from auditor.cli import main
from auditor.discover.analyse import analyse, breadcrumb_of, column_path
from auditor.discover.draft import build_draft, is_abbreviation
from auditor.discover.pages import PageRecord
from auditor.discover.spider import is_followable, page_links
from auditor.harvest.adapters._html import parse_html

HOST = "www.zhecheng.gov.cn"
XXGKML = f"http://{HOST}/xxgk/xxgkml/"
ZFCG = f"http://{HOST}/xxgk/zdly/zfcg/"
GSGG = f"http://{HOST}/xxgk/xxgkml/gsgg/"


@pytest.fixture(scope="module")
def realpages(shared_dir) -> dict[str, tuple[Path, str]]:
    """original URL → (fixture file, page type) of the 柘城县 pages."""
    root = shared_dir / "fixtures" / "realpages"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return {f["original_url"]: (root / f["file"], f["type"]) for f in manifest["files"]
            if HOST in f["original_url"]}


def _records(realpages) -> list[PageRecord]:
    out = []
    for url, (path, kind) in realpages.items():
        referrer = next((col for col in (ZFCG, GSGG) if url.startswith(col) and url != col), None)
        out.append(PageRecord(url=url, status=200, text=path.read_text(encoding="utf-8"), content_type="text/html",
                              depth=0 if url == XXGKML else 1, referrer=referrer or XXGKML,
                              role="detail" if kind == "detail" else "nav"))
    return out


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_breadcrumbs_of_real_list_pages(realpages):
    crumbs = {url: breadcrumb_of(parse_html(path.read_text(encoding="utf-8"))) for url, (path, _) in realpages.items()}
    assert crumbs[ZFCG] == ["信息公开", "重点领域信息公开", "政府采购"]
    assert crumbs[GSGG] == ["信息公开", "政府信息公开目录", "公示公告"]
    assert crumbs[XXGKML] == ["信息公开", "政府信息公开目录"]


def test_the_real_column_tree_proposes_domains(realpages, catalog):
    """The 重点领域信息公开 links of the 政府信息公开目录 page: 14 of 19 name a catalog domain, 5 name none."""
    path, _ = realpages[XXGKML]
    links = [(u, t) for u, t in page_links(XXGKML, path.read_text(encoding="utf-8")) if "/xxgk/zdly/" in u]
    assert len(links) == 19 and all(is_followable(u, t) for u, t in links)
    index = index_for(catalog)
    proposals = {t: index.propose(["重点领域信息公开", t]) for _, t in links}
    placed = {t: p.domain for t, p in proposals.items() if p is not None}
    assert len(placed) == 14
    assert {t for t, p in proposals.items() if p is None} == {"财政审计", "土地供应", "社会组织", "科技管理", "价格收费"}
    assert placed["政府采购"] == "公共资源交易" and placed["扶贫信息"] == "扶贫" and placed["教育服务"] == "义务教育"


def test_real_pages_make_columns_and_nothing_is_guessed(realpages, catalog):
    sitemap = analyse(_records(realpages))
    columns = {p.url for p in sitemap.columns()}
    assert columns == {ZFCG, GSGG}  # not the 目录 page, not the 重点领域 section page, not page 2 of a list
    zfcg = sitemap.pages[ZFCG]
    assert zfcg.listing.adapter == "static_paging" and len(zfcg.listing.entries) == 15
    assert column_path(zfcg, sitemap) == (["信息公开", "重点领域信息公开", "政府采购"], "breadcrumb")
    draft = build_draft(sitemap, catalog, index_for(catalog), {}, [XXGKML])
    assert (draft.district_id, draft.district_name) == ("zhecheng", "柘城县")
    # 公示公告 is a notice column of the portal; 政府采购 reads as 公共资源交易 but no unit is named by its
    # path, its site or its items' 发布机构 (商丘市采购网 is a website): listed, not guessed
    assert [(c.name, c.kind, c.unit) for c in draft.columns] == [("公示公告", "notice", None)]
    assert [u.url for u in draft.unplaced] == [ZFCG]
    assert "公共资源交易 / 政府采购信息" in draft.unplaced[0].reason
    assert draft.units == []


@pytest.mark.parametrize("short, full, expected", [
    ("住建局", "住房和城乡建设局", True), ("人社局", "人力资源和社会保障局", True), ("财政局", "民政局", False),
    ("应急局", "应急管理局", True), ("民政局", "民政局", False),
])
def test_abbreviated_unit_names(short, full, expected):
    assert is_abbreviation(short, full) is expected


def _replay_folder(tmp_path: Path, realpages) -> Path:
    """A wget-style copy (HOST/path/index.html) of the shared pages, written to the test's temporary folder."""
    folder = tmp_path / "saved"
    for url, (path, _) in realpages.items():
        rel = url.split(HOST, 1)[1].lstrip("/")
        target = folder / HOST / (rel + "index.html" if rel.endswith("/") or not rel else rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return folder


def test_discover_through_replay_of_a_saved_real_site(tmp_path, realpages, capsys):
    folder = _replay_folder(tmp_path, realpages)
    out = tmp_path / "draft.yaml"
    code = main(["discover", XXGKML, "--out", str(out), "--replay", f"{HOST}={folder}", "--delay", "0",
                 "--max-pages", "60"])
    err = capsys.readouterr().err
    assert code == 1 and "no unit found" in err and "evidence.md" in err  # one clear line, no traceback
    assert not out.exists()
    evidence = json.loads(out.with_name(out.name + ".evidence.json").read_text(encoding="utf-8"))
    assert [u["url"] for u in evidence["unplaced"]] == [ZFCG + "index.html"]
    unread = {u["url"]: u["reason"] for u in evidence["unread"]}
    # the 重点领域 columns the copy lacks are "not in the saved copy", never dead links
    assert unread[f"http://{HOST}/xxgk/zdly/fpxx2/index.html"] == "not in the saved copy (its link text reads as 扶贫)"
    assert unread[f"http://{HOST}/lxwm/index.html"] == "not in the saved copy"
    assert not any("gov.cn" in u and HOST not in u for u in unread)  # never left the site


def test_discover_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["discover", "www.example.gov.cn", "--out", str(tmp_path / "d.yaml")]) == 1
    assert "not an http(s) URL" in capsys.readouterr().err
    assert main(["discover", "--out", str(tmp_path / "d.yaml")]) == 1
    assert "needs a portal URL" in capsys.readouterr().err
    assert main(["discover", "http://x.gov.cn/", "--out", str(tmp_path / "d.yaml"), "--replay", "x"]) == 1
    assert "HOST=PATH" in capsys.readouterr().err
    assert main(["discover", "http://x.gov.cn/", "--out", str(tmp_path / "d.yaml"), "--replay",
                 f"x.gov.cn={tmp_path / 'nope'}"]) == 1
    assert "no saved copy" in capsys.readouterr().err


@pytest.mark.parametrize("anchor, district, followed", [
    ("柘城县民政局", "柘城县", True), ("区财政局", "柘城县", True), ("胡襄镇人民政府", "柘城县", True),
    ("长江新城街道办事处", "", True), ("市场监督管理局", "", True),
    ("商丘市财政局", "柘城县", False), ("河南省人民政府", "柘城县", False), ("中国政府网", "", False),
    ("柘城县人民政府", "柘城县", False), ("国家税务总局", "", False),
])
def test_off_site_links_followed_only_to_the_districts_own_units(anchor, district, followed):
    from auditor.discover.spider import DiscoverSpider

    spider = DiscoverSpider(starts="[]")
    spider.district = district
    assert spider.local_unit(anchor) is followed


@pytest.mark.parametrize("url, text, followed", [
    ("http://x.gov.cn/zwgk/index.html", "政府信息公开", True),
    ("http://x.gov.cn/zwgk/a.pdf", "附件", False),
    ("http://x.gov.cn/zwgk/zdly/index_3.html", "3", False),
    ("http://x.gov.cn/col/col12/index.html?uid=1&pageNum=2", "下一页", False),
    ("http://x.gov.cn/art/2026/3/1/art_12_345.html", "关于…的通知", False),
    ("http://x.gov.cn/login.html", "登录", False),
    ("javascript:void(0)", "菜单", False),
])
def test_which_links_the_crawl_follows(url, text, followed):
    assert is_followable(url, text) is followed


def test_progress_is_a_line_every_few_seconds_off_a_terminal():
    import io

    from auditor.discover.cli import progress_reporter

    stream = io.StringIO()
    with progress_reporter("discover", every=0, stream=stream) as update:
        for n in (1, 1, 5, 9):
            update(n)
    assert stream.getvalue().splitlines() == ["discover: 1 pages read", "discover: 5 pages read",
                                              "discover: 9 pages read"]
