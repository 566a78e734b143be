"""diff_unit_catalog: a unit catalog against the national one finds exactly the planted problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalog import load_catalog
from auditor.catalog.deadline import parse_time_limit
from auditor.catalog.diff import ConformityFinding, diff_unit_catalog, looser_deadline, match_rows
from auditor.catalog.unit_catalog import parse_grids, read_unit_catalog
from auditor.catalog.unit_readers import Grid
from auditor.catalog.workdays import default_calendar
from auditor.errors import CatalogError
from factories.unit_catalog import CSV_FILE, HTML_FILE, write_xlsx

# Every problem planted in tests/fixtures/unit_catalogs/qingshi_shehui_jiuzhu.* (a 乡级 catalog):
# (rule, national entry id, unit 二级事项 or None)
PLANTED = {
    ("deleted", "shehui_jiuzhu.tkryjzgy_shxx", None),  # 特困人员救助供养/审核信息 left out
    ("deleted", "shehui_jiuzhu.lsjz_bszn", None),  # 临时救助/办事指南 left out
    ("declared_none", "shehui_jiuzhu.tkryjzgy_spxx", "审批信息"),  # 无(特困人员供养审批由区民政局负责)
    ("missing_elements", "shehui_jiuzhu.jdjc", "监督检查"),  # 公开依据 blank
    ("missing_elements", "shehui_jiuzhu.zdshbz_bszn", "办事指南"),  # 公开时限 blank
    ("no_stage", "shehui_jiuzhu.zdshbz_shxx", "审核信息"),
    ("no_stage", "shehui_jiuzhu.lsjz_zcfgwj", "政策法规文件"),
    ("looser_deadline", "shehui_jiuzhu.shspxx", "审核审批信息"),  # 30 vs 10 个工作日
    ("local_addition", None, "补贴发放信息"),
    ("local_addition", None, "慈善项目信息"),
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _key(f: ConformityFinding) -> tuple:
    return f.rule, f.entry_id, f.unit_item.split("/")[-1] if f.unit_item else None


@pytest.mark.parametrize("unit, national, looser", [
    ("每季度结束后15个工作日内", "每季度结束后10个工作日内", True),
    ("每季度结束后5个工作日内", "每季度结束后10个工作日内", False),
    ("每月15日前公开上月情况", "每月10日前公开上月情况", True),
    ("年度终了后2个月内", "年度终了后1个月内", True),
    ("每月20日前公开上月情况", "每季度结束后10个工作日内", False),  # different periods: not compared
])
def test_looser_after_period(unit: str, national: str, looser: bool) -> None:
    why = looser_deadline(parse_time_limit(unit), parse_time_limit(national), default_calendar())
    assert (why is not None) == looser


@pytest.mark.parametrize("fmt", ["csv", "html", "xlsx"])
def test_diff_finds_exactly_the_planted_problems(fmt: str, catalog, tmp_path: Path) -> None:
    path = {"csv": CSV_FILE, "html": HTML_FILE}.get(fmt) or write_xlsx(tmp_path / "u.xlsx")
    unit = read_unit_catalog(path)
    findings = diff_unit_catalog(unit, catalog, domain="社会救助", level="乡级", calendar=default_calendar())
    keys = [_key(f) for f in findings]
    assert len(keys) == len(set(keys))
    assert set(keys) == PLANTED
    by_rule = {(f.rule, f.entry_id): f for f in findings}
    assert by_rule[("declared_none", "shehui_jiuzhu.tkryjzgy_spxx")].details["reason"] == "特困人员供养审批由区民政局负责"
    assert by_rule[("missing_elements", "shehui_jiuzhu.jdjc")].fields == ["basis"]
    assert by_rule[("missing_elements", "shehui_jiuzhu.zdshbz_bszn")].fields == ["time_limit"]
    for f in findings:
        assert f.severity == {"deleted": "error", "missing_elements": "error", "looser_deadline": "error",
                              "no_stage": "warning", "declared_none": "info", "local_addition": "info"}[f.rule]
        assert (f.unit_row is None) == (f.rule == "deleted")
        assert f.domain == "社会救助" and f.source == str(path)
        assert set(f.to_json()) >= {"rule", "entry_id", "unit_row", "message", "severity"}


def test_domain_and_level_default_from_the_file(catalog) -> None:
    """Without --domain the title names it; without --level every national row of the domain counts."""
    unit = read_unit_catalog(CSV_FILE)
    keys = {_key(f) for f in diff_unit_catalog(unit, catalog)}
    assert keys == PLANTED  # all 13 national 社会救助 rows are 乡级, so the level changes nothing here
    county = {_key(f) for f in diff_unit_catalog(unit, catalog, level="县级")}
    # 县级 scope: the 乡级-only 特困人员 rows need not be listed (tkryjzgy_shxx is 乡级 only)
    assert ("deleted", "shehui_jiuzhu.tkryjzgy_shxx", None) not in county
    assert ("deleted", "shehui_jiuzhu.lsjz_bszn", None) in county


def test_unknown_domain_or_level(catalog) -> None:
    unit = read_unit_catalog(CSV_FILE)
    with pytest.raises(CatalogError, match="unknown domain"):
        diff_unit_catalog(unit, catalog, domain="不存在的领域")
    with pytest.raises(CatalogError, match="unknown level"):
        diff_unit_catalog(unit, catalog, level="省级")


HEAD = ["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]


def _unit(rows: list[list[str]], head: list[str] = HEAD):
    return parse_grids([Grid("u.csv", None, [head, *rows], list(range(1, len(rows) + 2)))], "u.csv", "csv")


def _row(l1: str, l2: str, tl: str = "制定或获取信息之日起10个工作日内") -> list[str]:
    return ["1", l1, l2, "内容", "《社会救助暂行办法》", tl, "镇政府", "■政府网站"]


@pytest.mark.parametrize("l1,l2,expected", [
    ("最低生活保障", "审核信息", "shehui_jiuzhu.zdshbz_shxx"),  # exact
    ("最低生活保障（低保）", "审核信息", "shehui_jiuzhu.zdshbz_shxx"),  # 一级 wording
    ("低保", "审批信息", "shehui_jiuzhu.zdshbz_spxx"),  # abbreviation of 一级
    ("最低生活保障", "低保审批信息", "shehui_jiuzhu.zdshbz_spxx"),  # 二级 with a prefix
    ("最低生活保障", "政策文件", "shehui_jiuzhu.zdshbz_zcfgwj"),  # 政策法规文件, same 一级 wins
    ("临时救助", "政策法规文件", "shehui_jiuzhu.lsjz_zcfgwj"),  # repeated 二级 told apart by 一级
    ("二、临时救助", "3.审核审批信息", "shehui_jiuzhu.shspxx"),  # numbering ignored
    ("慈善救助", "慈善项目信息", None),
    ("最低生活保障", "低保边缘家庭认定", None),
])
def test_matching(l1: str, l2: str, expected: str | None, catalog) -> None:
    unit = _unit([_row(l1, l2)])
    m = match_rows(unit.rows, catalog.by_domain("社会救助"))
    assert (m[0][0].id if 0 in m else None) == expected


def test_table_without_stage_column_is_one_finding(catalog) -> None:
    unit = _unit([_row("最低生活保障", "审核信息"), _row("最低生活保障", "审批信息")])
    stage = [f for f in diff_unit_catalog(unit, catalog, "社会救助", "乡级") if f.rule == "no_stage"]
    assert len(stage) == 1 and stage[0].unit_row is None and stage[0].details["rows"] == [2, 3]


def test_domain_guessed_from_rows_when_nothing_names_it(catalog) -> None:
    unit = _unit([_row("最低生活保障", "审核信息"), _row("临时救助", "办事指南")])
    findings = diff_unit_catalog(unit, catalog)
    assert {f.domain for f in findings} == {"社会救助"}


def test_unmatched_rows_without_domain_hint(catalog) -> None:
    unit = _unit([_row("完全无关", "某某事项")])
    with pytest.raises(CatalogError, match="cannot tell which domain"):
        diff_unit_catalog(unit, catalog)


@pytest.mark.parametrize("unit,national,looser", [
    ("信息形成之日起30个工作日内", "制定或获取信息之日起20个工作日内", True),
    ("信息形成之日起20个工作日内", "制定或获取信息之日起20个工作日内", False),
    ("信息形成之日起15个工作日内", "制定或获取信息之日起20个工作日内", False),
    ("信息形成之日起30日内", "制定或获取信息之日起10个工作日内", True),  # mixed units: by due dates
    ("信息形成之日起10日内", "制定或获取信息之日起10个工作日内", False),
    ("信息形成之日起7个工作日内", "信息形成之日起5日内", True),
    ("及时公开", "信息形成或者变更之日起20个工作日内", False),  # not comparable → no finding
    ("本级人民代表大会或其常务委员会批准后30日内", "本级人民代表大会或其常务委员会批准后20日内", True),
    ("财政部门批复后30日内", "本级人民代表大会或其常务委员会批准后20日内", False),  # other anchor
    ("公示5个工作日", "公示7个工作日", True),  # shorter display period
    ("公示10个工作日", "公示7个工作日", False),
    ("制定或获取信息之日起10个工作日内,公示5个工作日", "制定或获取信息之日起10个工作日内,公示7个工作日", True),
    ("每年3月31日前公开", "每年1月31日前公开", True),
    ("每年更新1次", "半年至少更新1次", True),
    ("自收到申请之日起20个工作日内", "自收到申请之日起15个工作日内", True),
])
def test_looser_deadline(unit: str, national: str, looser: bool) -> None:
    why = looser_deadline(parse_time_limit(unit), parse_time_limit(national), default_calendar())
    assert (why is not None) == looser


def test_mixed_units_need_a_calendar() -> None:
    assert looser_deadline(parse_time_limit("信息形成之日起30日内"), parse_time_limit("信息形成之日起10个工作日内")) is None


def test_multi_domain_catalog_with_section_rows(catalog) -> None:
    """Section rows ("一、社会救助") split one table into domains; each is diffed on its own."""
    blank = [""] * 7
    yl = catalog.by_domain("养老服务")[:3]
    rows = [["一、社会救助", *blank], _row("最低生活保障", "审核信息"), _row("同上", "审批信息"),
            ["二、养老服务", *blank], *[_row(e.level1, e.level2) for e in yl]]
    unit = _unit(rows)
    assert unit.rows[1].level1 == "最低生活保障" and "level1" in unit.rows[1].ditto
    findings = diff_unit_catalog(unit, catalog, level="乡级")
    deleted = {(f.domain, f.entry_id) for f in findings if f.rule == "deleted"}
    sj = {e.id for e in catalog.by_domain("社会救助") if "乡级" in e.levels} - {
        "shehui_jiuzhu.zdshbz_shxx", "shehui_jiuzhu.zdshbz_spxx"}
    ylo = {e.id for e in catalog.by_domain("养老服务") if "乡级" in e.levels} - {e.id for e in yl}
    assert deleted == {("社会救助", i) for i in sj} | {("养老服务", i) for i in ylo}
    assert not [f for f in findings if f.rule == "local_addition"]
    only = diff_unit_catalog(unit, catalog, domain="养老服务", level="乡级")
    assert {f.domain for f in only} == {"养老服务"}


def test_names_the_scoring_check_imports() -> None:
    from auditor.catalog.diff import diff_unit_catalog as via_diff
    from auditor.catalog.unit_catalog import load_unit_catalog

    assert via_diff is diff_unit_catalog and load_unit_catalog is read_unit_catalog
