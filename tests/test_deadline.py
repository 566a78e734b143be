"""公开时限 parser: every real phrase parses, representative phrases give the expected rule, due dates."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from auditor.catalog.deadline import DeadlineRule, parse_time_limit
from auditor.catalog.workdays import WorkingCalendar
from auditor.errors import CatalogError

ROOT = Path(__file__).resolve().parents[1]
CSV_DIR = ROOT.parent / "shared" / "domain" / "catalog-rows"
CATALOG_DIR = ROOT / "catalogs"


def _csv_phrases() -> list[str]:
    if not CSV_DIR.is_dir():
        pytest.fail(f"{CSV_DIR} is missing: the read-only reference rows must sit beside the checkout")
    out: set[str] = set()
    for path in sorted(CSV_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            out |= {row["time_limit"] for row in csv.DictReader(fh)}
    return sorted(out)


def _catalog_phrases() -> list[str]:
    import yaml

    out: set[str] = set()
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out |= {e["time_limit"] for e in data.get("entries") or []}
    return sorted(out)


@pytest.mark.parametrize("phrase", [p for p in _csv_phrases() if p.strip() != "同上"])
def test_every_csv_phrase_parses(phrase: str) -> None:
    rule = parse_time_limit(phrase)
    assert isinstance(rule, DeadlineRule)
    assert rule.text == phrase


@pytest.mark.parametrize("phrase", _catalog_phrases())
def test_every_catalog_phrase_parses(phrase: str) -> None:
    parse_time_limit(phrase)


def test_csv_contains_ditto_and_it_is_refused() -> None:
    assert "同上" in _csv_phrases()  # the loader must resolve it; the parser refuses it
    with pytest.raises(CatalogError, match="同上"):
        parse_time_limit("同上")


WD, CD = "working_day", "calendar_day"

# phrase → (kind, anchor, amount, unit)
EXPECTED = [
    ("信息形成或者变更之日起20个工作日内", "deadline_after", "formed_or_changed", 20, WD),
    ("公开事项信息形成或变更之日起20个工作日内公开", "deadline_after", "formed_or_changed", 20, WD),
    ("信息形成(变更)20个工作日内", "deadline_after", "formed_or_changed", 20, WD),
    ("信息获取(形成变更)20个工作日内", "deadline_after", "formed_or_changed", 20, WD),
    ("信息形成(变更)下发至本单位20个工作日内", "deadline_after", "formed_or_changed", 20, WD),
    ("20个工作日", "deadline_after", "formed_or_changed", 20, WD),
    ("制定或获取信息之日起10个工作日内", "deadline_after", "made_or_obtained", 10, WD),
    ("制定或获取扶持补贴政策之日起10个工作日内", "deadline_after", "made_or_obtained", 10, WD),
    ("自制作或获取该信息之日起20个工作日内公开", "deadline_after", "made_or_obtained", 20, WD),
    ("作出行政决定之日起7个工作日内,法律法规另有规定的从其规定", "deadline_after", "decision", 7, WD),
    ("本级人民代表大会或其常务委员会批准后20日内", "deadline_after", "nrc_approval", 20, CD),
    ("本级政府财政部门批复后20日内", "deadline_after", "finance_reply", 20, CD),
    ("收到征地批准文件之日起10个工作日内公开", "deadline_after", "approval_doc_received", 10, WD),
    ("分配结果确定后20个工作日内", "deadline_after", "allocation_confirmed", 20, WD),
    ("拟征收土地现状调查结束后5个工作日内,在村公示栏公开", "deadline_after", "survey_finished", 5, WD),
    ("在实地启动拟征收土地工作时,在村公示栏公开", "deadline_after", "event_start", 0, CD),
    ("颁布或印发之日起5个工作日内", "deadline_after", "formed_or_changed", 5, WD),
    ("信息形成或变更之日起3个工作日内", "deadline_after", "formed_or_changed", 3, WD),
    ("自收到申请之日起20个工作日内公开", "on_request", "request_received", 20, WD),
    ("提前一周发通知邀请", "deadline_before", "event_start", 1, "week"),
    ("半年至少更新1次", "periodic", None, 6, "month"),
    ("实时公开", "realtime", None, None, None),
    ("及时公开", "asap", None, None, None),
    ("按进展情况及时公开", "asap", None, None, None),
    ("重大决策作出后及时公开", "asap", "decision", None, None),
    ("长期", "persistent", None, None, None),
    ("永久公开", "persistent", None, None, None),
    ("每年1月31日前", "annual", "fixed_date", None, None),
    ("二十日内", "deadline_after", "formed_or_changed", 20, CD),
]


@pytest.mark.parametrize("phrase,kind,anchor,amount,unit", EXPECTED)
def test_expected_rule(phrase: str, kind: str, anchor: str | None, amount: int | None, unit: str | None) -> None:
    rule = parse_time_limit(phrase)
    assert (rule.kind, rule.anchor, rule.amount, rule.unit) == (kind, anchor, amount, unit)


def test_law_override_flag() -> None:
    phrase = "信息形成或者变更之日起20个工作日内。法律、法规对政府信息公开的期限另有规定的,从其规定"
    rule = parse_time_limit(phrase)
    assert rule.law_override and rule.amount == 20 and not rule.parts


def test_persistent_after_deadline() -> None:
    rule = parse_time_limit("信息产生、变更之日起20个工作日内公开,保持长期公开(相关政策法规另有规定的应从其规定)")
    assert (rule.kind, rule.amount, rule.persistent, rule.law_override) == ("deadline_after", 20, True, True)


def test_display_period_attached() -> None:
    rule = parse_time_limit("制定或获取信息之日起10个工作日内,公示7个工作日")
    assert (rule.kind, rule.amount) == ("deadline_after", 10)
    assert rule.display is not None
    assert (rule.display.kind, rule.display.amount, rule.display.unit) == ("min_display_period", 7, WD)


# phrase → {applies_to: (kind, anchor, amount, unit)}, general label
SPLITS = [
    ("信息形成20个工作日内公开;其中行政许可、行政处罚事项应自作出行政决定之日起7个工作日内公示",
     {"其他": ("deadline_after", "formed_or_changed", 20, WD),
      "行政许可/行政处罚": ("deadline_after", "decision", 7, WD)}, "其他"),
    ("执法决定信息在决定作出之日起7个工作日内公开,其他相关信息形成或变更之日起20个工作日内公开",
     {"执法决定": ("deadline_after", "decision", 7, WD),
      "其他": ("deadline_after", "formed_or_changed", 20, WD)}, "其他"),
    ("1.除处罚决定外其他内容:长期公开(动态调整);2.处罚决定:20个工作日内",
     {"其他": ("persistent", None, None, None), "处罚决定": ("deadline_after", "decision", 20, WD)}, "其他"),
    ("自信息形成或者变更之日起20个工作日内予以公开;结果信息自信息形成或者变更之日起7个工作日内予以公开",
     {"其他": ("deadline_after", "formed_or_changed", 20, WD),
      "结果信息": ("deadline_after", "formed_or_changed", 7, WD)}, "其他"),
    ("信息形成之日起20个工作日内;行政许可和行政处罚决定作出后7个工作日内",
     {"其他": ("deadline_after", "formed_or_changed", 20, WD),
      "行政许可/行政处罚": ("deadline_after", "decision", 7, WD)}, "其他"),
    ("批前公示时间不得少于30日;批后公布应在规划批准后20个工作日内向社会公布",
     {"批前公示": ("min_display_period", None, 30, CD), "批后公布": ("deadline_after", "decision", 20, WD)},
     "批后公布"),
    ("信息形成或者变更之日起20个工作日内予以公开;征求意见期限不得少于30日",
     {"其他": ("deadline_after", "formed_or_changed", 20, WD), "征求意见": ("min_display_period", None, 30, CD)},
     "其他"),
    ("《听证通知书》在组织听证7个工作日前予以公开;其他听证公开内容为依申请公开",
     {"听证通知书": ("deadline_before", "hearing", 7, WD), "其他": ("on_request", "request_received", None, None)},
     "其他"),
]


@pytest.mark.parametrize("phrase,parts,general", SPLITS)
def test_split_rules(phrase: str, parts: dict, general: str) -> None:
    rule = parse_time_limit(phrase)
    got = {p.applies_to: (p.kind, p.anchor, p.amount, p.unit) for p in rule.parts}
    assert got == parts
    top = (rule.kind, rule.anchor, rule.amount, rule.unit)
    assert top == parts[general]
    for label in parts:
        assert rule.part(label).applies_to == label


def test_blank_means_article_26_default() -> None:
    rule = parse_time_limit("")
    assert (rule.kind, rule.anchor, rule.amount, rule.unit, rule.assumed) == (
        "deadline_after", "formed_or_changed", 20, WD, True)


@pytest.mark.parametrize("phrase", ["随便写写", "定期更新", "信息形成后择机公开", "20个工作日内或者30日内",
                                    "形成之日起20个工作日内;批准后10日内", "每周一公开"])
def test_unknown_phrase_raises_naming_it(phrase: str) -> None:
    with pytest.raises(CatalogError) as err:
        parse_time_limit(phrase)
    assert phrase in str(err.value)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def test_due_working_days_across_spring_festival(cal: WorkingCalendar) -> None:
    rule = parse_time_limit("信息形成或者变更之日起20个工作日内")
    # 2026-02-09 (Mon) + 20 wd: Feb 10-13 (4), Feb 14 调休 (5), Feb 24-27 (9), Feb 28 调休 (10),
    # Mar 2-6 (15), Mar 9-13 (20)
    due = rule.due_date(date(2026, 2, 9), cal)
    assert due is not None and due.date == date(2026, 3, 13) and not due.fallback_used


def test_due_calendar_days_rolls_off_holiday(cal: WorkingCalendar) -> None:
    rule = parse_time_limit("本级人民代表大会或其常务委员会批准后20日内")
    # 2026-01-27 + 20 days = 2026-02-16 (春节) → next working day 2026-02-24
    due = rule.due_date(date(2026, 1, 27), cal)
    assert due is not None and due.date == date(2026, 2, 24)
    # a working-day end stays put; a Sunday end moves to Monday
    assert rule.due_date(date(2026, 3, 3), cal).date == date(2026, 3, 23)
    assert rule.due_date(date(2026, 3, 2), cal).date == date(2026, 3, 23)


def test_due_split_rule_uses_general_part_unless_told(cal: WorkingCalendar) -> None:
    rule = parse_time_limit("信息形成20个工作日内公开;其中行政许可、行政处罚事项应自作出行政决定之日起7个工作日内公示")
    start = date(2025, 6, 2)
    assert rule.due_date(start, cal).date == cal.add_working_days(start, 20)[0]
    assert rule.due_date(start, cal, applies_to="行政处罚").date == cal.add_working_days(start, 7)[0]


def test_due_none_without_numeric_deadline(cal: WorkingCalendar) -> None:
    for phrase in ("实时公开", "及时公开", "长期", "永久公开", "不得少于30日"):
        assert parse_time_limit(phrase).due_date(date(2025, 1, 6), cal) is None
    split = parse_time_limit("1.除处罚决定外其他内容:长期公开(动态调整);2.处罚决定:20个工作日内")
    assert split.due_date(date(2025, 1, 6), cal) is None
    assert split.due_date(date(2025, 1, 6), cal, applies_to="处罚决定") is not None


def test_due_before_and_periodic_and_annual(cal: WorkingCalendar) -> None:
    before = parse_time_limit("《听证通知书》在组织听证7个工作日前予以公开;其他听证公开内容为依申请公开")
    assert before.due_date(date(2025, 10, 15), cal, applies_to="听证通知书").date == date(2025, 9, 29)  # over 国庆 and the 10-11 调休
    week = parse_time_limit("提前一周发通知邀请")
    assert week.due_date(date(2025, 6, 20), cal).date == date(2025, 6, 13)
    assert parse_time_limit("半年至少更新1次").due_date(date(2025, 8, 31), cal).date == date(2026, 2, 28)
    annual = parse_time_limit("每年1月31日前")
    assert annual.due_date(date(2025, 12, 31), cal).date == date(2026, 1, 31)


def test_display_end(cal: WorkingCalendar) -> None:
    rule = parse_time_limit("制定或获取信息之日起10个工作日内,公示7个工作日")
    assert rule.display_end(date(2025, 9, 26), cal).date == date(2025, 10, 13)


def test_to_json_is_plain() -> None:
    import json

    data = parse_time_limit("信息形成之日起20个工作日内;行政许可和行政处罚决定作出后7个工作日内").to_json()
    json.dumps(data)
    assert data["kind"] == "deadline_after" and len(data["parts"]) == 2
    assert {p["applies_to"] for p in data["parts"]} == {"其他", "行政许可/行政处罚"}
