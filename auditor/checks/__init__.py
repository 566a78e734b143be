"""The check vocabulary: one class per check type, one module per class (see base.py). Reached through
auditor.checks.registry; this package never imports auditor.scheme or auditor.scoring."""

from __future__ import annotations

from auditor.checks.base import DIMENSIONS, Check, CheckParams, CheckResult, FindingDraft, Message, RuleSpec

__all__ = ["DIMENSIONS", "Check", "CheckParams", "CheckResult", "FindingDraft", "Message", "RuleSpec"]
