"""The check contract: one class per check type, and everything else is derived from the classes.

A check class declares its `type` (the key under `checks:` in a rules file, and `Finding.check`), the
`dimension` its findings count in, its Chinese `label`, the `rules` it may emit (code and label), the
`messages` its findings read (title and fix templates), its typed `Params` (the pydantic model of its
`checks.<type>:` block) and its place in the run `order`. Its `run(ctx)` turns the audit context into a
CheckResult, building each finding with `draft`. `auditor.checks.registry` collects the classes;
`auditor.scheme` builds the `checks:` model and the rule vocabulary from them, `auditor.scoring.engine`
runs them and `auditor.report.labels` takes their labels, so adding a check is one file plus its test.

This package sits below `auditor.scheme` (which is built from it) and below `auditor.scoring` (which runs
it): a check module never imports either, so the package graph stays free of cycles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

from auditor.vocabulary import FindingStatus

if TYPE_CHECKING:
    from auditor.checks.audit_context import AuditContext

# The fixed scoring dimensions, in report order; every check counts its findings in one of them.
DIMENSIONS: tuple[str, ...] = ("completeness", "timeliness", "channels", "site_health")


@dataclass(frozen=True)
class RuleSpec:
    """One rule (finding.rule) a check emits.

    `scorable` rules form the scheme's rule vocabulary (scoring keys, veto lists, rules/README.md);
    a rule that is not scorable is emitted but may not be named in a rules file.
    """

    code: str
    label: str | None  # the Chinese label reports show; None shows the code itself
    scorable: bool = True


@dataclass(frozen=True)
class Message:
    """A finding's title and fix as `str.format` templates, filled from the fields the check passes."""

    title: str
    fix: str = ""


class CheckParams(BaseModel):
    """The `checks.<type>:` block of a rules file; unknown keys are errors, as everywhere in a scheme."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True


@dataclass(eq=False)  # identity: aggregate keys each draft's points by the draft itself
class FindingDraft:
    """A finding before it is stored.

    `evidence` holds everything a reader needs as data (columns, reason, dates …), so no consumer parses
    `title` or `fix`. Points are not stored here: auditor.scoring.aggregate returns them per finding.
    """

    check: str
    rule: str
    status: FindingStatus
    title: str
    unit_id: str | None = None
    site_id: str | None = None
    entry_id: str | None = None
    domain: str | None = None
    severity: str = "major"
    evidence: dict[str, Any] = field(default_factory=dict)
    days_late: int | None = None
    channels_missing: list[str] = field(default_factory=list)
    fix: str = ""
    key: str = ""


@dataclass
class CheckResult:
    """A check's findings and its basis (how many things it checked)."""

    findings: list[FindingDraft] = field(default_factory=list)
    # unit id -> domain (or "") -> number of things checked: the denominator of the dimension score
    basis: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


class Check:
    """Base class of every check; a subclass that sets `type` is a check of the vocabulary."""

    type: ClassVar[str]
    dimension: ClassVar[str]
    label: ClassVar[str]
    order: ClassVar[int]  # run order: findings are stored, and counted, in this order
    rules: ClassVar[tuple[RuleSpec, ...]] = ()
    # "rule" (or "rule:variant" for a second wording of one rule) -> its title and fix templates
    messages: ClassVar[dict[str, Message]] = {}
    Params: ClassVar[type[CheckParams]] = CheckParams

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type" not in cls.__dict__:
            return
        missing = [a for a in ("dimension", "label", "order") if not hasattr(cls, a)]
        if missing:
            raise TypeError(f"check {cls.type!r} ({cls.__qualname__}) does not set {', '.join(missing)}")
        if cls.dimension not in DIMENSIONS:
            raise TypeError(f"check {cls.type!r}: unknown dimension {cls.dimension!r}; known: {DIMENSIONS}")
        codes = [r.code for r in cls.rules]
        if len(codes) != len(set(codes)):
            raise TypeError(f"check {cls.type!r} declares a rule twice: {codes}")
        undeclared = sorted(k for k in cls.messages if k.partition(":")[0] not in codes)
        if undeclared:
            raise TypeError(f"check {cls.type!r} has messages for undeclared rules: {undeclared}")

    @classmethod
    def draft(cls, message: str, status: FindingStatus, fields: Mapping[str, Any], **finding: Any) -> FindingDraft:
        """A finding of this check: its rule is the message key's ("rule" or "rule:variant"), its title and fix
        are the message's templates filled with `fields`; `finding` gives the other FindingDraft fields."""
        m = cls.messages[message]
        return FindingDraft(check=cls.type, rule=message.partition(":")[0], status=status,
                            title=m.title.format_map(fields), fix=m.fix.format_map(fields), **finding)

    def params(self, ctx: AuditContext) -> Any:
        """This check's block of the scheme's rule set (an instance of `Params`)."""
        return getattr(ctx.scheme.checks, self.type)

    def run(self, ctx: AuditContext) -> CheckResult:
        raise NotImplementedError

    def __call__(self, ctx: AuditContext) -> CheckResult:
        return self.run(ctx)
