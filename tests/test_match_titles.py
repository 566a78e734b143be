"""`auditor match-titles IN.csv --out OUT.csv`: columns, separators, levels and clear input errors."""

from __future__ import annotations

import csv

import pytest

from auditor.cli import main

HEADER = "title,column,unit_level,domains,published\n"


def _run(tmp_path, text: str, capsys):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(text, encoding="utf-8")
    code = main(["match-titles", str(src), "--out", str(out)])
    cap = capsys.readouterr()
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig"))) if out.exists() else []
    return code, rows, cap


@pytest.mark.parametrize("line, entry_id, decision", [
    ("区教育局2026年部门预算,,区级,财政预决算;义务教育,2026-02-10", "caizheng_yujuesuan.bmys", "accept"),
    ("东城街道2026年3月低保对象名单公示,社会救助,乡级,社会救助、养老服务,", "shehui_jiuzhu.zdshbz_spxx", "accept"),
    ("高龄津贴发放名单（2026年第一季度）,,乡级,\"社会救助,养老服务\",", "yanglao_fuwu.lnrbtff", "accept"),
    ("区民政局召开2026年低保工作推进会,部门动态,区级,社会救助,", None, "reject"),
    ("关于印发某县脱贫攻坚实施方案的通知,政府信息公开/政府文件,县级,,", "fupin.qtzcwj", "accept"),
    ("2028年部门预算,,县级,财政预决算,2025-01-05", None, None),  # year implausible: never accepted
])
def test_match_titles_rows(tmp_path, capsys, line, entry_id, decision):
    code, rows, _ = _run(tmp_path, HEADER + line + "\n", capsys)
    assert code == 0
    [row] = rows
    assert set(row) >= {"title", "domain", "level1", "level2", "entry_id", "score", "decision", "why"}
    if entry_id:
        assert row["entry_id"] == entry_id
    if decision:
        assert row["decision"] == decision
        if decision == "accept":
            assert row["why"], row  # the reviewer is told why (domain, kind …)
    else:
        assert row["decision"] != "accept"


@pytest.mark.parametrize("text, needle", [
    ("title,unit_level\nx,区级\n", "missing column(s) column, domains"),
    (HEADER + "x,,省级,,\n", "unit_level '省级'"),
    (HEADER + "x,,区级,不存在领域,\n", "unknown domain"),
    (HEADER + "x,,区级,,2026-13-01\n", "not a date"),
])
def test_match_titles_input_errors_name_file_and_column(tmp_path, capsys, text, needle):
    code, _, cap = _run(tmp_path, text, capsys)
    assert code == 1
    assert needle in cap.err and "in.csv" in cap.err
    assert "Traceback" not in cap.err


def test_match_titles_missing_file(tmp_path, capsys):
    code = main(["match-titles", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")])
    assert code == 1
    assert "none.csv" in capsys.readouterr().err


def test_match_titles_neutralises_formulas(tmp_path, capsys):
    _, rows, _ = _run(tmp_path, HEADER + "=HYPERLINK(\"x\"),,区级,,\n", capsys)
    assert not rows[0]["title"].startswith("=")
