"""公开渠道: the synonym map (data) and the cell parser (■/□ and free text)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from auditor.catalog.channels import CHANNELS, ONLINE_CODES, load_synonyms, normalise_channel, parse_channel_cell
from auditor.errors import CatalogError

ROOT = Path(__file__).resolve().parents[1]
CSV_DIR = ROOT.parent / "shared" / "domain" / "catalog-rows"

SYNONYMS = [
    ("政府网站", "WEBSITE"), ("政府门户网站", "WEBSITE"), ("县政府门户网站", "WEBSITE"), ("区政府门户网站", "WEBSITE"),
    ("铁力市政府网站", "WEBSITE"), ("中国·海林政府网", "WEBSITE"), ("部门网站", "WEBSITE"), ("管理部门网站", "WEBSITE"),
    ("财政部门网站公开", "WEBSITE"), ("政府公报", "GAZETTE"), ("两微一端", "NEWMEDIA"), ("一微一端", "NEWMEDIA"),
    ("政务新媒体", "NEWMEDIA"), ("微信公众号", "NEWMEDIA"), ("嘉荫县司法局公众号", "NEWMEDIA"),
    ("发布会/听证会", "PRESS"), ("发布会听证会", "PRESS"), ("新闻发布会", "PRESS"), ("广播电视", "BROADCAST"),
    ("广播电台", "BROADCAST"), ("纸质媒体", "PRINT"), ("报刊", "PRINT"), ("公开查阅点", "READING"), ("图书馆", "READING"),
    ("国家档案馆", "READING"), ("社会保障和为民服务中心公开查阅点", "READING"), ("政务服务中心", "SVC_CENTER"),
    ("政府服务中心", "SVC_CENTER"), ("行政服务中心", "SVC_CENTER"), ("提供政务服务的场所", "SVC_CENTER"),
    ("党群服务中心", "SVC_CENTER"), ("便民服务站", "CONV_STATION"), ("乡镇便民服务中心", "CONV_STATION"),
    ("便民服务窗口等场所", "CONV_STATION"), ("入户/现场", "DOOR"), ("入户/现场宣传", "DOOR"),
    ("社区/企事业单位/村公示栏(电子屏)", "BOARD"), ("社区/企事业单位、村公示栏（电子屏）", "BOARD"),
    ("村居/企事业单位公示栏(电子屏)", "BOARD"), ("行政村公示栏", "BOARD"), ("镇村公示公开栏", "BOARD"),
    ("嘎查(社区)公示栏", "BOARD"), ("被征收范围内公告栏", "BOARD"), ("街道文化站/(社区)综合性文化服务中心公示栏", "BOARD"),
    ("精准推送", "PUSH"), ("投资项目在线审批监管平台", "PLATFORM"), ("公共资源交易平台", "PLATFORM"),
    ("招投标公共服务平台", "PLATFORM"), ("信用中国网站", "PLATFORM"), ("征地信息公开平台", "PLATFORM"),
    ("湖北省政务服务网", "PLATFORM"), ("山东政务服务网", "PLATFORM"), ("省建筑市场监管公共服务平台", "PLATFORM"),
    ("其他法律服务网", "PLATFORM"), ("其他:国家企业信用信息公示系统", "PLATFORM"), ("其他", "OTHER"),
    ("其他基层公共服务平台", "OTHER"), ("其他:办税服务厅", "OTHER"), ("其他：某某窗口", "OTHER"),
]


@pytest.mark.parametrize("text,code", SYNONYMS)
def test_normalise_channel(text: str, code: str) -> None:
    assert normalise_channel(text) == code


@pytest.mark.parametrize("text", ["传真", "电报", "微博热搜榜", ""])
def test_unknown_channel_raises(text: str) -> None:
    with pytest.raises(CatalogError):
        normalise_channel(text)


def test_codes_and_online_flags() -> None:
    assert set(CHANNELS) == {"WEBSITE", "GAZETTE", "NEWMEDIA", "PRESS", "BROADCAST", "PRINT", "READING",
                             "SVC_CENTER", "CONV_STATION", "DOOR", "BOARD", "PUSH", "PLATFORM", "OTHER"}
    assert ONLINE_CODES == {"WEBSITE", "NEWMEDIA", "PLATFORM", "GAZETTE"}
    assert CHANNELS["BOARD"].name == "公示栏(电子屏)"


def _reqs(cell: str) -> list[tuple[str, bool]]:
    return [(r.code, r.required) for r in parse_channel_cell(cell)]


CELLS = [
    ("■政府网站 ■两微一端 ■公开查阅点", [("WEBSITE", True), ("NEWMEDIA", True), ("READING", True)]),
    ("■政府网站 □政府公报", [("WEBSITE", True), ("GAZETTE", False)]),
    ("◆政府网站 ◆广播电视", [("WEBSITE", True), ("BROADCAST", True)]),
    ("▲政府网站 □征地信息公开平台", [("WEBSITE", True), ("PLATFORM", False)]),
    ("▄政府网站;□政府公报;□政务新媒体", [("WEBSITE", True), ("GAZETTE", False), ("NEWMEDIA", False)]),
    ("R政府网站 £政府公报 R公开查阅点", [("WEBSITE", True), ("GAZETTE", False), ("READING", True)]),
    ("■政府网站 ■公开查阅点 (其余□)", [("WEBSITE", True), ("READING", True)]),
    ("■政府网站 ■公开查阅点 ...", [("WEBSITE", True), ("READING", True)]),
    ("■政府网站 ■公共资源交易平台 ■招投标公共服务平台 (□信用中国网站 □投资项目在线审批监管平台 等)",
     [("WEBSITE", True), ("PLATFORM", True), ("PLATFORM", True), ("PLATFORM", False), ("PLATFORM", False)]),
    ("■政府网站 ■公开查阅点 ■政务服务中心 (其余□:政府公报/两微一端)",
     [("WEBSITE", True), ("READING", True), ("SVC_CENTER", True), ("GAZETTE", False), ("NEWMEDIA", False)]),
    ("■社区/企事业单位/村公示栏(电子屏) (merged cells in source; approx.)", [("BOARD", True)]),
    ("■政府网站 ■其他法律服务网(注:有关公开信息可推送或归集至本省级法律服务网)", [("WEBSITE", True), ("PLATFORM", True)]),
    ("政府网站/财政部门网站公开", [("WEBSITE", True), ("WEBSITE", True)]),
    ("政府网站/被征收范围内公告栏", [("WEBSITE", True), ("BOARD", True)]),
    ("乡镇便民服务中心/村委会公示栏", [("CONV_STATION", True), ("BOARD", True)]),
    ("1.政府网站;2.其他", [("WEBSITE", True), ("OTHER", True)]),
    ("政府网站、政务服务中心、其他基层公共服务平台", [("WEBSITE", True), ("SVC_CENTER", True), ("OTHER", True)]),
    ("政府网站;政务服务中心;便民服务窗口等场所;其他",
     [("WEBSITE", True), ("SVC_CENTER", True), ("CONV_STATION", True), ("OTHER", True)]),
    ("发布会/听证会", [("PRESS", True)]),
    ("", []),
    ("(not shown)", []),
]


@pytest.mark.parametrize("cell,expected", CELLS)
def test_parse_channel_cell(cell: str, expected: list[tuple[str, bool]]) -> None:
    assert _reqs(cell) == expected


def test_text_is_kept() -> None:
    reqs = parse_channel_cell("■政府网站 ■其他:办税服务厅")
    assert [r.text for r in reqs] == ["政府网站", "其他:办税服务厅"]


def test_ditto_must_be_resolved_by_caller() -> None:
    with pytest.raises(CatalogError, match="同上"):
        parse_channel_cell("同上")


def test_every_csv_channel_cell_parses() -> None:
    assert CSV_DIR.is_dir(), f"{CSV_DIR} missing"
    cells = set()
    for path in CSV_DIR.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            cells |= {row["channels"] for row in csv.DictReader(fh)}
    for cell in sorted(cells):
        reqs = parse_channel_cell(cell)
        assert reqs or cell.strip() in ("", "(not shown)"), cell


def test_synonym_file_rejects_unknown_code(tmp_path: Path) -> None:
    bad = tmp_path / "channels.yaml"
    bad.write_text("channels:\n  TELEX:\n    synonyms: [电传]\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="TELEX"):
        load_synonyms(bad)
