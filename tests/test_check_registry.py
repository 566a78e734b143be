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


def test_each_check_emits_only_the_rules_it_declares():
    """A rule string in a check's module that its class does not declare would be a rule no scheme can
    name and no report can label."""
    for c in registry.CHECK_CLASSES:
        source = inspect.getsource(inspect.getmodule(c))
        emitted = set(re.findall(r'\brule="([a-z_]+)"', source))
        emitted |= set(re.findall(r'\(\s*"([a-z_]+_veto)"', source))  # site health's red lines, from a table
        assert emitted <= {r.code for r in c.rules}, (c.type, emitted - {r.code for r in c.rules})


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
