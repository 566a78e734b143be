"""User errors end in one clear message (file, line, key, fix) and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.units.loader import load_registry, validate_registry

FIXTURES = Path(__file__).parent / "fixtures" / "registry"
VALID = (FIXTURES / "valid.yaml").read_text(encoding="utf-8")


def test_valid_registry_loads():
    reg = load_registry(FIXTURES / "valid.yaml", {"社会救助"})
    assert reg.unit("mzj").catalog_level == "县级"
    assert [c.type for c in reg.unit("mzj").channels] == ["website", "new_media"]


@pytest.mark.parametrize("edit, expected", [
    (("level: 区级", "level: 市级"), ":14: units.0.level"),
    (("kind: department", "kind: department\n    colour: red"), "units.0.colour: Extra inputs are not permitted"),
    (("site: portal\n        columns", "site: nowhere\n        columns"), "unknown site 'nowhere'"),
    (("lead: [社会救助]", "lead: [社会救济]"), "unknown domain '社会救济'"),
    (("platform: static_paging", "platform: wordpress"), "sites.0.platform: unknown platform 'wordpress'"),
    (("url: http://127.0.0.1:8000/feed.json", "url: not-a-url"), "units.0.channels.1.url"),
    (("district: {id: test, name: 测试区}", "district: {id: test, name: 测试区"), "YAML syntax error"),
])
def test_registry_problems_name_line_and_key(tmp_path, edit, expected):
    path = tmp_path / "reg.yaml"
    path.write_text(VALID.replace(*edit), encoding="utf-8")
    problems = validate_registry(path, {"社会救助"})
    assert problems and any(expected in p for p in problems), problems
    assert all(str(path) in p for p in problems)


def test_billion_laughs_is_refused(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "lol.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert "through YAML aliases" in validate_registry(path)[0]


@pytest.mark.parametrize("argv, message", [
    (["units", "validate", "/nonexistent/reg.yaml"], "file not found"),
    (["score", "--scheme", "nope"], "unknown scoring scheme 'nope'"),
    (["report", "--run", "99", "--out", "x"], "no audit run 99"),
    (["extract", "/nonexistent.html", "--url", "http://x.gov.cn/a.html"], "file not found"),
    (["--db", "/nonexistent/b.db", "report"], "no database at /nonexistent/b.db; run `auditor crawl` first"),
])
def test_cli_errors_are_one_clear_line(tmp_path, capsys, argv, message, monkeypatch):
    from auditor.store.db import open_db

    monkeypatch.chdir(tmp_path)
    open_db(str(tmp_path / "a.db")).kw["bind"].dispose()  # an existing (empty) database
    code = main(["--db", str(tmp_path / "a.db"), *argv])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_console_script_runs_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "auditor.cli", "--db", str(tmp_path / "a.db"), "crawl",
                           "--registry", str(FIXTURES / "valid.yaml"), "--units", "nobody"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "unknown unit 'nobody'" in proc.stderr and "Traceback" not in proc.stderr


def test_summary_is_one_table_per_level_with_names_sorted_by_rank(capsys):
    """区级 first then 乡级; ranked units by rank, then the 未完整评估 ones, each with its reason below."""
    from auditor.cli import _print_summary
    from auditor.stages import UnitSummary

    def row(uid, name, level, score, grade, rank, assessment="assessed", reasons=()):
        return UnitSummary(unit_id=uid, name=name, level=level, score=score, grade=grade, rank=rank, missing=0,
                           late=0, channel_gaps=0, site_health=0, unverified=len(reasons), assessment=assessment,
                           reasons=tuple(reasons), no_anchor=0)

    _print_summary([
        row("xz", "某某镇人民政府", "乡级", 88.0, "良好", 1),
        row("zfb", "县人民政府办公室", "区级", 100.0, "未完整评估", None, "unassessed",
            ["完整性：无标准目录事项（未承担目录领域），完整性无法评估"]),
        row("mzj", "县民政局", "区级", 80.0, "良好", 2),
        row("czj", "县财政局", "区级", 95.0, "优秀", 1),
    ], "audit run 1")
    out = capsys.readouterr().out
    order = [out.index(s) for s in ("区级部门（区级）", "县财政局", "县民政局", "县人民政府办公室",
                                    "乡镇（街道）（乡级）", "某某镇人民政府")]
    assert order == sorted(order)
    office = next(line for line in out.splitlines() if "县人民政府办公室（zfb）" in line)
    assert "—" in office and "未完整评估" in office and "优秀" not in office
    assert "县人民政府办公室：未完整评估 — 完整性：无标准目录事项" in out
