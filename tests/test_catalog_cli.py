"""`auditor catalog …` sub-commands."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from auditor.catalog import cli


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.add_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["catalog", *argv])
    return args.func(args)


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["validate"]) == 0
    assert "OK" in capsys.readouterr().out


def test_validate_bad_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.yaml").write_text("domain: [\n", encoding="utf-8")
    assert _run(["--dir", str(tmp_path), "validate"]) == 1
    assert re.search(r"x\.yaml:\d+: YAML syntax error", capsys.readouterr().err)


def test_deadline_with_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["deadline", "信息形成或者变更之日起20个工作日内", "--from", "2026-02-09"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["due"] == {"date": "2026-03-13", "fallback_used": False}


def test_deadline_names_an_unknown_event_as_not_assessable(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["deadline", "项目竣工验收后10个工作日内", "--from", "2026-03-02"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rule"]["event"] == "项目竣工验收" and "项目竣工验收" in out["not_assessable"]
    assert out["observed_by"] is None and out["due"]["date"] == "2026-03-16"
    assert _run(["deadline", "部门预算批复后20日内"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "not_assessable" not in out and "批复" in out["observed_by"]


def test_show_and_stats(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["show", "caizheng_yujuesuan.bmys"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["deadline"]["anchor"] == "finance_reply"
    assert _run(["stats"]) == 0
    lines = capsys.readouterr().out.splitlines()
    per_domain = [line.split("\t") for line in lines if "\t" in line]
    assert len(per_domain) == 26 and all(cols[2].endswith(" backed") for cols in per_domain)
    assert "财政预决算" in {cols[0] for cols in per_domain}
    backed = sum(int(cols[2].split()[0]) for cols in per_domain)
    assert lines[-1].startswith(f"backed: {backed} of {sum(int(cols[1]) for cols in per_domain)} rows (")
    assert _run(["show", "nope.nope"]) == 1


FIXTURES = Path(__file__).parent / "fixtures" / "unit_catalogs"


def test_validate_ok_prints_rows_per_domain(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    counts = dict(line.split("\t") for line in out if "\t" in line)
    assert len(counts) == 26 and int(counts["社会救助"]) > 0
    assert out[-1] == f"catalog: OK ({sum(map(int, counts.values()))} rows in 26 domains)"


BAD_ROWS = """\
domain: 测试领域
domain_code: bad
version: '1'
effective: 2021-01-01
entries:
- id: bad.ok
  level1: 一级
  level2: 二级
  content: 内容
  time_limit: 信息形成之日起20个工作日内
  subject: 主体
  channels: [{code: WEBSITE, required: true, text: 政府网站}]
  audience: 全社会
  mode: 主动
  levels: [县级]
  keywords: [x]
  source: unbacked
- id: other.x
  level1: 一级
  level2: ''
  content: 内容
  time_limit: 看情况
  subject: 主体
  channels: [{code: NOPE, text: x}]
  audience: 全社会
  mode: 被动
  levels: [省级]
  keywords: [x]
  source: unbacked
  colour: red
"""


def test_validate_lists_every_problem_as_file_row_field(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text(BAD_ROWS, encoding="utf-8")
    assert _run(["--dir", str(tmp_path), "validate"]) == 1
    err = capsys.readouterr().err
    for field in ("level2", "channels[0].code", "mode", "levels[0]", "colour", "id", "time_limit"):
        assert f"bad.yaml:row 2:{field}:" in err, field
    assert "bad.yaml:row 1:" not in err


def test_list_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["list", "--domain", "社会救助", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 13 and {r["domain"] for r in rows} == {"社会救助"}
    for r in rows:
        assert {"id", "domain", "level1", "level2", "time_limit", "channels", "mode", "levels", "stage",
                "source"} <= set(r)
        assert all({"code", "required"} <= set(c) for c in r["channels"])


@pytest.mark.parametrize("argv,n", [
    (["list", "--json"], None),  # every row of the catalog
    (["list", "--domain", "shehui_jiuzhu", "--level", "县级", "--json"], 8),
])
def test_list_filters(argv: list[str], n: int | None, capsys: pytest.CaptureFixture[str]) -> None:
    if n is None:
        from auditor.catalog import load_catalog

        n = len(load_catalog().entries)
        assert n >= 432
    assert _run(argv) == 0
    assert len(capsys.readouterr().out.splitlines()) == n


def test_list_table_and_unknown_domain(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["list", "--domain", "社会救助"]) == 0
    out = capsys.readouterr().out
    assert "shehui_jiuzhu.jdjc" in out and "■WEBSITE" in out
    from auditor.errors import CatalogError

    with pytest.raises(CatalogError, match="unknown domain"):
        _run(["list", "--domain", "nope"])


@pytest.mark.parametrize("name", ["qingshi_shehui_jiuzhu.csv", "qingshi_shehui_jiuzhu.html"])
def test_diff_json_and_exit_zero(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["diff", str(FIXTURES / name), "--level", "乡级", "--json"]) == 0
    findings = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    rules = sorted(f["rule"] for f in findings)
    assert rules == sorted(["deleted"] * 2 + ["declared_none", "looser_deadline"] + ["missing_elements"] * 2
                           + ["no_stage"] * 2 + ["local_addition"] * 2)
    assert all({"rule", "entry_id", "unit_row", "message", "severity"} <= set(f) for f in findings)


def test_diff_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["diff", str(FIXTURES / "qingshi_shehui_jiuzhu.csv"), "--domain", "社会救助"]) == 0
    out = capsys.readouterr().out
    assert "deleted: 2" in out and "shehui_jiuzhu.lsjz_bszn" in out


@pytest.mark.parametrize("content,where", [
    (None, "missing.csv"),
    ("序号,一级事项,二级事项,公开内容,公开依据,公开时限,公开主体,公开渠道\n1,a,b,c,d,同上,f,政府网站\n",
     "missing.csv:row 2"),
])
def test_diff_unreadable_input_exits_1(tmp_path: Path, content: str | None, where: str) -> None:
    from auditor.cli import main

    path = tmp_path / "missing.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["catalog", "diff", str(path)]) == 1
    assert where in err.getvalue() and "Traceback" not in err.getvalue()
