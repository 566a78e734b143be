"""Moved to auditor.checks.deadlines (the checks sit below the scheme); this name stays for auditor.sample."""

from __future__ import annotations

from auditor.checks.deadlines import deadline_for

__all__ = ["deadline_for"]
