"""The check vocabulary is derived from the check classes in auditor/checks/ (one file per check): the
registry, the scheme's `checks:` model, engine.CHECKS and the report labels all agree with the classes."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from auditor.checks import registry
from auditor.checks.base import Check
from auditor.report import labels as L
from auditor.scheme import ALL_RULES, CHECK_DIMENSION, RULES_BY_CHECK, Checks
from auditor.scoring.engine import CHECKS

CHECKS_DIR = Path(registry.__file__).parent


def test_every_table_is_derived_from_the_classes():
    types = [c.type for c in registry.CHECK_CLASSES]
    assert list(CHECK_DIMENSION) == list(CHECKS) == list(Checks.model_fields) == types
    assert [c.order for c in registry.CHECK_CLASSES] == sorted(c.order for c in registry.CHECK_CLASSES)
    for c in registry.CHECK_CLASSES:
        assert isinstance(CHECKS[c.type], c) and Checks.model_fields[c.type].annotation is c.Params
        assert L.DIMENSIONS[c.type] == c.label
        for r in c.rules:
            assert (r.code in RULES_BY_CHECK[c.type]) == r.scorable == (r.code in ALL_RULES)
            assert L.RULES.get(r.code) == r.label


def test_each_check_emits_only_the_rules_it_declares_with_their_messages():
    """Every finding is built by `draft` from a declared message (so from a declared rule): a rule no scheme
    could name and no report could label cannot slip in, and every rule has its wording in the class."""
    for c in registry.CHECK_CLASSES:
        source = inspect.getsource(inspect.getmodule(c))
        assert "FindingDraft(" not in source, c.type
        used = set(re.findall(r'\.draft\(\s*"([a-z_:]+)"', source))
        used |= set(re.findall(r'\(\s*"([a-z_]+_veto)", \w+, rules\.', source))  # site health's red lines, from a table
        assert used <= set(c.messages), (c.type, used - set(c.messages))
        assert {k.partition(":")[0] for k in c.messages} == {r.code for r in c.rules}, c.type


def test_check_modules_sit_below_the_scheme_and_scoring():
    """The scheme is built from the checks, and scoring runs them: a check module imports neither."""
    for path in sorted(CHECKS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        bad = sorted(m for m in imported if m == "auditor.scheme" or m.startswith(("auditor.scoring", "auditor.match")))
        assert bad == [], (path.name, bad)


def test_a_check_class_must_name_a_known_dimension():
    try:
        type("Bogus", (Check,), {"type": "bogus", "dimension": "beauty", "label": "x", "order": 99})
    except TypeError as exc:
        assert "unknown dimension 'beauty'" in str(exc)
    else:
        raise AssertionError("a check with an unknown dimension was accepted")
    assert "bogus" not in CHECK_DIMENSION  # classes outside auditor/checks/ never join the vocabulary


def _finding(rule: str, status: str, title: str, fix: str, evidence: dict):
    from auditor.store.models import Finding

    return Finding(id=1, key="k", unit_id="u", check="completeness", rule=rule, status=status, title=title, fix=fix,
                   evidence=evidence, points=0.0, lifecycle="new", channels_missing=[])


def test_the_report_reads_reason_and_fix_column_from_the_evidence():
    from auditor.report.findings import finding_row

    cols = [{"name": "专栏", "coverage": ["partial"], "health": ["ok"]}]
    now = _finding("unverified", "unverified", "无法核实（标题里的说法）：甲 / 乙", "",
                   {"columns": cols, "reason": "栏目「专栏」未完整读取：第2页超时"})
    assert finding_row(now, {}, {}).reason == "栏目「专栏」未完整读取：第2页超时"
    none = _finding("site_blocked", "unverified", "抓取被拒绝，无法核实站点状态：某站（旧称）", "", {"reason": None})
    assert finding_row(none, {}, {}).reason == L.RULES["site_blocked"]
    missing = _finding("missing", "defect", "未公开：甲 / 乙", "在「文中的栏目」栏目公开乙", {"fix_column": "公开/栏目"})
    assert finding_row(missing, {}, {}).fix_where == "公开/栏目"
    # rows stored before the evidence carried these keys are still read as they were
    old = _finding("unverified", "unverified", "无法核实（标题里的说法）：甲 / 乙", "", {"columns": cols})
    assert finding_row(old, {}, {}).reason == "标题里的说法"
    old_missing = _finding("missing", "defect", "未公开：甲 / 乙", "在「文中的栏目」栏目公开乙", {})
    assert finding_row(old_missing, {}, {}).fix_where == "文中的栏目"
