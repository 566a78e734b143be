"""Fair scores on a saved copy of a real county portal (柘城县, HTTrack mirror of July 2018).

The pages are ../shared/fixtures/realpages (URLs in its manifest.json): the 政府采购 list (declares 1,738
records; the copy holds page 1 and one detail page), the 公示公告 list (333 records; pages 1-2 and one
detail page) and the portal's 信息公开目录 page. They are laid out as HTTrack would have saved them in a
temporary folder (the replay serves only files inside the copy) and audited through `--replay`.

Before issue 12 this audit ranked the 公共资源交易中心 first, 100 优秀, on 5 of its 21 obligations (16 unverified),
ranked the 县政府办 (no catalog domain) second, and read the procurement notice as "published by" 商丘市采购网.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
import yaml
from sqlalchemy import select

HOST = "www.zhecheng.gov.cn"
PAGES = {  # path on the site -> fixture file (../shared/fixtures/realpages)
    "index.html": "list/henan_zhecheng_xxgk_xxgkml_index.html",
    "xxgk/zdly/zfcg/index.html": "list/henan_zhecheng_xxgk_zdly_zfcg_index.html",
    "xxgk/zdly/zfcg/2018-07-27/10309.html": "detail/henan_zhecheng_xxgk_zdly_zfcg_2018-07-27_10309.html",
    "xxgk/xxgkml/gsgg/index.html": "list/henan_zhecheng_xxgk_xxgkml_gsgg_index.html",
    "xxgk/xxgkml/gsgg/index_2.html": "list/henan_zhecheng_xxgk_xxgkml_gsgg_index_2.html",
    "xxgk/xxgkml/gsgg/2018-07-11/5859.html": "detail/henan_zhecheng_xxgk_xxgkml_gsgg_2018-07-11_5859.html",
}


def _registry() -> dict:
    def unit(uid: str, name: str, column: dict, lead: list[str]) -> dict:
        return {"id": uid, "name": name, "kind": "department", "level": "区级", "domains": {"lead": lead},
                "channels": [{"type": "website", "site": "portal", "columns": [column]}]}

    gsgg = f"http://{HOST}/xxgk/xxgkml/gsgg/"
    return {"district": {"id": "zhecheng", "name": "柘城县"},
            "sites": [{"id": "portal", "name": "柘城县人民政府门户网站", "url": f"http://{HOST}/", "owner": "zfb"}],
            "units": [unit("zfb", "柘城县人民政府办公室", {"name": "公示公告", "url": gsgg, "kind": "notice"}, []),
                      unit("ggzy", "柘城县公共资源交易中心", {"name": "政府采购", "url": f"http://{HOST}/xxgk/zdly/zfcg/",
                                                      "domain": "公共资源交易"}, ["公共资源交易"]),
                      unit("fpb", "柘城县扶贫开发办公室", {"name": "公示公告", "url": gsgg, "domain": "扶贫"}, ["扶贫"])]}


@pytest.fixture(scope="module")
def audit(tmp_path_factory, shared_dir):
    from auditor.catalog.loader import load_catalog
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.scheme import load_scheme
    from auditor.stages import crawl, load_registry_for, score
    from auditor.store.db import open_db, resolve_db_url

    tmp = tmp_path_factory.mktemp("zhecheng")
    for path, fixture in PAGES.items():
        target = tmp / "copy" / HOST / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_dir / "fixtures" / "realpages" / fixture, target)
    reg = tmp / "registry.yaml"
    reg.write_text(yaml.safe_dump(_registry(), allow_unicode=True), encoding="utf-8")
    url = resolve_db_url(str(tmp / "audit.db"))
    factory, catalog = open_db(url), load_catalog()
    crawl(factory, url, load_registry_for(reg, catalog), str(reg),
          settings={"AUDITOR_REPLAY": json.dumps([{"host": HOST, "path": str(tmp / "copy")}])})
    run_id = score(factory, catalog, load_scheme("default"), WorkingCalendar(), date(2018, 7, 27))
    return factory, run_id


def _overall(factory, run_id):
    from auditor.store.models import Score

    with factory() as s:
        return {sc.unit_id: sc for sc in s.scalars(select(Score).where(
            Score.audit_run_id == run_id, Score.dimension.is_(None), Score.domain.is_(None)))}


def test_no_unit_is_ranked_or_graded_on_what_the_copy_did_not_show(audit):
    factory, run_id = audit
    scores = _overall(factory, run_id)
    assert {u: s.rank for u, s in scores.items()} == {"zfb": None, "ggzy": None, "fpb": None}
    assert all(s.details["assessment"] == "unassessed" for s in scores.values())
    assert all(s.details["grade"] != "优秀" for s in scores.values())
    ggzy = scores["ggzy"]
    comp = ggzy.details["dim_status"]["completeness"]
    assert comp["status"] == "partial" and comp["checked"] < comp["unverified"]  # 5 verified, 16 not
    assert ggzy.details["grade"] == "未完整评估"
    assert "无标准目录事项" in scores["zfb"].details["assessment_reasons"][0]


def test_nothing_missing_and_timeliness_without_anchor_is_not_assessed(audit):
    from auditor.store.models import Finding

    factory, run_id = audit
    with factory() as s:
        findings = list(s.scalars(select(Finding).where(Finding.audit_run_id == run_id)))
    assert not [f for f in findings if f.rule == "missing"]  # no column was read whole
    no_anchor = [f for f in findings if f.rule == "no_anchor"]
    assert no_anchor and all(f.status == "unverified" and f.points == 0 for f in no_anchor)


def test_procurement_notice_is_not_published_by_a_website(audit):
    from auditor.store.models import Item

    factory, _ = audit
    with factory() as s:
        items = {i.canonical_url.rsplit("/", 1)[-1]: i for i in s.scalars(select(Item).where(
            Item.fetched_at.is_not(None)))}
    assert (items["10309.html"].publisher, items["10309.html"].source) == (None, "商丘市采购网")
    assert (items["5859.html"].publisher, items["5859.html"].source) == ("柘城县金融扶贫服务中心", "县金融扶贫服务中心")


def test_pdfs_of_the_saved_portal_audit_show_its_real_titles_and_unverified_status(audit, tmp_path):
    """The PDFs of this audit of a real saved portal: one scorecard per unit that names the real detail
    page's title, says the unit was not fully assessed and lists its unverified items; the summary ranks
    nobody on what the copy did not show."""
    from auditor.report.pdf import write_pdf
    from auditor.report.report_context import build_report_context
    from auditor.store.models import Item
    from factories.pdf import pdf_text, require_pdf_tools, squash

    require_pdf_tools()
    factory, run_id = audit
    with factory() as s:
        ctx = build_report_context(s, run_id)
        titles = [i.title for i in s.scalars(select(Item).where(Item.fetched_at.is_not(None))) if i.title]
    district, *units = write_pdf(ctx, tmp_path, matches=True)
    assert sorted(p.name for p in units) == ["fpb.pdf", "ggzy.pdf", "zfb.pdf"]
    summary = squash("".join(pdf_text(district)))
    assert "柘城县" in summary and "未完整评估" in summary
    scorecards = {p.stem: squash("".join(pdf_text(p))) for p in units}
    assert "无法核实" in scorecards["ggzy"] and "未完整评估" in scorecards["ggzy"]
    assert titles and any(squash(t) in text for t in titles for text in scorecards.values())
