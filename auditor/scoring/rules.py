"""Rule sets and scoring schemes as data (rules/*.yaml), validated with unknown keys rejected."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor.errors import ConfigError, RulesError
from auditor.yamlio import format_pydantic_errors, load_yaml

DIMENSIONS = ("completeness", "timeliness", "channels", "site_health")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatchingRules(Strict):
    accept: float = Field(85, ge=0, le=100)
    review: float = Field(70, ge=0, le=100)


class CompletenessRules(Strict):
    healthy_runs: int = Field(1, ge=1)


class TimelinessRules(Strict):
    anchor: Literal["written_date"] = "written_date"
    undated: Literal["defect", "info"] = "defect"


class ChannelRules(Strict):
    verify_online: list[str] = Field(default_factory=lambda: ["WEBSITE", "NEWMEDIA"])


class SiteHealthRules(Strict):
    news_stale_days: int = 14
    notice_stale_days: int = 183
    home_stale_days: int = 14
    dead_link_statuses: list[int] = Field(default_factory=lambda: [404, 410])


class Checks(Strict):
    completeness: CompletenessRules = Field(default_factory=CompletenessRules)
    timeliness: TimelinessRules = Field(default_factory=TimelinessRules)
    channels: ChannelRules = Field(default_factory=ChannelRules)
    site_health: SiteHealthRules = Field(default_factory=SiteHealthRules)


class Grade(Strict):
    min: float
    label: str


class Scheme(Strict):
    name: str
    title: str
    version: str
    matching: MatchingRules = Field(default_factory=MatchingRules)
    checks: Checks = Field(default_factory=Checks)
    weights: dict[Literal["completeness", "timeliness", "channels", "site_health"], float]
    site_health_points: dict[str, float] = Field(default_factory=dict)
    grades: list[Grade]

    def grade(self, score: float | None) -> str:
        if score is None:
            return "未评分"
        for g in sorted(self.grades, key=lambda g: -g.min):
            if score >= g.min:
                return g.label
        return self.grades[-1].label


def rules_dir() -> Path:
    return Path(os.environ.get("AUDITOR_RULES_DIR") or Path(__file__).resolve().parents[2] / "rules")


def load_scheme(name_or_path: str) -> Scheme:
    """A scheme by name (rules/NAME.yaml) or by path; every problem named with file, line and key."""
    path = Path(name_or_path)
    if not path.suffix:
        path = rules_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in rules_dir().glob("*.yaml")))
            raise RulesError(f"unknown scoring scheme {name_or_path!r}", hint=f"known schemes: {known}")
    try:
        doc = load_yaml(path, "rules")
    except ConfigError as exc:
        raise RulesError(exc.message, where=exc.where, hint=exc.hint) from exc
    if not isinstance(doc.data, dict):
        raise RulesError("a rules file must be a mapping", where=f"{path}:1")
    try:
        return Scheme.model_validate(doc.data)
    except ValidationError as exc:
        raise RulesError("invalid rules file:\n  " + "\n  ".join(format_pydantic_errors(doc, exc)),
                         hint="fix the listed keys; see rules/README.md") from exc
