"""A small generated site for real Scrapy crawls: one 40-item 社会救助 column (a dead item, a missing and a
present attachment), an empty 政策解读 column and an unreachable township site, with its unit registry."""

from __future__ import annotations

from datetime import date

from auditor.sample.plan import DistrictPlan, PlanAttachment, PlanColumn, PlanItem, PlanSite
from auditor.sample.server import SamplePortal


def crawl_item(i: int, **kw) -> PlanItem:
    base = dict(uid=f"t-{i:03d}", title=f"关于第{i}批最低生活保障对象名单的公示", publish_date=date(2026, 3, 1 + i % 20),
                written_date=date(2026, 2, 26), index_no=f"113301/2026-{i:05d}", publisher="云溪区民政局",
                doc_no=None, category="社会救助", body="正文。")
    base.update(kw)
    return PlanItem(**base)


def crawl_plan(style: str, encoding: str) -> DistrictPlan:
    items = [crawl_item(i) for i in range(40)]
    items[3].dead = True
    items[5].attachments = [PlanAttachment(name="名单.xls", filename="a5.xls", kind="xls", missing=True)]
    items[6].attachments = [PlanAttachment(name="名单.pdf", filename="a6.pdf", kind="pdf")]
    site = PlanSite(key="mz", name="云溪区民政局", style=style, encoding=encoding, columns=[
        PlanColumn(key="shjz", name="社会救助", path=["首页", "社会救助"], kind="catalog", items=items),
        PlanColumn(key="kong", name="政策解读", path=["首页", "政策解读"], kind="notice", items=[])])
    down = PlanSite(key="down", name="北岭镇", style="static_paging", unreachable=True,
                    columns=[PlanColumn(key="x", name="社会救助", path=["首页"], kind="catalog", items=[crawl_item(99)])])
    return DistrictPlan(sites=[site, down], feeds=[])


def crawl_registry(portal: SamplePortal, plan: DistrictPlan) -> dict:
    from auditor.sample.render import render_site

    urls = portal.urls
    mz = portal.sites["mz"]
    down = render_site(plan.site("down"))
    return {
        "district": {"id": "t", "name": "测试区"},
        "sites": [{"id": "mz", "name": "民政局", "url": urls["mz"] + "/", "owner": "mzj",
                   "columns": [{"name": "政策解读", "url": urls["mz"] + mz.column_url("kong"), "kind": "notice"}]},
                  {"id": "down", "name": "北岭镇", "url": urls["down"] + "/", "owner": "blz"}],
        "units": [
            {"id": "mzj", "name": "云溪区民政局", "kind": "department", "level": "区级", "domains": {"lead": ["社会救助"]},
             "channels": [{"type": "website", "site": "mz", "columns": [
                 {"name": "社会救助", "url": urls["mz"] + mz.column_url("shjz"), "domain": "社会救助"}]}]},
            {"id": "blz", "name": "北岭镇", "kind": "subdistrict", "level": "乡级", "domains": {"share": ["社会救助"]},
             "channels": [{"type": "website", "site": "down", "columns": [
                 {"name": "社会救助", "url": urls["down"] + down.column_url("x"), "domain": "社会救助"}]}]},
        ],
    }
