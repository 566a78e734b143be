"""公开时限 phrases → typed rules, and due dates computed from them.

Catalog rows state their deadline in free Chinese ("信息形成或者变更之日起20个工作日内",
"本级人民代表大会或其常务委员会批准后20日内", "1.除处罚决定外其他内容:长期公开(动态调整);2.处罚决定:
20个工作日内"). The auditor needs one typed rule per row, and must *refuse* a phrase it does not
understand rather than guess a deadline: every clause is matched piece by piece and any word left
over is an error naming the phrase. "N日" is calendar days (预算法 §14), "N个工作日" working days
(条例 art. 26). A blank cell means 条例 art. 26's default and is flagged `assumed`.

The grammar reads the *shape* of a clause: an anchor event + an amount + a unit ("部门预算批复后20日内"),
a period with a due day ("每季度结束后10个工作日内", "每月10日前公开上月情况", "每年3月底前"), a
before-event deadline ("会议召开3日前"), a display period ("公示期不少于7天"), "长期公开，动态更新",
"实时", and the 依申请 answer period with its extension (条例 art. 33). An anchor event it does not know
is kept as a named free-text `event`; such a rule is `assessable=False` with a `reason`, because the page
shows no date for that event. Known anchors map to a date the auditor observes (OBSERVED_BY).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from auditor.catalog.workdays import WorkingCalendar
from auditor.errors import CatalogError

Kind = Literal["deadline_after", "deadline_before", "min_display_period", "realtime", "asap",
               "persistent", "periodic", "annual", "on_request", "after_period"]
Anchor = Literal["formed_or_changed", "made_or_obtained", "decision", "nrc_approval",
                 "finance_reply", "request_received", "approval_doc_received",
                 "allocation_confirmed", "survey_finished", "event_start", "hearing", "fixed_date",
                 "period_end", "event"]
Unit = Literal["working_day", "calendar_day", "week", "month", "year"]
Period = Literal["monthly", "quarterly", "semiannual", "annual"]
PERIOD_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}

# Which observable date stands for each known anchor event (the auditor reads them off the page):
# 成文日期 for the events that produce the document itself, the approval/decision date found in
# the document text (its 成文日期 or a 批复/批准 date quoted in it) for approvals, the publication
# date of the previous item for periodic rules, the calendar for fixed dates.
OBSERVED_BY: dict[str, str] = {
    "formed_or_changed": "成文日期", "made_or_obtained": "成文日期", "decision": "成文日期（决定日期）",
    "nrc_approval": "批准日期（文中所载，缺省为成文日期）", "finance_reply": "批复日期（文中所载，缺省为成文日期）",
    "approval_doc_received": "批准文件日期（文中所载）", "allocation_confirmed": "成文日期",
    "survey_finished": "成文日期", "event_start": "活动日期（文中所载）", "hearing": "听证日期（文中所载）",
    "fixed_date": "日历", "period_end": "日历（期末）",
}
NOT_OBSERVABLE: dict[str, str] = {
    "request_received": "依申请公开：收到申请的日期不在页面上",
    "event": "起算事件「{event}」的日期无法从页面上观察",
}

GENERAL = "其他"  # label of the part that applies when no more specific part does


@dataclass(frozen=True)
class DueDate:
    """A computed deadline; fallback_used = some day was beyond the holiday data (weekends-only)."""

    date: _dt.date
    fallback_used: bool = False


class DeadlineRule(BaseModel):
    """One 公开时限 as data. For split rules the top level repeats the general part and `parts`
    lists every part with its `applies_to` label ("行政许可/行政处罚", "其他", "批前公示" …)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind
    anchor: Anchor | None = None
    amount: int | None = None
    unit: Unit | None = None
    parts: tuple[DeadlineRule, ...] = ()
    text: str = ""
    applies_to: str | None = None
    display: DeadlineRule | None = None  # "…10个工作日内,公示7个工作日": min display period
    persistent: bool = False  # "保持长期公开": must also stay online afterwards
    law_override: bool = False  # "法律、法规…另有规定的,从其规定"
    assumed: bool = False  # blank cell: 条例 art. 26 default applied
    fixed_date: str | None = None  # "MM-DD" for kind=annual
    event: str | None = None  # anchor="event": the event as the catalog names it ("项目竣工验收")
    period: Period | None = None  # kind=after_period: the period whose end starts the clock
    extension: int | None = None  # on_request: extra time (same unit) allowed with approval (条例 art. 33)
    dynamic: bool = False  # "动态更新/动态调整": kept current while online
    assessable: bool = True  # False: the page cannot show the anchor event's date
    reason: str | None = None  # why not assessable

    @property
    def has_deadline(self) -> bool:
        """True when due_date can return a date for this rule (general part)."""
        return self.kind in ("deadline_after", "deadline_before", "on_request", "periodic",
                             "annual", "after_period") and (self.amount is not None or self.kind == "annual")

    @property
    def observed_by(self) -> str | None:
        """The date on the page that stands for the anchor event, None when there is none."""
        return OBSERVED_BY.get(self.anchor or "") if self.assessable else None

    def part(self, applies_to: str | None) -> DeadlineRule:
        """The part whose label matches applies_to (substring either way), else the general rule."""
        if not applies_to or not self.parts:
            return self
        for p in self.parts:
            for alt in (p.applies_to or "").split("/"):
                if alt and (alt in applies_to or applies_to in alt):
                    return p
        return self

    def due_date(self, anchor_date: _dt.date, cal: WorkingCalendar,
                 applies_to: str | None = None) -> DueDate | None:
        """Latest publication date given the anchor event's date; None if no numeric deadline.

        deadline_after/on_request: anchor + amount (a calendar-unit deadline ending on a holiday
        moves to the next working day, 民法典 第二百零三条); deadline_before: anchor − amount;
        periodic: next update due after the last one (anchor_date = last update); annual: the
        next fixed date on or after anchor_date.
        """
        rule = self.part(applies_to)
        if rule.kind == "annual" and rule.fixed_date:
            month, day = map(int, rule.fixed_date.split("-"))
            d = _dt.date(anchor_date.year, month, day)
            if d < anchor_date:
                d = _dt.date(anchor_date.year + 1, month, day)
            return DueDate(d, not cal.covers(d))
        if rule.amount is None:
            return None
        if rule.kind == "after_period" and rule.period:
            end = period_end(rule.period, anchor_date)
            return DueDate(*rule._shift(end, cal, rule.amount, roll=True))
        if rule.kind in ("deadline_after", "on_request"):
            return DueDate(*rule._shift(anchor_date, cal, rule.amount, roll=True))
        if rule.kind == "deadline_before":
            return DueDate(*rule._shift(anchor_date, cal, -rule.amount, roll=False))
        if rule.kind == "periodic":
            return DueDate(*rule._shift(anchor_date, cal, rule.amount, roll=False))
        return None

    def display_end(self, start: _dt.date, cal: WorkingCalendar,
                    applies_to: str | None = None) -> DueDate | None:
        """First day a notice posted on `start` may come down (min display period), else None."""
        rule = self.part(applies_to)
        disp = rule if rule.kind == "min_display_period" else rule.display
        if disp is None or disp.amount is None:
            return None
        return DueDate(*disp._shift(start, cal, disp.amount, roll=False))

    def _shift(self, d: _dt.date, cal: WorkingCalendar, n: int, roll: bool) -> tuple[_dt.date, bool]:
        if self.unit == "working_day":
            return cal.add_working_days(d, n)
        if self.unit in ("month", "year"):
            return cal.add_months(d, n * (12 if self.unit == "year" else 1), roll_forward=roll)
        days = n * 7 if self.unit == "week" else n
        return cal.add_calendar_days(d, days, roll_forward=roll)

    def to_json(self) -> dict:
        """Plain dict (JSON types only) for reports and the store."""
        return self.model_dump(mode="json")


DeadlineRule.model_rebuild()


def period_end(period: str, d: _dt.date) -> _dt.date:
    """Last day of the calendar period (month, quarter, half year, year) that contains d."""
    months = PERIOD_MONTHS[period]
    last_month = (d.month - 1) // months * months + months
    nxt = _dt.date(d.year + last_month // 12, last_month % 12 + 1, 1)
    return nxt - _dt.timedelta(days=1)

DEFAULT_TEXT = "信息形成或者变更之日起20个工作日内"  # 条例 art. 26


# --------------------------------------------------------------------------- phrase grammar

_CAVEAT_RE = re.compile(
    r"[,;。]?\(?(?:相关政策法规|法律、?行政法规|法律、?法规|法律法规)(?:对政府信息公开的期限)?"
    r"另有规定的?,?应?(?:从其规定|除外)\)?"
)
_NUM = r"(\d+|[一二两三四五六七八九十]+)"
_AMOUNT_RE = re.compile(
    _NUM + r"(个工作日|工作日|个自然日|自然日|个日历日|日历日|个星期|星期|个月|周|日|天|月|年)"
)
_UNITS = {"个工作日": "working_day", "工作日": "working_day", "个自然日": "calendar_day",
          "自然日": "calendar_day", "个日历日": "calendar_day", "日历日": "calendar_day",
          "日": "calendar_day", "天": "calendar_day", "个星期": "week", "星期": "week",
          "周": "week", "个月": "month", "月": "month", "年": "year"}
_PERIODS = {"月": "monthly", "月度": "monthly", "季度": "quarterly", "季": "quarterly",
            "半年": "semiannual", "年": "annual", "年度": "annual"}
_PERIOD_WORD = r"(月度|月|季度|季|半年|年度|年)"
_VERB = r"(?:予以)?(?:公开|公布|发布|公示|更新)?"
_WHAT = r"(?:上一?(?:月|季度|季|半年|年度|年)|本(?:月|季度|年度))?(?:的)?(?:情况|信息|数据|内容)?"
_LABELS: list[tuple[str, str]] = [
    (r"行政许可[、和及与]行政处罚(?:事项)?", "行政许可/行政处罚"),
    (r"执法决定信息", "执法决定"),
    (r"结果信息", "结果信息"),
    (r"《?听证通知书》?", "听证通知书"),
    (r"其他相关信息|其他听证公开内容|其他内容", GENERAL),
    (r"批前公示", "批前公示"),
    (r"批后公布", "批后公布"),
    (r"征求意见", "征求意见"),
]
_ANCHORS: list[tuple[str, Anchor]] = [
    (r"本级人民代表大会或其常务委员会批准|人民代表大会(?:或其)?常务委员会批准|人大(?:或其)?常委会批准",
     "nrc_approval"),
    (r"(?:经)?(?:本级)?人大(?:或其常委会)?(?:审议)?批准|(?:经)?本级人民代表大会(?:审议)?批准", "nrc_approval"),
    (r"(?:本级政府)?财政部门批复", "finance_reply"),
    (r"(?:部门)?(?:预决算|预算|决算)(?:经财政部门)?批复", "finance_reply"),
    (r"收到申请", "request_received"),
    (r"收到(?:征地)?批准文件", "approval_doc_received"),
    (r"分配结果确定", "allocation_confirmed"),
    (r"(?:拟征收土地)?现状调查结束", "survey_finished"),
    (r"组织听证|听证会?召开", "hearing"),
    (r"(?:在实地)?启动.{0,12}?工作时", "event_start"),
    (r"作出行政决定|(?:执法|行政|处罚)?决定作出|重大决策作出|(?:规划)?批准(?=后)", "decision"),
    (r"作出(?:行政|处罚|许可)?(?:处罚|许可)?决定|(?:行政)?(?:处罚|许可)决定(?:书)?(?:形成|送达|生效)",
     "decision"),
    (r"(?:制定|制作)或获取(?:该)?(?:信息|文件|扶持政策措施|指南|备案政策|扶持补贴政策|补贴政策|政策)?",
     "made_or_obtained"),
    (r"获取\(形成变更\)|形成或者?变更|形成\(变更\)|产生、?变更|颁布或印发|形成|产生|(?:文件)?印发|变更",
     "formed_or_changed"),
]
_FILLERS = sorted(
    ["自该政府信息", "自该信息", "自信息", "公开事项信息", "该政府信息", "政府信息", "信息", "之日起",
     "之日", "之后", "以后", "起", "后", "内", "予以公开", "及时公开", "向社会公开", "向社会公布",
     "公开", "公布", "公示", "应在", "应自", "应", "自", "在", "其中", "事项", "时间", "期限",
     "下发至本单位", "发通知邀请", "发出通知", "发通知", "为", "(动态调整)", "动态调整", "的", "期",
     "原则上", "公告", "答复", "予以答复", "一般"],
    key=len, reverse=True,
)
_FILLER_RE = re.compile("|".join(map(re.escape, _FILLERS)))
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


# Traditional forms of the characters 公开时限 phrases use (catalog pages served as 繁体 by mirrors).
_TRADITIONAL = str.maketrans("變個內開後時處決據關於與為間係訂驗體產經過長實門應級單辦",
                             "变个内开后时处决据关于与为间系订验体产经过长实门应级单办")


def _cn_int(s: str) -> int:
    """'20' / '二十' / '十五' / '三十' → int (up to 99)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[s]


def _fail(raw: str, why: str) -> CatalogError:
    return CatalogError(f"unrecognised 公开时限 {raw!r}: {why}", where="time_limit",
                        hint="add the phrase to auditor/catalog/deadline.py or fix the catalog cell")


@dataclass
class _Piece:
    """Result of one clause: a rule, or a modifier of the previous rule."""

    what: Literal["rule", "display", "persistent_mod", "dynamic_mod", "ignore"]
    rule: DeadlineRule | None = None
    label: str | None = None


def _take(pattern: str, s: str) -> tuple[re.Match | None, str]:
    m = re.search(pattern, s)
    return (m, s[: m.start()] + s[m.end():]) if m else (None, s)


def _label_of(raw_label: str) -> str:
    """A colon label ("除处罚决定外其他内容", "处罚决定") → part label."""
    return GENERAL if "其他" in raw_label else raw_label


def _month_end_day(month: int) -> int:
    """Last day of a month in a non-leap year ("2月底" → 28): fixed dates are MM-DD."""
    return (_dt.date(2025 + month // 12, month % 12 + 1, 1) - _dt.timedelta(days=1)).day


def _periodic_piece(p: str, label: str | None) -> _Piece | None:
    """Periods with a due day: 每季度结束后10个工作日内, 每月10日前公开上月情况, 年度终了后1个月内,
    每季度的首个月20日, 每年3月底前, 每年1月31日前, 每半年至少更新1次."""
    if m := re.fullmatch(r"(?:每年|次年|于每年)(\d+|[一二三四五六七八九十]+)月(?:(\d+)日|(底|末))(?:前|之前|以前)?"
                         + _VERB + _WHAT, p):
        month = _cn_int(m[1])
        day = int(m[2]) if m[2] else _month_end_day(month)
        return _Piece("rule", DeadlineRule(kind="annual", anchor="fixed_date",
                                           fixed_date=f"{month:02d}-{day:02d}"), label)
    if m := re.fullmatch(r"(?:每|于每)?" + _PERIOD_WORD + r"(?:结束|终了|届满|期满|末)(?:后|之日起|之后|以后)?"
                         + r"(?:的)?" + _AMOUNT_RE.pattern + r"(?:内|以内|之内)?" + _VERB + _WHAT, p):
        rule = DeadlineRule(kind="after_period", anchor="period_end", period=_PERIODS[m[1]],
                            amount=_cn_int(m[2]), unit=_UNITS[m[3]])
        return _Piece("rule", rule, label)
    # "每月10日前(公开上月情况)", "每季度的首个月20日(前)": the Nth day after the period ended
    if m := re.fullmatch(r"每(月|季度|季|半年|年)(?:的)?(?:首个?月|第一个月|次月)?" + _NUM + r"日(?:前|之前|以前)?"
                         + _VERB + _WHAT, p):
        rule = DeadlineRule(kind="after_period", anchor="period_end", period=_PERIODS[m[1]],
                            amount=_cn_int(m[2]), unit="calendar_day")
        return _Piece("rule", rule, label)
    if m := re.fullmatch(r"(?:根据需要|一般事项)?(?:至少)?(?:每|于每)?(半年|季度|季|年度|年|月度|月)(?:至少)?"
                         r"(?:更新|公布|公开|发布)" + _NUM + r"次", p):
        months = {"半年": 6, "季度": 3, "季": 3, "年": 12, "年度": 12, "月": 1, "月度": 1}[m[1]]
        return _Piece("rule", DeadlineRule(kind="periodic", amount=months // _cn_int(m[2]) or 1,
                                           unit="month"), label)
    return None


_EVENT_EDGES = (r"^(?:应当|应|须|并|则)?(?:自|在|于|经|待|从)?(?:该|本)?",
                r"(?:之日起|之日|之后|以后|后|起|时|当天|当日)?(?:的)?$")


def _event_name(text: str) -> str:
    """The anchor event as the catalog names it: "自项目竣工验收之日起" → "项目竣工验收"."""
    name = re.sub(_EVENT_EDGES[0], "", text)
    for _ in range(2):
        name = re.sub(_EVENT_EDGES[1], "", name)
    return name.strip("(),、")


@dataclass
class _Clause:
    """A clause with its number and part label taken off: the text the grammar reads, and the label."""

    text: str
    label: str | None


@dataclass
class _Amount:
    """A clause's one time amount, the kind of deadline its wording makes, and the text around it."""

    amount: int
    unit: Unit
    kind: Kind
    before: str
    after: str
    written: str  # the amount as the clause writes it ("20个工作日")


def _parse_piece(p: str, raw: str) -> _Piece:
    """One clause → a rule or a modifier; shapes are tried from the fixed phrases to an anchored amount."""
    clause = _strip_clause(p)
    if isinstance(clause, _Piece):
        return clause
    if piece := _fixed_piece(clause.text, clause.label):
        return piece
    if piece := _periodic_piece(clause.text, clause.label):
        return piece
    return _anchored_piece(clause.text, clause.label, raw)


def _strip_clause(p: str) -> _Piece | _Clause:
    """Number and label off; a clause that only modifies the previous rule (or says nothing) is its piece."""
    p = re.sub(r"^\d+[.、]", "", p).strip()
    label: str | None = None
    if ":" in p:
        head, p = p.split(":", 1)
        label = _label_of(head)
    if p in ("保持长期公开", "并保持长期公开"):
        return _Piece("persistent_mod", label=label)
    if re.fullmatch(r"并?(?:动态更新|动态调整|及时更新|实行动态管理)", p):
        return _Piece("dynamic_mod", label=label)
    if re.fullmatch(r"在.{0,15}(?:公示栏|公告栏|公开栏)(?:公开|公示)", p) or \
            re.fullmatch(r"因.{0,20}(?:需要|须)(?:缩短|延长)期限的|.{0,20}应当?予以说明", p):
        return _Piece("ignore")
    for pattern, name in _LABELS:
        m, rest = _take(pattern, p)
        if m:
            label, p = name, rest
            break
    return _Clause(p, label)


def _fixed_piece(p: str, label: str | None) -> _Piece | None:
    """Whole-clause phrases with no anchor event: 长期公开, 实时, 随时, 每年M月D日前, 依申请, 随…公开."""
    if re.fullmatch(r"(?:长期|永久)(?:公开)?(?:\(动态调整\))?", p):
        return _Piece("rule", DeadlineRule(kind="persistent"), label)
    if m := re.fullmatch(r"(?:公告信息|信息)?应?(?:长期|永久|常年)(?:保持)?(?:公开|有效|公示)?(?:\((动态(?:调整|更新))\))?", p):
        return _Piece("rule", DeadlineRule(kind="persistent", dynamic=bool(m[1])), label)
    if re.fullmatch(r"实时(?:公开|更新|发布)?", p):
        return _Piece("rule", DeadlineRule(kind="realtime"), label)
    if re.fullmatch(r"随时(?:公开|公布|发布|更新)", p):
        return _Piece("rule", DeadlineRule(kind="asap"), label)
    if m := re.fullmatch(r"每年(\d+)月(\d+)日(?:前|之前)(?:公开|公布|发布)?", p):
        return _Piece("rule", DeadlineRule(kind="annual", anchor="fixed_date",
                                           fixed_date=f"{int(m[1]):02d}-{int(m[2]):02d}"), label)
    if m := re.fullmatch(r"每?(半年|季度|季|年|月)(?:至少)?更新(\d+|一)次", p):
        months = {"半年": 6, "季度": 3, "季": 3, "年": 12, "月": 1}[m[1]] // _cn_int(m[2]) or 1
        return _Piece("rule", DeadlineRule(kind="periodic", amount=months, unit="month"), label)
    if re.fullmatch(r"为?依申请公开", p):
        return _Piece("rule", DeadlineRule(kind="on_request", anchor="request_received"), label)
    if m := re.fullmatch(r"(?:每年|按年度?|按季度?|按月度?|按半年)(?:定期)?(?:公开|公布|更新|发布)", p):
        months = 12 if "年" in p and "半年" not in p else 6 if "半年" in p else 3 if "季" in p else 1
        return _Piece("rule", DeadlineRule(kind="periodic", amount=months, unit="month"), label)
    if m := re.fullmatch(r"(?:随|与)(.{2,30}?)(?:同时|同步|一并)?(?:公开|公告|发布|公布)", p):
        # "随采购公告、采购文件公开": published with another event's document, on the same day
        rule = DeadlineRule(kind="deadline_after", anchor="event", event=m[1], amount=0, unit="calendar_day")
        return _Piece("rule", rule, label)
    return None


def _find_anchor(p: str) -> tuple[Anchor | None, str]:
    """The first known anchor event in the clause, and the clause without it."""
    for pattern, name in _ANCHORS:
        anchor_m, rest = _take(pattern, p)
        if anchor_m:
            return name, rest
    return None, p


def _anchored_piece(p: str, label: str | None, raw: str) -> _Piece:
    """An anchor event and an amount ("部门预算批复后20日内"), or an anchor with 及时 / no amount."""
    anchor, rest = _find_anchor(p)
    asap = re.search(r"(?:按进展情况)?(?:及时|尽快)(?:公开|发布)", rest)
    if asap and not _AMOUNT_RE.search(rest):
        return _check_residual(_Piece("rule", DeadlineRule(kind="asap", anchor=anchor), label),
                               rest[: asap.start()] + rest[asap.end():], raw)
    if anchor == "event_start" and not _AMOUNT_RE.search(rest):
        rule = DeadlineRule(kind="deadline_after", anchor=anchor, amount=0, unit="calendar_day")
        return _check_residual(_Piece("rule", rule, label), rest, raw)
    return _amount_piece(p, rest, anchor, label, raw)


def _read_amount(rest: str, raw: str) -> _Amount:
    """The clause's single amount; 前/提前 make it a before-event deadline, 不少于 a display period."""
    amounts = list(_AMOUNT_RE.finditer(rest))
    if len(amounts) != 1:
        raise _fail(raw, "no time amount" if not amounts else "several time amounts in one clause")
    am = amounts[0]
    amount, unit = _cn_int(am[1]), _UNITS[am[2]]
    before, after = rest[: am.start()], rest[am.end():]
    kind: Kind = "deadline_after"
    if after.startswith(("前", "之前", "以前")) or before.endswith("提前"):
        kind = "deadline_before"
        after = re.sub(r"^(?:之|以)?前", "", after)
        before = re.sub(r"提前$", "", before)
    elif m := re.search(r"(?:不得少于|不少于|不得低于|不低于|至少|(?:公示|公告)(?:期限|期|时间)?为?)$", before):
        kind, before = "min_display_period", before[: m.start()]
    return _Amount(amount, unit, kind, before, after, am[0])


def _amount_piece(p: str, rest: str, anchor: Anchor | None, label: str | None, raw: str) -> _Piece:
    """The rule of an amount clause; an unknown anchor event is kept by name, a missing one defaulted."""
    a = _read_amount(rest, raw)
    kind = a.kind
    if anchor == "request_received":
        kind = "on_request"
    if kind in ("deadline_after", "deadline_before") and _leftover(a.before) and not _leftover(a.after):
        # an anchor event the grammar does not know: keep it by name, not assessable from the page
        event = _event_name(p[: p.find(a.written)] if a.written in p else a.before)
        if event:
            rule = DeadlineRule(kind=kind, anchor="event", event=event, amount=a.amount, unit=a.unit)
            return _Piece("rule", rule, label)
    if anchor is None and kind == "deadline_after":
        anchor = "decision" if label and "决定" in label else "formed_or_changed"
    if anchor is None and kind == "deadline_before":
        anchor = "event_start"
    rule = DeadlineRule(kind=kind, anchor=anchor, amount=a.amount, unit=a.unit)
    what = "display" if kind == "min_display_period" and label is None else "rule"
    return _check_residual(_Piece(what, rule, label), a.before + a.after, raw)


def _leftover(residual: str) -> str:
    return re.sub(r"[()《》、,\s]", "", _FILLER_RE.sub("", residual))


def _check_residual(piece: _Piece, residual: str, raw: str) -> _Piece:
    left = _leftover(residual)
    if left:
        raise _fail(raw, f"cannot read {left!r}")
    return piece


_EXTENSION_RE = re.compile(
    r"收到(?:政府信息公开)?申请[^。]*?" + _AMOUNT_RE.pattern + r"[^。]*?延长[^。]*?"
    r"(?:不得?超过|不应超过|最长不得?超过|最多)" + _AMOUNT_RE.pattern)


def _assess(rule: DeadlineRule) -> DeadlineRule:
    """Set assessable/reason from the anchor (and recurse into parts)."""
    update: dict = {}
    if rule.anchor in NOT_OBSERVABLE:
        update = {"assessable": False, "reason": NOT_OBSERVABLE[rule.anchor].format(event=rule.event)}
    if rule.parts:
        update["parts"] = tuple(_assess(p) for p in rule.parts)
    return rule.model_copy(update=update) if update else rule


_SUBJECT_RE = re.compile(r".{2,40}(?:文件|信息|事项|内容|结果|名单|材料)")


def _pieces(pieces: list[str], raw: str):
    """Parse clause by clause; a clause that only names what the next one is about ("以区政府名义印发的
    行政规范性文件,自文件印发之日起20个工作日内公开") becomes the next clause's label."""
    subject: str | None = None
    for i, clause in enumerate(pieces):
        if subject is None and i + 1 < len(pieces) and _SUBJECT_RE.fullmatch(clause) \
                and not _AMOUNT_RE.search(clause):
            subject = clause
            continue
        piece = _parse_piece(clause, raw)
        if subject is not None and piece.label is None:
            piece.label = subject
        subject = None
        yield clause, piece


@lru_cache(maxsize=1024)
def parse_time_limit(text: str) -> DeadlineRule:
    """Parse one 公开时限 cell. Raises CatalogError for "同上" (resolve it first) and for any
    phrase with words the grammar does not know."""
    raw = text or ""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).translate(_TRADITIONAL)
    if t.rstrip("。") == "同上":
        raise CatalogError("'同上' must be resolved to the previous row before parsing",
                           where="time_limit", hint="copy the previous row's 公开时限")
    if not t:
        base = parse_time_limit(DEFAULT_TEXT)
        return base.model_copy(update={"assumed": True, "text": raw})
    t, n_caveats = _CAVEAT_RE.subn("", t)
    if m := _EXTENSION_RE.search(t):  # 条例 art. 33: answer in N, extendable by at most M
        rule = DeadlineRule(kind="on_request", anchor="request_received", amount=_cn_int(m[1]),
                            unit=_UNITS[m[2]], extension=_cn_int(m[3]), text=raw, law_override=n_caveats > 0)
        return _assess(rule)
    t = re.sub(r"\.{2,}|…+|⋯+", ",", t)
    pieces = [x for x in re.split(r"[;。,]", t) if x.strip()]
    if not pieces:
        raise _fail(raw, "nothing left after removing the 另有规定 caveat")
    rules: list[DeadlineRule] = []
    for clause, piece in _pieces(pieces, raw):
        if piece.what == "ignore":
            continue
        if piece.what == "persistent_mod" and not rules:
            piece = _Piece("rule", DeadlineRule(kind="persistent"), piece.label)
        if piece.what == "dynamic_mod" and not rules:
            piece = _Piece("rule", DeadlineRule(kind="persistent", dynamic=True), piece.label)
        if piece.what == "dynamic_mod":
            rules[-1] = rules[-1].model_copy(update={"dynamic": True})
            continue
        if piece.what == "display" and not rules:
            piece.what = "rule"  # a bare "公示7个工作日" is a display-period rule of its own
        if piece.what == "display":
            rules[-1] = rules[-1].model_copy(update={"display": piece.rule})
        elif piece.what == "persistent_mod":
            rules[-1] = rules[-1].model_copy(update={"persistent": True})
        else:
            assert piece.rule is not None
            rules.append(piece.rule.model_copy(update={"applies_to": piece.label, "text": clause}))
    if not rules:
        raise _fail(raw, "no rule found")
    law = n_caveats > 0
    if len(rules) == 1:
        return _assess(rules[0].model_copy(update={"text": raw, "law_override": law, "applies_to": None}))
    unlabeled = [r for r in rules if r.applies_to is None]
    if len(unlabeled) > 1:
        raise _fail(raw, "several clauses and no way to tell which applies to what")
    parts = tuple(r if r.applies_to else r.model_copy(update={"applies_to": GENERAL}) for r in rules)
    general = next((r for r in parts if r.applies_to == GENERAL), None) \
        or next((r for r in parts if r.kind == "deadline_after"), parts[0])
    return _assess(general.model_copy(update={"parts": parts, "text": raw, "law_override": law,
                                              "applies_to": None}))

