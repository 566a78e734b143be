"""A unit audited against its own published catalog (issue 14 part 2), on the generated sample district.

The demo's database is copied; 云溪区人力资源和社会保障局 (rsj) is given a 社会保险 catalog written from the national rows
with three changes: one row marked 无 with a reason (the sample's seeded missing item of rsj, read from the
ground truth), one local
addition nobody published, and a stricter 公开时限 (2 instead of 10 working days) on the row where
2 working days would make the most publications late. Re-scored, the audit must differ from the national-yardstick run by exactly what
that catalog implies — nothing else — and the scorecard must name the yardstick.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from auditor.catalog.deadline import parse_time_limit
from auditor.catalog.loader import load_catalog
from auditor.catalog.workdays import WorkingCalendar
from auditor.errors import RegistryError
from auditor.scheme import load_scheme
from auditor.scoring.engine import run_audit
from auditor.store.db import open_db
from auditor.store.models import AuditRun, Channel, Finding, Item, ItemListing, Match, Score
from auditor.store.sync import sync_registry
from auditor.units.loader import load_registry, validate_registry

UNIT, DOMAIN, UNIT_NAME = "rsj", "社会保险", "云溪区人力资源和社会保障局"
WAIVED_REASON = "该事项由市级主管部门统一公开"
LOCAL = ("慈善事业", "慈善组织认定结果")
STRICT = "制定或获取信息之日起2个工作日内"
HEADER = ["序号", "一级事项", "二级事项", "公开内容(要素)", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
          "公开对象", "公开方式", "公开层级", "五公开"]


@dataclass
class Yardstick:
    factory: object
    baseline: int  # the demo's audit run (national rows)
    run: int  # the re-score against rsj's own catalog
    stricter: str  # entry id whose 公开时限 rsj tightened
    waived: str  # entry id rsj marks 无: the sample's seeded missing item of rsj in this domain
    catalog_file: Path


def _copy_db(db_url: str, dest: Path) -> str:
    src = sqlite3.connect(db_url.split("sqlite:///", 1)[1])
    dst = sqlite3.connect(dest)
    src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{dest}"


def _website_items(session, run_id: int, entry_id: str) -> list[Item]:
    """Items matched to the entry (accepted) that the timeliness check judges (listed on a website)."""
    ids = session.scalars(select(Match.item_id).where(Match.audit_run_id == run_id, Match.unit_id == UNIT,
                                                      Match.entry_id == entry_id,
                                                      Match.decision.in_(("accept", "confirmed"))))
    out = []
    for item_id in sorted(set(ids)):
        codes = set(session.scalars(select(Channel.code).join(ItemListing, ItemListing.channel_id == Channel.id)
                                    .where(ItemListing.item_id == item_id)))
        if codes & {"WEBSITE", "PLATFORM"}:
            out.append(session.get(Item, item_id))
    return out


def _write_unit_catalog(path: Path, catalog, stricter: str, waived: str) -> None:
    rows = [e for e in catalog.by_domain(DOMAIN) if "县级" in e.levels]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([UNIT_NAME + DOMAIN + "领域基层政务公开标准目录"] + [""] * (len(HEADER) - 1))
        w.writerow(HEADER)
        for n, e in enumerate(rows, 1):
            content = f"无（{WAIVED_REASON}）" if e.id == waived else e.content
            limit = STRICT if e.id == stricter else e.time_limit
            w.writerow([n, e.level1, e.level2, content, e.basis or "《政府信息公开条例》", limit, UNIT_NAME,
                        " ".join(f"{'■' if c.required else '□'}{c.text}" for c in e.channels), e.audience, e.mode,
                        "县级", e.stage or "执行"])
        w.writerow([len(rows) + 1, *LOCAL, "认定的慈善组织名单及认定日期", "《慈善法》", "信息形成之日起20个工作日内",
                    UNIT_NAME, "■政府网站", "全社会", "主动", "县级", "结果"])


def _seeded_missing(truth_path: Path, catalog) -> str:
    """The entry the sample seeded as rsj's missing item in DOMAIN (the generator picks it from the catalog)."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    domain_ids = {e.id for e in catalog.by_domain(DOMAIN)}
    seeded = sorted(d["entry_id"] for d in truth["defects"]
                    if d["type"] == "missing" and d["unit"] == UNIT and d["entry_id"] in domain_ids)
    assert seeded, f"the sample seeds no missing {DOMAIN} item for {UNIT}"
    return seeded[0]


@pytest.fixture(scope="module")
def yardstick(demo_run, tmp_path_factory) -> Yardstick:
    tmp = tmp_path_factory.mktemp("yardstick")
    db_url = _copy_db(demo_run.db_url, tmp / "audit.db")
    factory = open_db(db_url)
    catalog = load_catalog()
    cal = WorkingCalendar()
    with factory() as s:  # the row that 2 working days would make late most often: the one rsj tightens
        counts = {e.id: sum(1 for it in _website_items(s, demo_run.audit_run_id, e.id)
                            if it.written_date and it.publish_date
                            and it.publish_date > cal.add_working_days(it.written_date, 2)[0])
                  for e in catalog.by_domain(DOMAIN)
                  if e.deadline.kind == "deadline_after" and e.deadline.unit == "working_day"}
    stricter = max(sorted(counts), key=counts.get)
    assert counts[stricter] >= 1
    catalog_file = tmp / "rsj-shehui-baoxian.csv"
    waived = _seeded_missing(demo_run.out / "ground-truth.json", catalog)
    _write_unit_catalog(catalog_file, catalog, stricter, waived)
    registry = yaml.safe_load((demo_run.out / "registry.yaml").read_text(encoding="utf-8"))
    for u in registry["units"]:
        if u["id"] == UNIT:
            u["catalog"] = {"file": catalog_file.name, "date": "2025-03-01"}
    reg_path = tmp / "registry.yaml"
    reg_path.write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reg = load_registry(reg_path, known_domains=set(catalog.domains()))
    with factory() as s:
        sync_registry(s, reg)
        s.commit()
        as_of = s.get(AuditRun, demo_run.audit_run_id).as_of
        run = run_audit(s, catalog, load_scheme("default"), WorkingCalendar(), as_of)
    return Yardstick(factory, demo_run.audit_run_id, run, stricter, waived, catalog_file)


def _findings(factory, run_id: int) -> dict[tuple, Finding]:
    with factory() as s:
        rows = list(s.scalars(select(Finding).where(Finding.audit_run_id == run_id)))
        for f in rows:
            s.expunge(f)
    return {(f.rule, f.status, f.unit_id, f.entry_id, f.key): f for f in rows}


def test_findings_differ_by_exactly_what_the_unit_catalog_implies(yardstick: Yardstick) -> None:
    cal = WorkingCalendar()
    before = _findings(yardstick.factory, yardstick.baseline)
    after = _findings(yardstick.factory, yardstick.run)
    removed = {k for k in before if k not in after}
    added = {k for k in after if k not in before}
    local_id = "shehui_baoxian.local_rsj_"

    # 1. the 无 row is no obligation: its missing finding is gone, nothing else of the national run is
    assert {k for k in removed if k[0] != "late"} == {k for k in before if k[2] == UNIT and k[3] == yardstick.waived}
    assert ("missing", "defect", UNIT, yardstick.waived) in {k[:4] for k in removed}
    # 2. the 无 row's reason and the local addition are shown as info conformity findings, no defects
    conformity = {k: f for k, f in after.items() if k[0] == "catalog_conformity"}
    assert all(k[1] == "info" and k[2] == UNIT for k in conformity)
    declared = [f for f in conformity.values() if f.evidence["diff_rule"] == "declared_none"]
    assert [f.entry_id for f in declared] == [yardstick.waived] and WAIVED_REASON in declared[0].title
    assert [f.evidence["diff_rule"] for f in conformity.values()
            if f.evidence["diff_rule"] not in ("declared_none", "local_addition")] == []
    assert [f.evidence["unit_row"] for f in conformity.values()
            if f.evidence["diff_rule"] == "local_addition"] != []
    # 3. the local addition is an obligation of its own, and nobody published it
    local = [k for k in added if (k[3] or "").startswith(local_id)]
    assert [(k[0], k[1]) for k in local] == [("missing", "defect")]
    # 4. the stricter deadline: exactly the items published more than 2 working days after 成文日期
    with yardstick.factory() as s:
        expected = set()
        for item in _website_items(s, yardstick.run, yardstick.stricter):
            if item.written_date is None or item.publish_date is None:
                continue
            due = cal.add_working_days(item.written_date, 2)[0]
            if item.publish_date > due:
                expected.add((item.canonical_url, cal.working_days_between(due, item.publish_date)))
    late_after = {(f.evidence["url"], f.days_late) for k, f in after.items()
                  if k[0] == "late" and k[2] == UNIT and k[3] == yardstick.stricter}
    assert late_after == expected and expected, "the stricter 公开时限 must make some items late"
    assert all(f.evidence["entry"]["time_limit"] == STRICT for k, f in after.items()
               if k[0] == "late" and k[2] == UNIT and k[3] == yardstick.stricter)
    late_before = {k for k in before if k[0] == "late" and k[2] == UNIT and k[3] == yardstick.stricter}
    assert {k for k in removed if k[0] == "late"} <= late_before
    # 5. nothing else changed
    explained = set(conformity) | set(local) | {k for k in added if k[0] == "late" and k[2] == UNIT
                                                and k[3] == yardstick.stricter}
    assert added - explained == set()


def test_scorecard_names_the_yardstick(yardstick: Yardstick) -> None:
    with yardstick.factory() as s:
        overall = {sc.unit_id: sc.details for sc in s.scalars(select(Score).where(
            Score.audit_run_id == yardstick.run, Score.dimension.is_(None), Score.domain.is_(None)))}
    mine = overall[UNIT]["yardstick"]
    assert mine["source"] == "unit_catalog" and mine["file"] == yardstick.catalog_file.name
    assert mine["date"] == "2025-03-01" and mine["label"] == f"{yardstick.catalog_file.name}（2025-03-01）"
    assert (mine["local"], mine["stricter"], [w["entry_id"] for w in mine["waived"]]) == (1, 1, [yardstick.waived])
    assert mine["waived"][0]["reason"] == WAIVED_REASON and mine["domains"] == [DOMAIN]
    others = {u: d["yardstick"]["label"] for u, d in overall.items() if u != UNIT}
    assert others and set(others.values()) == {"国家标准目录"}


def test_scorecard_html_states_the_yardstick(yardstick: Yardstick, tmp_path: Path) -> None:
    from auditor.report.render import render_html

    with yardstick.factory() as s:
        render_html(s, yardstick.run, tmp_path)
    mine = (tmp_path / "units" / "rsj.html").read_text(encoding="utf-8")
    assert "评估依据" in mine and yardstick.catalog_file.name in mine and "本地增补 1 项" in mine
    other = (tmp_path / "units" / "czj.html").read_text(encoding="utf-8")
    assert "评估依据：国家标准目录" in other
    from auditor.report.export import export_csv

    with yardstick.factory() as s:
        paths = export_csv(s, yardstick.run, tmp_path / "csv")
    with next(p for p in paths if p.name == "scores.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["单位编码"]: r["评估依据"] for r in csv.DictReader(fh)}
    assert rows[UNIT] == f"{yardstick.catalog_file.name}（2025-03-01）" and rows["czj"] == "国家标准目录"


# ----------------------------------------------------------------------------- registry `catalog:` key

REG = """district: {id: d, name: 云溪区}
sites: [{id: portal, name: 门户, url: "http://127.0.0.1:1/"}]
units:
  - id: mzj
    name: 云溪区民政局
    kind: department
    level: 区级
    domains: {lead: [社会救助]}
    catalog: CATALOG
"""


@pytest.mark.parametrize("value, problem", [
    ("missing.csv", "units.0.catalog: file 'missing.csv' not found"),
    ("http://www.example.gov.cn/mulu.html", "a catalog URL is not fetched"),
    ("{url: 'http://www.example.gov.cn/mulu.html'}", "units.0.catalog.file"),
])
def test_registry_catalog_key_problems_name_the_key(tmp_path: Path, value: str, problem: str) -> None:
    path = tmp_path / "units.yaml"
    path.write_text(REG.replace("CATALOG", value), encoding="utf-8")
    problems = validate_registry(path)
    assert len(problems) == 1 and problem in problems[0] and str(path) in problems[0]
    with pytest.raises(RegistryError):
        load_registry(path)


def test_registry_catalog_file_is_relative_to_the_registry(tmp_path: Path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "mzj.csv").write_text("序号\n", encoding="utf-8")
    path = tmp_path / "units.yaml"
    path.write_text(REG.replace("CATALOG", "{file: cat/mzj.csv, url: 'http://www.example.gov.cn/m.html', "
                                           "date: 2024-05-06}"), encoding="utf-8")
    unit = load_registry(path).unit("mzj")
    assert unit.catalog is not None and Path(unit.catalog.file) == (tmp_path / "cat" / "mzj.csv").resolve()
    assert unit.catalog.date == date(2024, 5, 6) and str(unit.catalog.url) == "http://www.example.gov.cn/m.html"
    assert parse_time_limit(STRICT).amount == 2


# ----------------------------------------------------------------------------- the yardstick alone

QINGSHI = Path(__file__).parent / "fixtures" / "unit_catalogs" / "qingshi_shehui_jiuzhu.csv"


def test_yardstick_of_a_published_catalog_agrees_with_its_diff() -> None:
    """青石镇's 社会救助 catalog (planted problems, see test_unit_catalog_conformity): its 无 row is waived,
    its deleted rows are dropped, its two local rows are obligations, a looser 公开时限 keeps the national one."""
    from auditor.catalog.unit_catalog import read_unit_catalog
    from auditor.catalog.yardstick import CatalogRef, unit_yardstick

    catalog = load_catalog()
    national = [e for e in catalog.for_unit({"社会救助"}, "乡级") if e.mode == "主动"]
    y = unit_yardstick(catalog, national, read_unit_catalog(QINGSHI), CatalogRef(str(QINGSHI)), "qingshi", "乡级",
                       WorkingCalendar())
    assert [(w.entry_id, w.reason) for w in y.waived] == [("shehui_jiuzhu.tkryjzgy_spxx", "特困人员供养审批由区民政局负责")]
    assert set(y.deleted) == {"shehui_jiuzhu.tkryjzgy_shxx", "shehui_jiuzhu.lsjz_bszn"} & {e.id for e in national}
    local = [e for e in y.entries if e.id in y.local]
    assert sorted(e.level2 for e in local) == ["慈善项目信息", "补贴发放信息"]
    assert all(e.id.startswith("shehui_jiuzhu.local_qingshi_") and e.levels == ["乡级"] for e in local)
    by_id = {e.id: e for e in y.entries}
    assert by_id["shehui_jiuzhu.shspxx"].time_limit == catalog.by_id["shehui_jiuzhu.shspxx"].time_limit  # looser
    assert y.stricter == {}
    assert len(y.entries) == len(national) - len(y.deleted) - len(y.waived) + len(local)
    assert y.to_json()["label"] == QINGSHI.name and y.to_json()["source"] == "unit_catalog"


def test_unreadable_unit_catalog_falls_back_to_the_national_rows(tmp_path: Path) -> None:
    from auditor.catalog.yardstick import CatalogRef, load_yardstick

    bad = tmp_path / "mulu.csv"
    bad.write_text("这不是目录\n", encoding="utf-8")
    catalog = load_catalog()
    national = [e for e in catalog.for_unit({"社会救助"}, "县级") if e.mode == "主动"]
    y = load_yardstick(catalog, national, CatalogRef(str(bad)), "mzj", "县级")
    assert y.source == "national" and y.entries == national and "无法读取" in (y.problem or "")
    assert y.to_json()["file"] == "mulu.csv" and y.label == "国家标准目录"
