"""Reviewer decisions teach the matcher: a confirmed title pattern or column is an alias for the unit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from auditor.catalog.loader import load_catalog
from auditor.match.learn import Lesson, learn
from auditor.match.matcher import Thresholds
from auditor.match.matching import run_matching, unit_prefixes
from auditor.match.normalise import title_pattern
from auditor.store.db import open_db
from auditor.store.models import AuditRun, Channel, CrawlRun, Item, ItemListing, Match, ReviewDecision, Site, Unit

SITE = "http://portal.example.gov.cn/"
SPXX = "shehui_jiuzhu.zdshbz_spxx"


@pytest.mark.parametrize("a, b, same", [
    ("东城街道2024年3月困难群众救助对象公示（第2批）", "关于2025年1月东城街道困难群众救助对象的公示（第1批）", True),
    ("2024年度区民政局困难群众救助对象公示", "〔2026〕困难群众救助对象公示", True),
    ("东城街道2024年3月困难群众救助对象公示", "东城街道2024年3月困难群众慰问金发放名单", False),
    ("12348法律援助热线", "12345法律援助热线", False),  # numbers that name things stay
])
def test_title_pattern_generalises_years_numbers_and_wrappers(a, b, same):
    prefixes = ("云溪区东城街道办事处", "东城街道", "区民政局")
    assert (title_pattern(a, prefixes) == title_pattern(b, prefixes)) is same


@pytest.mark.parametrize("lessons, pattern_entry, column_entry", [
    ([Lesson("confirm", SPXX, "2024年困难群众救助对象公示", "社会救助/审批")], SPXX, SPXX),
    ([Lesson("confirm", SPXX, "2024年困难群众救助对象公示", "社会救助"),
      Lesson("confirm", "shehui_jiuzhu.shspxx", "临时救助公示", "社会救助")], SPXX, None),  # column names two entries
    ([Lesson("confirm", SPXX, "2024年困难群众救助对象公示"),
      Lesson("reject", SPXX, "2025年困难群众救助对象公示")], None, None),  # a later reject unlearns
])
def test_learn(lessons, pattern_entry, column_entry):
    learned = learn(lessons)
    assert learned.patterns.get("困难群众救助对象") == pattern_entry
    assert next(iter(learned.columns.values()), None) == column_entry


class Store:
    """One 乡级 subdistrict with a 社会救助 catalog column."""

    def __init__(self, tmp_path):
        self.factory = open_db(str(tmp_path / "m.db"))
        with self.factory() as s:
            s.add(CrawlRun(started_at=datetime(2026, 5, 1), finished_at=datetime(2026, 5, 1, 1), status="complete",
                           stats={}))
            s.add(Site(id="portal", name="门户", base_url=SITE, home_url=SITE, platform="auto"))
            s.add(Unit(id="dc", district="d", name="云溪区东城街道办事处", kind="subdistrict", level="乡级",
                       domains_lead=[], domains_share=["社会救助"], contact={}))
            s.flush()
            col = Channel(unit_id="dc", code="WEBSITE", site_id="portal", name="社会救助", url=SITE + "shjz/",
                          column_path="信息公开/社会救助/审批信息", column_kind="catalog", domain="社会救助")
            s.add(col)
            s.commit()
            self.channel_id = col.id
        self.n = 0

    def publish(self, title: str, published: date = date(2026, 4, 1)) -> int:
        self.n += 1
        with self.factory() as s:
            item = Item(canonical_url=f"{SITE}art/{self.n}.html", site_id="portal", title=title, list_title=title,
                        publish_date=published, fetched_at=datetime(2026, 5, 1), provenance={})
            s.add(item)
            s.flush()
            s.add(ItemListing(item_id=item.id, channel_id=self.channel_id))
            s.commit()
            return item.id

    def decide(self, item_id: int, action: str, entry_id: str | None) -> None:
        with self.factory() as s:
            s.add(ReviewDecision(unit_id="dc", item_id=item_id, entry_id=entry_id, action=action, reason="",
                                 actor="reviewer", created_at=datetime(2026, 5, 2)))
            s.commit()

    def match(self) -> dict[int, Match]:
        with self.factory() as s:
            run = AuditRun(started_at=datetime(2026, 5, 3), status="matched", as_of=date(2026, 5, 3), scheme="default",
                           summary={})
            s.add(run)
            s.flush()
            run_matching(s, load_catalog(), run.id, Thresholds(85, 70))
            s.commit()
            return {m.item_id: m for m in s.scalars(select(Match).where(Match.audit_run_id == run.id))}


def test_confirmed_pattern_accepts_a_new_item_on_the_next_run(tmp_path):
    store = Store(tmp_path)
    first = store.publish("东城街道2026年3月困难群众救助对象公示（第2批）")
    before = store.match()
    assert first not in before or before[first].decision != "accept"  # the matcher alone does not know this wording
    store.decide(first, "confirm", SPXX)
    new = store.publish("关于2026年4月东城街道困难群众救助对象的公示（第1批）", date(2026, 4, 20))
    other = store.publish("东城街道2026年4月困难群众慰问金发放情况")
    after = store.match()
    assert after[first].decision == "confirmed"
    assert (after[new].decision, after[new].entry_id) == ("accept", SPXX)
    assert after[new].evidence["breakdown"]["alias"] > 0
    assert other not in after or after[other].decision != "accept"
    cands = after[new].evidence["candidates"]
    assert cands[0]["entry_id"] == SPXX and len(cands) >= 2 and cands[0]["score"] >= cands[1]["score"]


def test_rejected_link_is_not_accepted_again_for_the_same_pattern(tmp_path):
    store = Store(tmp_path)
    first = store.publish("东城街道2026年3月最低生活保障对象名单")
    before = store.match()
    assert (before[first].decision, before[first].entry_id) == ("accept", SPXX)
    store.decide(first, "reject", None)  # a bare reject is about what the matcher proposed
    new = store.publish("东城街道2026年4月最低生活保障对象名单")
    after = store.match()
    assert after[first].decision == "rejected"
    assert new not in after or after[new].decision != "accept" or after[new].entry_id != SPXX


@pytest.mark.parametrize("name, expected", [
    ("云溪区民政局", {"云溪区民政局", "区民政局", "民政局"}),
    ("云溪区东城街道办事处", {"云溪区东城街道办事处", "东城街道办事处", "东城街道"}),
])
def test_unit_prefixes(name, expected):
    unit = Unit(id="u", district="d", name=name, kind="department", level="区级")
    assert expected <= set(unit_prefixes(unit))
