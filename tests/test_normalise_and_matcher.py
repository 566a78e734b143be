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
