"""The catalogs/ directory: loads cleanly, has the promised coverage, and bad files are reported by row."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from auditor.catalog.channels import parse_channel_cell
from auditor.catalog.loader import load_catalog, validate_catalog
from auditor.catalog.models import Catalog
from auditor.errors import CatalogError

ROOT = Path(__file__).resolve().parents[1]
CATALOG_DIR = ROOT / "catalogs"
CSV_DIR = ROOT.parent / "shared" / "domain" / "catalog-rows"
KEY_DOMAINS = ["财政预决算", "社会救助", "义务教育", "就业", "城乡规划", "安全生产", "养老服务", "农村危房改造"]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_repo_catalog_is_valid() -> None:
    assert validate_catalog(CATALOG_DIR) == []


def test_size_and_domains(catalog: Catalog) -> None:
    assert len(catalog.domains()) == 26
    assert len(catalog.entries) >= 400
    assert catalog.version and catalog.effective.year >= 2019
    assert {p.stem for p in CSV_DIR.glob("*.csv")} == set(catalog.domain_codes().values())


def test_default_path_and_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shutil.copy(CATALOG_DIR / "jiuye.yaml", tmp_path / "jiuye.yaml")
    monkeypatch.setenv("AUDITOR_CATALOG_DIR", str(tmp_path))
    only = load_catalog()
    assert only.domains() == ["就业"]
    assert only.version  # no catalog.yaml: taken from the file


def test_ids_unique_and_prefixed(catalog: Catalog) -> None:
    assert len(catalog.by_id) == len(catalog.entries)
    for e in catalog.entries:
        assert e.id.startswith(e.domain_code + "."), e.id
    assert "caizheng_yujuesuan.bmys" in catalog.by_id
    assert catalog.by_id["caizheng_yujuesuan.bmys"].level2 == "部门预算"


def test_every_deadline_parses(catalog: Catalog) -> None:
    for e in catalog.entries:
        assert e.deadline.text == e.time_limit
        assert e.deadline is e.deadline  # cached


SOURCES_DIR = ROOT / "catalogs" / "sources"


def _registered_pages() -> dict[str, dict[str, str]]:
    with (SOURCES_DIR / "pages.csv").open(encoding="utf-8", newline="") as fh:
        return {row["url"]: row for row in csv.DictReader(fh)}


def test_backed_rows_name_a_recorded_page(catalog: Catalog) -> None:
    """Every backed row's page is recorded: in the shared transcription CSVs or in catalogs/sources/pages.csv."""
    backed = [e for e in catalog.entries if e.backed]
    assert len(backed) >= 190
    csv_urls = set()
    for path in CSV_DIR.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            csv_urls |= {row["source"].split()[0] for row in csv.DictReader(fh)}
    assert {e.source for e in backed} <= csv_urls | set(_registered_pages())
    for e in catalog.entries:
        assert e.source == "unbacked" or re.match(r"https?://", e.source)
        assert e.backed or not (e.source_item or e.source_element), e.id


def test_registered_pages_have_site_and_date() -> None:
    pages = _registered_pages()
    assert pages
    for url, row in pages.items():
        assert re.match(r"https?://", url) and row["site"] and row["site"] in url, url
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?|unknown", row["date"]), url


def test_time_limit_phrases_record_their_source() -> None:
    with (SOURCES_DIR / "time_limit_phrases.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["phrase"].strip() and r["domain"].strip() and r["source"].strip() for r in rows)


def test_channels_match_their_text(catalog: Catalog) -> None:
    for e in catalog.entries:
        parsed = [(c.code, c.required) for c in parse_channel_cell(e.channels_text)]
        got = [(c.code, c.required) for c in e.channels]
        assert got == (parsed or [("WEBSITE", True)]), e.id


def test_key_domains_have_keywords_and_doc_types(catalog: Catalog) -> None:
    for name in KEY_DOMAINS:
        rows = catalog.by_domain(name)
        assert rows, name
        for e in rows:
            assert e.keywords and e.doc_types, e.id


def test_budget_rows_are_annual(catalog: Catalog) -> None:
    rows = [e for e in catalog.by_domain("财政预决算")
            if e.level1 in ("政府预算", "政府决算", "部门预算", "部门决算")]
    assert {e.level1 for e in rows} == {"政府预算", "政府决算", "部门预算", "部门决算"}
    assert all(e.period == "annual" for e in rows)
    assert any("三公" in e.level2 for e in rows)
    dept = catalog.by_id["caizheng_yujuesuan.bmys"]
    assert "部门预算" in dept.keywords and "预算" in dept.doc_types
    assert (dept.deadline.anchor, dept.deadline.unit) == ("finance_reply", "calendar_day")


def test_social_assistance_structure(catalog: Catalog) -> None:
    rows = catalog.by_domain("shehui_jiuzhu")
    assert len(rows) == 13
    assert Counter(e.level1 for e in rows) == {"综合业务": 2, "最低生活保障": 4, "特困人员救助供养": 4, "临时救助": 3}


def test_employment_structure(catalog: Catalog) -> None:
    rows = catalog.by_domain("就业")
    assert len({e.level1 for e in rows}) == 9
    assert len(rows) == 25


def test_levels_and_stage(catalog: Catalog) -> None:
    for e in catalog.entries:
        assert set(e.levels) <= {"县级", "乡级"} and e.levels
        assert e.stage_inferred is False or e.stage is not None


def test_for_unit_filters_level_and_domain(catalog: Catalog) -> None:
    town = catalog.for_unit({"社会救助", "jiuye"}, "乡级")
    assert town and {e.domain for e in town} == {"社会救助", "就业"}
    assert all("乡级" in e.levels for e in town)
    county = catalog.for_unit({"财政预决算"}, "县级")
    assert all("县级" in e.levels for e in county)
    with pytest.raises(CatalogError):
        catalog.for_unit({"社会救助"}, "市级")


# ---------------------------------------------------------------------------- bad files

GOOD_ROW = """  - id: demo.a
    level1: 一级
    level2: 二级
    content: 内容
    time_limit: 信息形成或者变更之日起20个工作日内
    subject: 某局
    channels: [{code: WEBSITE, required: true, text: 政府网站}]
    audience: 全社会
    mode: 主动
    levels: [县级]
    keywords: [二级]
    source: unbacked
"""
HEADER = "domain: 演示\ndomain_code: demo\nversion: '1'\neffective: 2021-01-01\nsources: []\nentries:\n"


def _bad(tmp_path: Path, body: str, name: str = "demo.yaml") -> list[str]:
    (tmp_path / name).write_text(body, encoding="utf-8")
    return validate_catalog(tmp_path)


def test_good_minimal_file(tmp_path: Path) -> None:
    assert _bad(tmp_path, HEADER + GOOD_ROW) == []


@pytest.mark.parametrize("name,body,expect", [
    ("syntax", HEADER + GOOD_ROW.replace("level1: 一级", "level1: [一级"), r"demo\.yaml:\d+: YAML syntax error"),
    ("unknown key", HEADER + GOOD_ROW + "    colour: red\n", r"demo\.yaml:row 1:colour: unknown field"),
    ("bad channel", HEADER + GOOD_ROW.replace("code: WEBSITE", "code: FAX"),
     r"demo\.yaml:row 1:channels\[0\]\.code: unknown channel code 'FAX'"),
    ("bad time limit", HEADER + GOOD_ROW.replace("信息形成或者变更之日起20个工作日内", "随便写写"),
     r"demo\.yaml:row 1:time_limit: unrecognised 公开时限 '随便写写'"),
    ("duplicate id", HEADER + GOOD_ROW + GOOD_ROW, r"demo\.yaml:row 2:id: duplicate id 'demo\.a'"),
    ("bad level", HEADER + GOOD_ROW.replace("levels: [县级]", "levels: [市级]"), r"demo\.yaml:row 1:levels\[0\]"),
    ("missing field", HEADER + GOOD_ROW.replace("    subject: 某局\n", ""), r"demo\.yaml:row 1:subject: required"),
    ("bad mode", HEADER + GOOD_ROW.replace("mode: 主动", "mode: 被动"), r"demo\.yaml:row 1:mode:"),
    ("ditto", HEADER + GOOD_ROW.replace("信息形成或者变更之日起20个工作日内", "同上"), r"demo\.yaml:row 1:time_limit:.*同上"),
    ("bad source", HEADER + GOOD_ROW.replace("source: unbacked", "source: somewhere"), r"demo\.yaml:row 1:source:"),
    ("id prefix", HEADER + GOOD_ROW.replace("id: demo.a", "id: other.a"), r"demo\.yaml:row 1:id: 'other\.a' must start"),
    ("header", HEADER.replace("effective: 2021-01-01\n", "") + GOOD_ROW, r"demo\.yaml:header:effective"),
])
def test_bad_file_reported_with_file_row_field(tmp_path: Path, name: str, body: str, expect: str) -> None:
    problems = _bad(tmp_path, body)
    assert any(re.search(expect, p) for p in problems), (name, problems)
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path)
    assert "demo.yaml" in str(err.value)


def test_all_problems_listed_at_once(tmp_path: Path) -> None:
    body = (HEADER + GOOD_ROW.replace("code: WEBSITE", "code: FAX")
            + GOOD_ROW.replace("id: demo.a", "id: demo.b").replace("信息形成或者变更之日起20个工作日内", "胡说")
            + "    extra: 1\n")
    problems = _bad(tmp_path, body)
    assert len(problems) == 3
    assert [p.split(":")[1] for p in problems] == ["row 1", "row 2", "row 2"]
    assert all(re.search(r"\(line \d+\)$", p) for p in problems)


def test_duplicate_id_across_files_and_domain_code_mismatch(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text(HEADER + GOOD_ROW, encoding="utf-8")
    other = HEADER.replace("domain: 演示", "domain: 演示二") + GOOD_ROW
    problems = _bad(tmp_path, other, name="zzz.yaml")
    assert any("zzz.yaml:row 1:id: duplicate id 'demo.a'" in p for p in problems)
    assert any("zzz.yaml:header:domain_code" in p for p in problems)
