"""Coverage, scope and replay: a crawl knows what it did not see (issue 12).

Real material: the saved copy of 柘城县人民政府 (www.zhecheng.gov.cn, EmpireCMS, HTTrack 2018) in
../shared/fixtures/realpages (read in place; URLs from its manifest.json). Its list pages state their size
("Total record 333", "Total record 1738") and link pager pages the copy never saved.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from auditor.errors import AuditorError
from auditor.harvest.adapters.declared import declared_size
from auditor.harvest.coverage import judge_coverage
from auditor.harvest.replay import FolderCopy, parse_replay_option
from auditor.harvest.scope import Scope, host_of
from auditor.store.db import open_db, resolve_db_url
from auditor.store.models import ColumnHealth, CrawlRun, Item, LinkCheck, SiteProbe

HOST = "www.zhecheng.gov.cn"


def _manifest(shared_dir: Path) -> dict[str, dict]:
    data = json.loads((shared_dir / "fixtures/realpages/manifest.json").read_text(encoding="utf-8"))
    return {f["file"]: f for f in data["files"]}


# ---------------------------------------------------------------------------- declared sizes
@pytest.mark.parametrize("file, items, pages", [
    ("list/henan_zhecheng_xxgk_xxgkml_gsgg_index.html", 333, None),      # EmpireCMS Total record
    ("list/henan_zhecheng_xxgk_xxgkml_gsgg_index_2.html", 333, None),
    ("list/henan_zhecheng_xxgk_zdly_zfcg_index.html", 1738, None),
    ("list/fj_pingtan_zfxxgk_gwhwj_cxjshgldzd_list.html", None, None),  # JS-rendered shell: says nothing
])
def test_declared_size_of_real_list_pages(shared_dir, file, items, pages):
    text = (shared_dir / "fixtures/realpages" / file).read_text(encoding="utf-8", errors="replace")
    said = declared_size(text)
    assert (said.total_items, said.total_pages) == (items, pages)


@pytest.mark.parametrize("text, items, pages", [
    ('<div class="page">共<b>175</b>条记录 第1页/共9页</div>', 175, 9),
    ("<span>共 6348 条</span><span>共 56 页</span>", 6348, 56),
    ('<script>createPageHTML(9, 0, "index", "html");</script>', None, 9),
    ("<script>createPageHTML('page_div', 12, 1, 'index', 'shtml', 240);</script>", None, 12),
    ("<script>var countnum=6348; var countPage=56;</script>", 6348, 56),
    ("<datastore><totalrecord>120</totalrecord><totalpage>6</totalpage></datastore>", 120, 6),
    ('{"total": 42, "rows": []}', 42, None),
    ('{"data": {"totalCount": 88, "pageCount": 5}}', 88, 5),
    ("<p>页次：1/14 每页20条</p>", None, 14),
    ("<p>信息总数：77</p>", 77, None),
    ("<ul><li><a href='a.html'>关于公开2024年部门预算的公告</a></li></ul>", None, None),
])
def test_declared_size_forms(text, items, pages):
    said = declared_size(text)
    assert (said.total_items, said.total_pages) == (items, pages)


# ---------------------------------------------------------------------------- coverage verdicts
BASE = dict(read_first=True, pages_read=1, pages_failed=0, pages_skipped=0, entries=20, listed=20,
            declared_total=None, declared_pages=None)


@pytest.mark.parametrize("changes, verdict, share", [
    ({}, "complete", None),                                                    # says nothing, all links read
    ({"declared_total": 20}, "complete", 1.0),
    ({"declared_total": 175}, "partial", 20 / 175),                           # read to page 1 only
    ({"declared_total": 21, "listed": 21}, "complete", 20 / 21),              # a duplicate link on the pages
    ({"declared_pages": 9}, "partial", None),
    ({"declared_pages": 9, "pages_read": 9}, "complete", None),
    ({"pages_failed": 1}, "partial", None),
    ({"pages_skipped": 3, "not_read": ["站外分页链接（old.example.gov.cn），未跟随"] * 3}, "partial", None),
    ({"read_first": False, "entries": 0, "listed": 0, "error": "HTTP 500"}, "failed", None),
    ({"declared_total": 0, "entries": 0, "listed": 0}, "complete", 1.0),       # a truly blank column
])
def test_coverage_verdicts(changes, verdict, share):
    cov = judge_coverage(**{**BASE, **changes})
    assert cov.coverage == verdict
    assert cov.share_seen == (pytest.approx(share) if share is not None else None)
    assert cov.reason  # every verdict says why


def test_partial_reason_names_what_was_not_read():
    cov = judge_coverage(**{**BASE, "declared_total": 175, "pages_skipped": 8,
                            "not_read": ["存档副本未保存该页（http://x/index_2.html）"] * 8})
    assert "共175条" in cov.reason and "读到20条" in cov.reason and "8个列表页未读取" in cov.reason


# ---------------------------------------------------------------------------- scope
class _Site:
    def __init__(self, url: str, hosts: list[str] | None = None) -> None:
        self.base_url = self.home_url = url
        self.hosts = hosts or []


class _Channel:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.mark.parametrize("url, allowed", [
    ("http://www.zhecheng.gov.cn/xxgk/index_2.html", True),
    ("http://WWW.ZHECHENG.GOV.CN:80/a.html", True),
    ("http://zhecheng.gov.cn/xxgk/index_2.html", True),           # the bare name the site lists in `hosts`
    ("http://61.54.1.2/xxgk/index_2.html", False),                # an old IP the registry does not name
    ("https://www.gov.cn/zhengce/content.htm", False),
    ("http://www.hnsggzy.gov.cn/notice/1.html", False),           # a provincial trading platform
    ("http://127.0.0.1:8001/feed.json", True),                     # a feed channel's own host
    ("http://127.0.0.1:9/feed.json", False),
])
def test_scope_is_the_registry_hosts(url, allowed):
    scope = Scope.of([_Site("http://www.zhecheng.gov.cn/", ["zhecheng.gov.cn"])],
                     [_Channel("http://127.0.0.1:8001/feed.json")])
    assert scope.allows(url) is allowed


def test_host_of_drops_default_ports():
    assert host_of("https://a.gov.cn:443/x") == "a.gov.cn"
    assert host_of("http://a.gov.cn:8080/x") == "a.gov.cn:8080"


# ---------------------------------------------------------------------------- replay options and lookups
@pytest.mark.parametrize("value, fragment", [
    ("www.example.gov.cn", "expected HOST=PATH"),
    ("=/tmp", "expected HOST=PATH"),
    ("www.example.gov.cn=/nonexistent/copy", "no saved copy"),
])
def test_replay_option_errors_are_one_clear_message(value, fragment):
    with pytest.raises(AuditorError) as err:
        parse_replay_option(value)
    assert fragment in str(err.value)


def test_folder_copy_serves_only_what_it_saved(tmp_path):
    root = tmp_path / "copy"
    page = root / HOST / "xxgk" / "gsgg" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html>list</html>", encoding="utf-8")
    (root / HOST / "show.php@id=7").write_text("<html>detail</html>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    copy = FolderCopy(HOST, root)
    assert copy.lookup(f"http://{HOST}/xxgk/gsgg/")[2] == b"<html>list</html>"
    assert copy.lookup(f"http://{HOST}/xxgk/gsgg/index.html")[2] == b"<html>list</html>"
    assert copy.lookup(f"http://{HOST}/show.php?id=7")[2] == b"<html>detail</html>"  # wget's @ for ?
    assert copy.lookup(f"http://{HOST}/xxgk/gsgg/index_2.html") is None
    assert copy.lookup(f"http://{HOST}/../../secret.txt") is None


def test_httrack_cache_map_is_used(tmp_path):
    root = tmp_path / "copy"
    local = root / HOST / "xxgk" / "indexa1b2.html"
    local.parent.mkdir(parents=True)
    local.write_text("<html>query page</html>", encoding="utf-8")
    (root / "hts-cache").mkdir()
    (root / "hts-cache" / "new.txt").write_text(
        "date\tsize\tflags\tstatuscode\tstatus\tMIME\tEtag\tURL\tlocalfile\n"
        f"20180727\t100\tOK\t200\tOK\ttext/html\t-\thttp://{HOST}/xxgk/index.php?page=2\t"
        f"{HOST}/xxgk/indexa1b2.html\n", encoding="utf-8")
    assert FolderCopy(HOST, root).lookup(f"http://{HOST}/xxgk/index.php?page=2")[2] == b"<html>query page</html>"


# ---------------------------------------------------------------------------- a real saved portal, replayed
COPY = {  # manifest file → the URLs the copy answers for it
    "list/henan_zhecheng_xxgk_xxgkml_gsgg_index.html": ["/xxgk/xxgkml/gsgg/"],
    "list/henan_zhecheng_xxgk_xxgkml_gsgg_index_2.html": ["/xxgk/xxgkml/gsgg/index_2.html"],
    "list/henan_zhecheng_xxgk_zdly_zfcg_index.html": ["/xxgk/zdly/zfcg/"],
    "detail/henan_zhecheng_xxgk_xxgkml_gsgg_2018-07-11_5859.html": ["/xxgk/xxgkml/gsgg/2018-07-11/5859.html"],
    "detail/henan_zhecheng_xxgk_zdly_zfcg_2018-07-27_10309.html": ["/xxgk/zdly/zfcg/2018-07-27/10309.html"],
}


def _write_warc(shared_dir: Path, out: Path) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(out, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for file, paths in COPY.items():
            body = (shared_dir / "fixtures/realpages" / file).read_bytes()
            for path in paths:
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                           protocol="HTTP/1.0")
                record = writer.create_warc_record(f"http://{HOST}{path}", "response", payload=BytesIO(body),
                                                   http_headers=headers)
                writer.write_record(record)
    return out


def _write_folder(shared_dir: Path, out: Path) -> Path:
    for file, paths in COPY.items():
        for path in paths:
            target = out / HOST / path.lstrip("/")
            if path.endswith("/"):
                target = target / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((shared_dir / "fixtures/realpages" / file).read_bytes())
    return out


def _zhecheng_registry(path: Path) -> Path:
    registry = {
        "district": {"id": "zhecheng", "name": "柘城县"},
        "sites": [{"id": "zc", "name": "柘城县人民政府", "url": f"http://{HOST}/", "platform": "auto"}],
        "units": [{"id": "xzf", "name": "柘城县人民政府办公室", "kind": "department", "level": "区级",
                   "domains": {"lead": ["公共资源交易"]},
                   "channels": [{"type": "website", "site": "zc", "columns": [
                       {"name": "公示公告", "url": f"http://{HOST}/xxgk/xxgkml/gsgg/", "kind": "notice"},
                       {"name": "政府采购", "url": f"http://{HOST}/xxgk/zdly/zfcg/", "domain": "公共资源交易"}]}]}],
    }
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    return path


def _cli(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor.cli", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("kind", ["warc", "folder"])
def test_saved_real_portal_replayed_columns_are_partial_never_complete(shared_dir, tmp_path, kind):
    copy = _write_warc(shared_dir, tmp_path / "zc.warc.gz") if kind == "warc" else \
        _write_folder(shared_dir, tmp_path / "mirror")
    reg = _zhecheng_registry(tmp_path / "registry.yaml")
    db = resolve_db_url(str(tmp_path / "a.db"))
    proc = _cli(["--db", db, "crawl", "--registry", str(reg), "--replay", f"{HOST}={copy}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "0 complete, 2 partial, 0 failed" in proc.stdout
    assert f"replayed from saved copies: {HOST}←{copy}" in proc.stdout
    factory = open_db(db)
    with factory() as s:
        run = s.scalars(select(CrawlRun)).one()
        assert run.status == "complete" and run.stats["replay"][0]["host"] == HOST
        assert Path(run.stats["log_path"]).is_file()
        health = {h.url.rstrip("/").rsplit("/", 1)[-1]: h for h in s.scalars(select(ColumnHealth))}
        gsgg, zfcg = health["gsgg"], health["zfcg"]
        assert (gsgg.coverage, gsgg.declared_total, gsgg.pages) == ("partial", 333, 2)
        assert gsgg.pages_skipped > 0 and "333" in gsgg.coverage_reason
        assert 0 < gsgg.share_seen < 0.2
        assert (zfcg.coverage, zfcg.declared_total, zfcg.pages) == ("partial", 1738, 1)
        assert zfcg.pages_skipped >= 9  # pager links to index_2 … index_10 on the original host, never saved
        # details the copy lacks are "not archived": skipped, never dead links
        assert not list(s.scalars(select(LinkCheck).where(LinkCheck.ok.is_(False))))
        states = [i.detail_state for i in s.scalars(select(Item))]
        assert states.count("not_archived") > 10
        fetched = s.scalars(select(Item).where(Item.fetched_at.is_not(None))).all()
        assert {i.canonical_url.rsplit("/", 1)[-1] for i in fetched} >= {"5859.html"}
        assert gsgg.details_skipped > 10 and gsgg.details_fetched >= 1
        assert not list(s.scalars(select(SiteProbe).where(SiteProbe.ok.is_(False))))  # no home page saved: no verdict


def test_missing_never_rests_on_a_partial_column(shared_dir, tmp_path):
    """Scored after the replayed crawl, the 政府采购 column is partial: its entries are unverified, not missing."""
    copy = _write_warc(shared_dir, tmp_path / "zc.warc.gz")
    reg = _zhecheng_registry(tmp_path / "registry.yaml")
    db = resolve_db_url(str(tmp_path / "a.db"))
    assert _cli(["--db", db, "crawl", "--registry", str(reg), "--replay", f"{HOST}={copy}"], tmp_path).returncode == 0
    proc = _cli(["--db", db, "score", "--as-of", "2018-07-28"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    from auditor.store.models import Finding

    with open_db(db)() as s:
        findings = list(s.scalars(select(Finding).where(Finding.unit_id == "xzf", Finding.check == "completeness")))
    assert findings, "the unit's 公共资源交易 obligations were judged"
    assert not [f for f in findings if f.rule == "missing"]
    unverified = [f for f in findings if f.rule == "unverified"]
    assert unverified and all("政府采购" in f.title and "未完整读取" in f.title for f in unverified)


# ---------------------------------------------------------------------------- a crawl always ends
def test_a_crawl_whose_crawler_writes_megabytes_of_errors_ends(tmp_path):
    """Child output goes to a log file, never an unread pipe: > 1 MB of log cannot block the crawl."""
    from auditor.sample.plan import DistrictPlan, PlanColumn, PlanItem, PlanSite
    from auditor.sample.server import SamplePortal

    items = [PlanItem(uid=f"x-{i:03d}", title=f"关于第{i}批最低生活保障对象名单的公示", publish_date=date(2026, 3, 2),
                      written_date=date(2026, 2, 26), index_no=f"1133/2026-{i:05d}", publisher="云溪区民政局",
                      doc_no=None, category="社会救助", body="正文。" * 200) for i in range(120)]
    plan = DistrictPlan(sites=[PlanSite(key="mz", name="民政局", style="static_paging", columns=[
        PlanColumn(key="shjz", name="社会救助", path=["首页", "社会救助"], kind="catalog", items=items)])], feeds=[])
    script = (
        "import sys, yaml\n"
        "from auditor.harvest.launch import run_crawl\n"
        "from auditor.store.db import open_db\n"
        "from auditor.store.sync import sync_registry\n"
        "from auditor.units.loader import load_registry\n"
        "from pathlib import Path\n"
        "db, reg = sys.argv[1], sys.argv[2]\n"
        "f = open_db(db)\n"
        "with f() as s:\n"
        "    sync_registry(s, load_registry(Path(reg))); s.commit()\n"
        "print(run_crawl(f, db, registry_path=reg, settings={'LOG_LEVEL': 'DEBUG'}))\n")
    with SamplePortal(plan) as portal:
        site = portal.sites["mz"]
        reg = tmp_path / "r.yaml"
        reg.write_text(yaml.safe_dump({
            "district": {"id": "t", "name": "测试区"},
            "sites": [{"id": "mz", "name": "民政局", "url": portal.urls["mz"] + "/"}],
            "units": [{"id": "mzj", "name": "民政局", "kind": "department", "level": "区级",
                       "domains": {"lead": ["社会救助"]}, "channels": [{"type": "website", "site": "mz", "columns": [
                           {"name": "社会救助", "url": portal.urls["mz"] + site.column_url("shjz"),
                            "domain": "社会救助"}]}]}]}, allow_unicode=True), encoding="utf-8")
        db = resolve_db_url(str(tmp_path / "a.db"))
        proc = subprocess.run([sys.executable, "-c", script, db, str(reg)], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open_db(db)() as s:
        run = s.scalars(select(CrawlRun)).one()
        log = Path(run.stats["log_path"])
    assert run.status == "complete"
    assert log.stat().st_size > 1_000_000  # Scrapy's DEBUG output: far past a pipe's 64 KB


# ---------------------------------------------------------------------------- pagers we cannot follow, navigation pages
ROWS = "".join(f'<li><a href="/xwzx/2017-10-{10 + i}/{600 + i}.html">全县第{i}批农村危房改造补助资金发放工作完成</a>'
               f"<span>2017-10-{10 + i}</span></li>" for i in range(5))
NAV = "".join(f'<li><a href="/xxgk/zdly/{c}/">{n}</a></li>' for c, n in
              (("fpxx", "扶贫信息"), ("czzj", "财政资金"), ("zfcg", "政府采购"), ("bzxzf", "保障性住房")))


def test_a_pager_we_cannot_follow_and_a_navigation_page_are_never_complete(tmp_path):
    """A javascript: pager (imitating 丰城市's goPage links) leaves the column partial; a 重点领域 navigation page
    registered as a column (imitating 柘城县 /xxgk/zdly/) is failed, not a complete column with nothing in it."""
    host = "www.example.gov.cn"
    site = tmp_path / "copy" / host
    (site / "xwzx").mkdir(parents=True)
    (site / "xwzx" / "index.html").write_text(
        f"<html><body><ul class='list'>{ROWS}</ul><div class='page'><a href=\"javascript:goPage(2)\">下一页</a>"
        "<a href=\"javascript:goPage(9)\">尾页</a></div></body></html>", encoding="utf-8")
    (site / "xxgk" / "zdly").mkdir(parents=True)
    (site / "xxgk" / "zdly" / "index.html").write_text(
        f"<html><body><div class='zdly-list'><ul>{NAV}</ul></div></body></html>", encoding="utf-8")
    reg = tmp_path / "r.yaml"
    reg.write_text(yaml.safe_dump({
        "district": {"id": "t", "name": "测试县"},
        "sites": [{"id": "s", "name": "测试县人民政府", "url": f"http://{host}/"}],
        "units": [{"id": "zjj", "name": "测试县住房和城乡建设局", "kind": "department", "level": "区级",
                   "domains": {"lead": ["农村危房改造"]}, "channels": [{"type": "website", "site": "s", "columns": [
                       {"name": "新闻中心", "url": f"http://{host}/xwzx/", "domain": "农村危房改造"},
                       {"name": "重点领域信息公开", "url": f"http://{host}/xxgk/zdly/", "domain": "农村危房改造"}]}]}]},
        allow_unicode=True), encoding="utf-8")
    db = resolve_db_url(str(tmp_path / "a.db"))
    proc = _cli(["--db", db, "crawl", "--registry", str(reg), "--replay", f"{host}={tmp_path / 'copy'}"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    with open_db(db)() as s:
        health = {h.url.rstrip("/").rsplit("/", 1)[-1]: h for h in s.scalars(select(ColumnHealth))}
    assert (health["xwzx"].coverage, health["xwzx"].entries) == ("partial", 5)
    assert "分页链接无法解析" in health["xwzx"].coverage_reason
    assert health["zdly"].coverage == "failed" and "parse error" not in (health["zdly"].coverage_reason or "")
