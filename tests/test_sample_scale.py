"""The sample district copied to more units (auditor/sample/scale.py) and the batched matcher it needs.

The scaled store must agree with the scaled ground truth: an audit of it finds exactly the seeded defects
of the original and of every copy. Matching many units in shared batches gives each unit the results it
gets alone.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from auditor.catalog.loader import load_catalog
from auditor.match.matcher import ItemView, Matcher, MatchJob
from auditor.sample.scale import PLACE, Copy, compare, defect_keys, finding_key, place_name, scale_store, scale_truth


def test_place_names_are_distinct_and_never_the_sample():
    names = [place_name(n) for n in range(1, 301)]
    assert len(set(names)) == len(names)
    assert PLACE not in names
    assert names[:2] == ["青山", "青水"] and len(names[150]) == 3


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:41653/col/col88688/index.html", "http://127.0.0.1:41653/c007/col/col88688/index.html"),
    ("http://127.0.0.1:46609/", "http://127.0.0.1:46609/c007/"),
    ("https://www.example.gov.cn/a?b=1", "https://www.example.gov.cn/c007/a?b=1"),
    (None, None),
])
def test_copy_moves_urls_under_its_own_path(url, expected):
    assert Copy(7).url(url) == expected


def test_copy_renames_the_place_in_json_values():
    assert Copy(1).text({"t": ["云溪区民政局", 3], "u": "云溪区"}) == {"t": ["青山区民政局", 3], "u": "青山区"}


def test_truth_of_copies_leaves_the_news_columns_behind():
    truth = {"as_of": "2026-11-20", "defects": [
        {"type": "missing", "unit": "mzj", "entry_id": "e1"},
        {"type": "dead_link", "site": "mzj", "title": "x", "unit": "mzj"},
        {"type": "site_unreachable", "site": "blz", "unit": "blz"},
        {"type": "late", "unit": "czj", "entry_id": "e2", "title": "云溪区财政局2026年预算", "days_late": 3}]}
    scaled = scale_truth(truth, ["blz", "czj", "mzj"], 5)  # one copy of blz and czj
    added = scaled["defects"][len(truth["defects"]):]
    assert added == [{"type": "site_unreachable", "site": "blz-c001", "unit": "blz-c001"},
                     {"type": "late", "unit": "czj-c001", "entry_id": "e2", "title": "青山区财政局2026年预算",
                      "days_late": 3}]


def test_scaled_sample_is_audited_exactly_against_its_scaled_truth(demo_run, tmp_path):
    from auditor.catalog.workdays import WorkingCalendar
    from auditor.sample.generate import load_spec
    from auditor.scheme import load_scheme
    from auditor.scoring.engine import run_audit
    from auditor.store.db import open_db
    from auditor.store.models import Finding, Item, Unit

    for name in ("audit.db", "audit.db-wal", "audit.db-shm"):
        if (demo_run.out / name).exists():
            shutil.copy(demo_run.out / name, tmp_path / name)
    factory = open_db(f"sqlite:///{tmp_path / 'audit.db'}", migrate=False)
    spec = load_spec()
    originals = [u["id"] for u in spec["units"]]
    with factory() as session:
        before = session.scalar(select(func.count()).select_from(Item))
        result = scale_store(session, len(originals) * 2 + 3)
        session.commit()
        assert result.units == 27 and result.copies == 2
        assert session.scalar(select(func.count()).select_from(Item)) == before + result.items
        names = set(session.scalars(select(Unit.name)))
        assert {"青山区民政局", "青水区财政局"} <= names and len(names) == 27
    truth = scale_truth(json.loads((demo_run.out / "ground-truth.json").read_text(encoding="utf-8")), originals, 27,
                        [c["key"] for cols in spec["site_columns"].values() for c in cols])
    with factory() as session:
        run_id = run_audit(session, load_catalog(), load_scheme("default"), WorkingCalendar(), date(2026, 11, 20))
        found = Counter(finding_key(f.rule, f.unit_id, f.site_id, f.entry_id, f.evidence, f.days_late,
                                    f.channels_missing, f.title)
                        for f in session.scalars(select(Finding).where(Finding.audit_run_id == run_id,
                                                                       Finding.status == "defect")))
    expected = defect_keys(truth)
    copied = [k for k in expected if any(str(part).endswith("-c001") for part in k)]
    assert {k[0] for k in copied} >= {"missing", "late", "channel_gap", "site_unreachable"}
    plus, minus, extra, missed = compare(expected, found)
    assert (plus, minus) == (0, 0), (extra, missed)


@pytest.fixture(scope="module")
def entries():
    catalog = load_catalog()
    return [e for e in catalog.for_unit({"社会救助", "养老服务"}, "县级") if e.mode == "主动"]


TITLES = [("最低生活保障办事指南（2026年版）", "社会救助", "catalog"),
          ("区民政局2025年临时救助对象名单公示", "社会救助", "catalog"),
          ("关于养老服务补贴发放情况的公告（2026年第3号）", "养老服务", "catalog"),
          ("区民政局召开养老服务工作推进会", None, "news"),
          ("青山区民政局特困人员救助供养审核结果公示", None, "catalog")]


def test_match_many_gives_each_unit_what_match_gives_it(entries):
    matcher = Matcher(batch_size=4)  # batches shared across units and cut inside a unit
    jobs = [MatchJob(entries, [ItemView(100 * u + i, t, d, k) for i, (t, d, k) in enumerate(TITLES)], prefixes,
                     "县级")
            for u, prefixes in enumerate([("云溪区民政局", "区民政局", "民政局"),
                                          ("青山区民政局", "区民政局", "民政局"), ()])]
    jobs.append(MatchJob(entries[:5], [ItemView(900, TITLES[0][0], "社会救助")], (), "县级"))
    got = dict(matcher.match_many(jobs))
    assert sorted(got) == list(range(len(jobs)))
    for k, job in enumerate(jobs):
        alone = Matcher().match(job.entries, job.items, unit_prefixes=job.unit_prefixes, unit_level=job.unit_level)
        assert [(r.item_id, r.entry_id, r.score, r.decision, r.candidates, r.breakdown) for r in got[k]] == \
               [(r.item_id, r.entry_id, r.score, r.decision, r.candidates, r.breakdown) for r in alone]


@pytest.mark.parametrize("title, expected", [
    ("（转载）青江省民政厅关于调整最低生活保障标准的通知（2）", "转载青江省民政厅关于调整最低生活保障标准的通知"),
    # at 1,000 units the same repost is numbered past 99: before, （100） stayed and the item went unmatched
    ("（转载）青江省民政厅关于调整最低生活保障标准的通知（100）", "转载青江省民政厅关于调整最低生活保障标准的通知"),
    ("南山锦绣家园（1234）", "南山锦绣家园"),
    ("2025年困难群众名单（2024）", "2025年困难群众名单2024"),  # a bracketed year is kept
    ("关于做好防汛工作的通知（第3号）", "关于做好防汛工作的通知第3号"),
])
def test_numbered_copies_of_any_size_read_as_the_notice(title, expected):
    from auditor.match.normalise import normalise

    assert normalise(title) == expected


def test_a_repost_numbered_past_99_is_still_matched(entries):
    title = "（转载）青江省民政厅关于调整最低生活保障标准的通知"
    results = Matcher().match(entries, [ItemView(1, title, "社会救助"), ItemView(2, title + "（100）", "社会救助"),
                                        ItemView(3, title + "（318）", "社会救助")])
    assert len({(r.entry_id, r.score, r.decision) for r in results}) == 1
