"""Normaliser table and matcher cases on the real catalog (batch scoring, column cues, ties)."""

from __future__ import annotations

import pytest

from auditor.catalog.loader import load_catalog
from auditor.harvest.canonical import canonical_url
from auditor.match.matcher import ItemView, Matcher
from auditor.match.normalise import normalise


@pytest.mark.parametrize("raw, expected", [
    ("２０２４年 部门预算（公开）", "2024年部门预算公开"),
    ("云财〔2024〕12号", "云财2024 12号".replace(" ", "")),
    ("[2025]  低保 名单", "2025低保名单"),
    ("关于印发《办法》的通知（2）", "关于印发办法的通知"),
    ("ＡＢＣ－１２３", "abc123"),
    ("", ""),
])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_normalise_strips_unit_prefix():
    assert normalise("云溪区民政局2026年部门预算", ("云溪区民政局",)) == "2026年部门预算"


@pytest.mark.parametrize("url, canonical", [
    ("HTTP://Example.GOV.cn:80/a/b.html#top", "http://example.gov.cn/a/b.html"),
    ("https://x.gov.cn/list?b=2&a=1&utm_source=wx", "https://x.gov.cn/list?a=1&b=2"),
    ("http://127.0.0.1:8080/art/1.html", "http://127.0.0.1:8080/art/1.html"),
])
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


@pytest.fixture(scope="module")
def entries():
    catalog = load_catalog()
    return [e for e in catalog.for_unit({"社会救助", "养老服务"}, "县级") if e.mode == "主动"]


@pytest.mark.parametrize("title, column_domain, kind, expected, decision", [
    ("最低生活保障办事指南（2026年版）", "社会救助", "catalog", "shehui_jiuzhu.zdshbz_bszn", "accept"),
    ("临时救助政策法规文件汇编（2025年第3期）", "社会救助", "catalog", "shehui_jiuzhu.lsjz_zcfgwj", "accept"),
    ("区民政局召开养老服务工作推进会", None, "news", None, "reject"),
    ("区民政局开展文明城市创建宣传活动", None, "news", None, "reject"),
])
def test_matcher_cases(entries, title, column_domain, kind, expected, decision):
    [result] = Matcher().match(entries, [ItemView(1, title, column_domain, kind)])
    assert result.decision == decision, result
    if expected:
        assert result.entry_id == expected
    assert set(result.breakdown) >= {"title_label", "column", "tokens", "news_penalty"}


def test_column_domain_separates_shared_names():
    catalog = load_catalog()
    both = [e for e in catalog.for_unit({"安全生产", "救灾"}, "县级") if e.mode == "主动"]
    shared = {e.level1 + e.level2 for e in both if e.domain == "安全生产"} & \
             {e.level1 + e.level2 for e in both if e.domain == "救灾"}
    assert shared, "the two 应急 domains share item names"
    name = sorted(shared)[0]
    for domain in ("安全生产", "救灾"):
        [r] = Matcher().match(both, [ItemView(1, f"2026年{name}", domain, "catalog")])
        assert catalog.by_id[r.entry_id].domain == domain
    [r] = Matcher().match(both, [ItemView(1, f"2026年{name}", None, "catalog")])
    assert r.decision != "accept"  # no column to tell them apart: a person decides


@pytest.mark.parametrize("raw, expected", [
    ("2024年3月城东街道低保对象公示（第2批）", "城东街道最低生活保障对象公示"),
    ("〔2025〕特困供养人员名单", "特困人员救助供养人员名单"),
    ("2021-2035年国土空间总体规划", "国土空间总体规划"),
    ("0-6岁儿童健康管理", "06岁儿童健康管理"),  # numbers that name things stay
    ("12348法律援助热线（第一季度）", "12348法律援助热线"),
    ("临救审批对象公示", "临时救助审批对象公示"),
])
def test_skeleton_of_canonical_title(raw, expected):
    from auditor.match.normalise import canonical, skeleton

    assert skeleton(canonical(normalise(raw))) == expected


@pytest.mark.parametrize("title, level, published, expected, decision", [
    ("区教育局2025年部门预算", "县级", "2025-02-01", "caizheng_yujuesuan.bmys", "accept"),  # 教育 is the issuer
    ("区卫生健康局2025年部门决算", "县级", "2026-08-01", "caizheng_yujuesuan.bmjs", "accept"),
    ("2028年部门预算", "县级", "2025-02-01", None, "not-accept"),  # year implausible for the publish date
    ("区民政局2025年部门预算", "乡级", "2025-02-01", None, "not-accept"),  # another level's budget
    ("城东街道2025年部门预算", "县级", "2025-02-01", None, "not-accept"),
    ("城东街道2025年部门预算", "乡级", "2025-02-01", "caizheng_yujuesuan.bmys", "accept"),
])
def test_year_and_unit_plausibility(title, level, published, expected, decision):
    from datetime import date

    catalog = load_catalog()
    es = [e for e in catalog.for_unit({"财政预决算"}, level) if e.mode == "主动"]
    [r] = Matcher().match(es, [ItemView(1, title, "财政预决算", "catalog", "", date.fromisoformat(published))],
                          unit_level=level)
    if decision == "accept":
        assert (r.entry_id, r.decision) == (expected, "accept"), r
    else:
        assert r.decision != "accept", r


@pytest.mark.parametrize("title, domains, expected", [
    ("关于2026年5月低保对象名单的公示", {"社会救助", "养老服务"}, "shehui_jiuzhu.zdshbz_spxx"),
    ("高龄津贴发放名单（2026年5月）", {"社会救助", "养老服务"}, "yanglao_fuwu.lnrbtff"),
    ("高龄津贴发放名单（2026年5月）", {"社会救助"}, None),  # neighbouring domain the unit does not hold
    ("城东街道召开低保工作推进会", {"社会救助"}, None),  # news with catalog words
])
def test_candidates_and_neighbouring_domains(title, domains, expected):
    catalog = load_catalog()
    es = [e for e in catalog.for_unit(domains, "乡级") if e.mode == "主动"]
    [r] = Matcher(top_k=3).match(es, [ItemView(1, title)], unit_level="乡级")
    assert len(r.candidates) == min(3, len(es))
    assert [c["score"] for c in r.candidates] == sorted((c["score"] for c in r.candidates), reverse=True)
    assert set(r.candidates[0]["breakdown"]) >= {"title_label", "column", "doc_type", "year", "unit"}
    if expected:
        assert (r.entry_id, r.decision) == (expected, "accept"), r
    else:
        assert r.decision != "accept", r
