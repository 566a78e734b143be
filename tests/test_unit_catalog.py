"""Importing a unit's own catalog (CSV, XLSX, HTML): header variants, merged cells, 同上, 无, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalog.unit_catalog import (
    UnitCatalogError,
    none_marker,
    normalise_levels,
    parse_grids,
    parse_stage_cell,
    read_unit_catalog,
)
from auditor.catalog.unit_readers import Grid, detect_format
from factories.unit_catalog import CSV_FILE, HTML_FILE, write_xlsx


@pytest.fixture
def xlsx_file(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "qingshi.xlsx")


def _load(fmt: str, xlsx_file: Path):
    return read_unit_catalog({"csv": CSV_FILE, "html": HTML_FILE, "xlsx": xlsx_file}[fmt])


@pytest.mark.parametrize("fmt", ["csv", "html", "xlsx"])
def test_fixture_rows_read_alike(fmt: str, xlsx_file: Path) -> None:
    cat = _load(fmt, xlsx_file)
    assert cat.format == fmt
    assert len(cat.rows) == 13
    assert "社会救助" in cat.title
    # 一级 of row 2 is blank in the CSV, a merged cell in XLSX, a rowspan in HTML
    assert [r.level1 for r in cat.rows[:2]] == ["综合业务", "综合业务"]
    assert {r.level1.replace("（", "(").replace("）", ")") for r in cat.rows[2:6]} == {"最低生活保障(低保)"}
    by_title = {r.level2: r for r in cat.rows}
    assert by_title["监督检查"].time_limit == "制定或获取信息之日起10个工作日内"  # 同上 resolved
    assert "time_limit" in by_title["监督检查"].ditto
    assert by_title["监督检查"].raw  # raw cells kept
    assert by_title["监督检查"].missing_elements() == ["basis"]
    dibao = {r.level2: r for r in cat.rows if "低保" in r.level1}
    assert dibao["办事指南"].missing_elements() == ["time_limit"]
    assert dibao["审核信息"].stage is None
    none_row = next(r for r in cat.rows if r.declared_none)
    assert (none_row.level1, none_row.level2) == ("特困人员救助供养", "审批信息")
    assert none_row.none_reason == "特困人员供养审批由区民政局负责"
    full = cat.rows[0]
    assert full.mode == "主动" and full.levels == ["乡级"] and full.audience == "全社会"
    assert [c.code for c in full.channels] == ["WEBSITE", "READING", "SVC_CENTER"]
    assert full.deadline is not None and full.deadline.amount == 10
    assert all(r.subject == "青石镇人民政府" for r in cat.rows if not r.declared_none)  # HTML: rowspan
    assert cat.has_stage_column


def test_xlsx_skips_sheets_without_a_table_and_names_the_sheet(xlsx_file: Path) -> None:
    cat = read_unit_catalog(xlsx_file)
    assert [t.sheet for t in cat.tables] == ["社会救助"]
    assert cat.tables[0].header_rows == [2, 3]
    assert cat.rows[0].sheet == "社会救助" and cat.rows[0].row == 4
    assert cat.where(cat.rows[0]).endswith("qingshi.xlsx:社会救助:row 4")


def test_html_picks_the_catalog_table_not_the_layout_table() -> None:
    cat = read_unit_catalog(HTML_FILE)
    assert [t.sheet for t in cat.tables] == ["table 2"]
    cols = cat.tables[0].columns
    assert cols["9"] == "audience=全社会" and cols["14"] == "levels=乡级" and cols["15"] == "stage"
    assert cat.rows[0].stage == "执行"  # "□决策 ■执行 □管理 …": the ■ one


def test_html_gbk_page(tmp_path: Path) -> None:
    text = HTML_FILE.read_text(encoding="utf-8").replace("charset=utf-8", "charset=gbk")
    page = tmp_path / "gbk.htm"
    page.write_bytes(text.encode("gbk"))
    cat = read_unit_catalog(page)
    assert len(cat.rows) == 13 and cat.rows[0].level1 == "综合业务"


def _grid(rows: list[list[str]]) -> Grid:
    return Grid("t.csv", None, rows, list(range(1, len(rows) + 1)))


HEAD = ["序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
ROW = ["1", "最低生活保障", "办事指南", "申请条件", "《社会救助暂行办法》", "10个工作日内", "镇政府", "政府网站"]


@pytest.mark.parametrize("header,extra,field,expected", [
    # single text columns
    (HEAD + ["公开方式"], ["依申请公开"], "mode", "依申请"),
    (HEAD + ["公开层级"], ["县级/乡、村级"], "levels", ["县级", "乡级"]),
    (HEAD + ["公开层级"], ["区级/镇街级"], "levels", ["县级", "乡级"]),
    (HEAD + ["五公开环节"], ["服务公开"], "stage", "服务"),
    (HEAD + ["公开对象"], ["特定群体(低保对象)"], "audience", "特定群体(低保对象)"),
    (HEAD + ["备注"], ["x"], "remark", "x"),
    (HEAD + ["公开事项所属领域"], ["社会救助"], "domain", "社会救助"),
    (HEAD + ["事项类别"], ["法定公开"], "level3", None),  # an extra column, not a 三级事项
    (HEAD + ["事项类别"], ["法定公开"], "raw", dict(zip(HEAD + ["事项类别"], ROW + ["法定公开"]))),
    # 三级事项 column
    (HEAD[:3] + ["三级事项"] + HEAD[3:], ROW[:3] + ["低保申请"] + ROW[3:], "level3", "低保申请"),
])
def test_header_variants(header: list[str], extra: list[str], field: str, expected: object) -> None:
    row = extra if len(extra) > 2 else ROW + extra
    cat = parse_grids([_grid([header, row])], "t.csv", "csv")
    assert getattr(cat.rows[0], field) == expected
    assert cat.rows[0].level2 == "办事指南"


def test_two_row_header_from_csv_without_merges() -> None:
    """A CSV export of the national template: parents written once, children in the second row."""
    head1 = ["序号", "公开事项", "", "公开内容(要素)", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
             "公开对象", "", "公开方式", "", "公开层级", ""]
    head2 = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群体", "主动", "依申请", "县级", "乡级"]
    row = ROW + ["", "√", "", "√", "√", "√"]
    cat = parse_grids([_grid([["某镇目录"], head1, head2, row])], "t.csv", "csv")
    r = cat.rows[0]
    assert (r.level1, r.level2) == ("最低生活保障", "办事指南")
    assert r.audience == "特定群体" and r.mode == "依申请" and r.levels == ["县级", "乡级"]
    assert not cat.has_stage_column
    assert cat.title == "某镇目录"


def test_unnamed_item_columns_and_section_rows() -> None:
    """'公开事项' over two unnamed columns = 一级, 二级; a lone heading row sets the domain."""
    head = ["序号", "公开事项", "公开事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道"]
    rows = [head, ["一、社会救助", "", "", "", "", "", "", ""], ROW, ["", "", "", "", "", "", "", ""]]
    cat = parse_grids([_grid(rows)], "t.csv", "csv")
    assert len(cat.rows) == 1
    assert (cat.rows[0].level1, cat.rows[0].level2, cat.rows[0].domain) == ("最低生活保障", "办事指南", "社会救助")


@pytest.mark.parametrize("text,expected", [
    ("无", (True, "")),
    ("无（本镇无特困供养机构）", (True, "本镇无特困供养机构")),
    ("无:原因:由区民政局审批", (True, "由区民政局审批")),
    ("本单位无此事项", (True, "")),
    ("不涉及", (True, "")),
    ("无此项", (True, "")),
    ("无偿献血政策", (False, "")),
    ("无障碍设施建设情况", (False, "")),
    ("", (False, "")),
])
def test_none_marker(text: str, expected: tuple[bool, str]) -> None:
    assert none_marker(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("县级", ["县级"]), ("乡级", ["乡级"]), ("县级/乡、村级", ["县级", "乡级"]), ("市级/镇(街)级", ["县级", "乡级"]),
    ("乡镇级/嘎查(社区)级", ["乡级"]), ("区级", ["县级"]), ("", []), ("全部", []),
])
def test_normalise_levels(text: str, expected: list[str]) -> None:
    assert normalise_levels(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("决策公开", "决策"), ("结果", "结果"), ("□决策 ■执行 □管理", "执行"), ("□决策 □执行 ☑管理", "管理"),
    ("□决策 □执行 □管理 □服务 □结果", None), ("", None), ("其他", None),
])
def test_parse_stage_cell(text: str, expected: str | None) -> None:
    assert parse_stage_cell(text) == expected


def test_unparseable_cells_are_kept_not_guessed() -> None:
    row = ROW[:5] + ["视情况而定", "镇政府", "村里的大喇叭"]
    cat = parse_grids([_grid([HEAD, row])], "t.csv", "csv")
    r = cat.rows[0]
    assert r.deadline is None and "视情况而定" in (r.deadline_error or "")
    assert r.channels == [] and "村里的大喇叭" in (r.channel_error or "")
    assert r.missing_elements() == []


# ------------------------------------------------------------------------------ unreadable input
def test_ditto_in_first_row_names_file_and_row() -> None:
    row = ROW[:5] + ["同上"] + ROW[6:]
    with pytest.raises(UnitCatalogError) as exc:
        parse_grids([_grid([["标题"], HEAD, row])], "t.csv", "csv")
    assert exc.value.where == "t.csv:row 3"
    assert "同上" in exc.value.message and "公开时限" in exc.value.message


def test_ditto_in_xlsx_names_sheet_and_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "目录"
    ws.append(HEAD)
    ws.append(ROW[:7] + ["同上"])
    wb.save(tmp_path / "u.xlsx")
    with pytest.raises(UnitCatalogError) as exc:
        read_unit_catalog(tmp_path / "u.xlsx")
    assert exc.value.where == f"{tmp_path / 'u.xlsx'}:目录:row 2"


@pytest.mark.parametrize("name,content,message", [
    ("missing.csv", None, "file not found"),
    ("empty.csv", b"", "no catalog table found"),
    ("nohead.csv", b"a,b,c\n1,2,3\n", "no catalog table found"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "legacy .xls"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx"),
    ("latin.csv", "序号,一级".encode("utf-16"), "neither UTF-8"),
])
def test_unreadable_files(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnitCatalogError) as exc:
        read_unit_catalog(path)
    assert message in exc.value.message
    assert str(path) in str(exc.value)


@pytest.mark.parametrize("name,data,fmt", [
    ("a.csv", b"x", "csv"), ("a.XLSX", b"", "xlsx"), ("a.shtml", b"", "html"), ("a.dat", b"PK\x03\x04", "xlsx"),
    ("a", b"<!DOCTYPE html><table>", "html"), ("a", b"1,2", "csv"),
])
def test_detect_format(name: str, data: bytes, fmt: str) -> None:
    assert detect_format(Path(name), data) == fmt
