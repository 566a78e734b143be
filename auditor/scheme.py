"""Rule sets and scoring schemes as data (rules/*.yaml), validated with unknown keys rejected. Read by the
matcher (its accept/review thresholds) and by the scoring engine, so it sits below both packages.

A scheme file has two halves:

* `checks:` — the rule set: which checks of the fixed vocabulary run, with typed parameters
  (each check class in auditor/checks/ brings its own `Params` model; `Checks` is built from them);
* `scoring:` — how findings become scores: either `method: weighted` (dimension scores from the
  share of things checked that failed, weighted into an overall score) or `method: deductions`
  (the 国办 inspection structure: 单项否决 → 100-point deductions capped per indicator → below
  `fail_below` fails → above `bonus_above` unlocks bonus items up to `bonus_cap`).

Every key is documented in rules/README.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from auditor.checks.base import DIMENSIONS
from auditor.checks.registry import CHECK_CLASSES, CHECK_DIMENSION, RULES_BY_CHECK
from auditor.errors import ConfigError, RulesError
from auditor.yamlio import format_pydantic_errors, load_yaml

Dimension = Literal["completeness", "timeliness", "channels", "site_health"]
assert get_args(Dimension) == DIMENSIONS  # the check vocabulary's dimensions, spelled out for pydantic's messages

# The check vocabulary comes from the check classes (auditor/checks/, one file per check):
# CHECK_DIMENSION (check type -> the dimension its findings count in), RULES_BY_CHECK (the rules a check
# emits that a scoring key may name). ALL_RULES is what `scoring:` may name.
ALL_RULES = frozenset(r for rules in RULES_BY_CHECK.values() for r in rules)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- the rule set


class MatchingRules(Strict):
    accept: float = Field(85, ge=0, le=100)
    review: float = Field(70, ge=0, le=100)


class _ChecksBase(Strict):
    def enabled(self) -> list[str]:
        return [name for name in CHECK_DIMENSION if getattr(self, name).enabled]


# `checks:` — one field per check type, typed by the check's own Params model, in run order.
Checks = create_model(
    "Checks", __base__=_ChecksBase, __module__=__name__,
    **{c.type: (c.Params, Field(default_factory=c.Params)) for c in CHECK_CLASSES})


# --------------------------------------------------------------------------- scoring


def _known_rules(v: dict[str, float] | list[str]) -> dict[str, float] | list[str]:
    unknown = sorted(set(v) - ALL_RULES)
    if unknown:
        raise ValueError(f"unknown rule(s) {unknown}; known: {sorted(ALL_RULES)}")
    return v


class Grade(Strict):
    min: float
    label: str


class WeightedScoring(Strict):
    method: Literal["weighted"]
    weights: dict[Dimension, float]
    site_health_points: dict[str, float] = Field(default_factory=dict)
    veto: list[str] = Field(default_factory=list)  # rules that fail the unit (grade) whatever its score
    veto_grade: str = "不合格"

    @field_validator("site_health_points", "veto")
    @classmethod
    def _known(cls, v):
        return _known_rules(v)

    @field_validator("weights")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in v.values()):
            raise ValueError("weights must be ≥ 0")
        if not any(w > 0 for w in v.values()):
            raise ValueError("at least one weight must be > 0")
        return v


class Indicator(Strict):
    label: str
    max_points: float = Field(gt=0, le=100)  # deductions within the indicator are capped here
    deductions: dict[str, float]  # rule -> points per defect finding

    @field_validator("deductions")
    @classmethod
    def _known(cls, v):
        return _known_rules(v)


class BonusItem(Strict):
    id: str
    label: str
    points: float = Field(gt=0, le=100)
    # granted when the unit has no defect finding of any of these rules ...
    clean_of: list[str] = Field(min_length=1)
    # ... among at least this many things checked in the named dimension
    min_checked: int = Field(1, ge=0)
    dimension: Dimension

    @field_validator("clean_of")
    @classmethod
    def _known(cls, v):
        return _known_rules(v)


class DeductionScoring(Strict):
    method: Literal["deductions"]
    veto: list[str] = Field(default_factory=list)
    veto_score: float = Field(0, ge=0, le=100)
    indicators: dict[Dimension, Indicator]
    fail_below: float = Field(60, ge=0, le=100)
    bonus_above: float = Field(80, ge=0, le=100)
    bonus_cap: float = Field(20, ge=0, le=100)
    bonus: list[BonusItem] = Field(default_factory=list)

    @field_validator("veto")
    @classmethod
    def _known(cls, v):
        return _known_rules(v)

    @model_validator(mode="after")
    def _caps(self) -> DeductionScoring:
        total = sum(i.max_points for i in self.indicators.values())
        if abs(total - 100) > 1e-6:
            raise ValueError(f"indicators' max_points must add up to 100 (they add up to {total:g})")
        ids = [b.id for b in self.bonus]
        if len(ids) != len(set(ids)):
            raise ValueError("bonus ids must be unique")
        return self


Scoring = Annotated[WeightedScoring | DeductionScoring, Field(discriminator="method")]


class RankingRules(Strict):
    """Who is ranked against whom (fair scores): only units assessed on the same dimensions."""

    # completeness: below this share of obligations verified (the rest unverified), a unit is
    # 未完整评估 (not ranked, no grade earned on the other dimensions)
    min_assessed_share: float = Field(0.5, ge=0, le=1)
    # grade of a unit whose completeness could not be assessed at all (no catalog obligations, or every
    # one unverified): never a grade earned on the other dimensions alone; a veto still fails it
    unassessed_grade: str = "未完整评估"


class UpcomingRules(Strict):
    working_days: int = Field(20, ge=1, le=250)  # horizon of the upcoming-obligations list


class Scheme(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    version: str
    matching: MatchingRules = Field(default_factory=MatchingRules)
    checks: Checks = Field(default_factory=Checks)
    scoring: Scoring
    upcoming: UpcomingRules = Field(default_factory=UpcomingRules)
    ranking: RankingRules = Field(default_factory=RankingRules)
    grades: list[Grade] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: object) -> object:
        return str(v) if isinstance(v, (int, float)) else v

    @property
    def weights(self) -> dict[str, float]:
        """Dimension weights (weighted) or indicator caps (deductions)."""
        if isinstance(self.scoring, WeightedScoring):
            return dict(self.scoring.weights)
        return {d: i.max_points for d, i in self.scoring.indicators.items()}

    @property
    def veto_rules(self) -> frozenset[str]:
        return frozenset(self.scoring.veto)

    def grade(self, score: float | None) -> str:
        if score is None:
            return "未评分"
        for g in sorted(self.grades, key=lambda g: -g.min):
            if score >= g.min:
                return g.label
        return sorted(self.grades, key=lambda g: g.min)[0].label


def rules_dir() -> Path:
    return Path(os.environ.get("AUDITOR_RULES_DIR") or Path(__file__).resolve().parents[1] / "rules")


def scheme_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if not path.suffix and os.sep not in name_or_path and "/" not in name_or_path:
        path = rules_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            known = ", ".join(shipped_schemes())
            raise RulesError(f"unknown scoring scheme {name_or_path!r}", hint=f"known schemes: {known}")
    return path


NOT_SCHEMES = {"matcher_figures"}  # data files beside the schemes in rules/ (the matcher's measured figures)


def load_scheme(name_or_path: str) -> Scheme:
    """A scheme by name (rules/NAME.yaml) or by path; every problem named with file, line and key."""
    path = scheme_path(name_or_path)
    try:
        doc = load_yaml(path, "rules")
    except ConfigError as exc:
        raise RulesError(exc.message, where=exc.where, hint=exc.hint) from exc
    if not isinstance(doc.data, dict):
        raise RulesError("a rules file must be a mapping", where=f"{path}:1")
    try:
        scheme = Scheme.model_validate(doc.data)
    except ValidationError as exc:
        raise RulesError("invalid rules file:\n  " + "\n  ".join(format_pydantic_errors(doc, exc)),
                         hint="fix the listed keys; see rules/README.md") from exc
    base = path.resolve().parent
    catalogs = {u: str((base / p).resolve()) if not Path(p).is_absolute() else p
                for u, p in scheme.checks.conformity.unit_catalogs.items()}
    if catalogs:
        conf = scheme.checks.conformity.model_copy(update={"unit_catalogs": catalogs})
        scheme = scheme.model_copy(update={"checks": scheme.checks.model_copy(update={"conformity": conf})})
    return scheme


def shipped_schemes() -> list[str]:
    return sorted(p.stem for p in rules_dir().glob("*.yaml") if p.stem not in NOT_SCHEMES)

