"""The check vocabulary, derived from the check classes: every module of this package is imported and every
`Check` subclass that sets `type` is a check. Nothing else lists the checks, so adding a check is one file
(plus its test); `auditor.scheme`, `auditor.scoring.engine` and `auditor.report.labels` read the tables below.
"""

from __future__ import annotations

import importlib
import pkgutil

import auditor.checks
from auditor.checks.base import Check, RuleSpec


def _subclasses(cls: type[Check]) -> list[type[Check]]:
    out: list[type[Check]] = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def _discover() -> tuple[type[Check], ...]:
    """The check classes of this package in run order; refuses two checks of one type or one rule code."""
    for mod in pkgutil.iter_modules(auditor.checks.__path__):
        importlib.import_module(f"{auditor.checks.__name__}.{mod.name}")
    found = [c for c in _subclasses(Check) if "type" in c.__dict__
             and c.__module__.startswith(f"{auditor.checks.__name__}.")]
    found.sort(key=lambda c: (c.order, c.type))
    seen: dict[str, str] = {}
    for c in found:
        for code in [f"check {c.type}", *(r.code for r in c.rules)]:
            if code in seen:
                raise TypeError(f"{code!r} is declared by both {seen[code]} and {c.__qualname__}")
            seen[code] = c.__qualname__
    return tuple(found)


CHECK_CLASSES: tuple[type[Check], ...] = _discover()

# check type -> the dimension its findings count in
CHECK_DIMENSION: dict[str, str] = {c.type: c.dimension for c in CHECK_CLASSES}

# check type -> the rules a rules file may name (scoring keys, veto lists)
RULES_BY_CHECK: dict[str, tuple[str, ...]] = {c.type: tuple(r.code for r in c.rules if r.scorable)
                                              for c in CHECK_CLASSES}

# every rule a check may emit, scorable or not
RULE_SPECS: dict[str, RuleSpec] = {r.code: r for c in CHECK_CLASSES for r in c.rules}

# Chinese labels: of each check type, and of each rule that has one
CHECK_LABELS: dict[str, str] = {c.type: c.label for c in CHECK_CLASSES}
RULE_LABELS: dict[str, str] = {code: r.label for code, r in RULE_SPECS.items() if r.label is not None}
