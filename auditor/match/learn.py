"""What reviewer decisions teach the matcher, per unit.

A decision always overrides the matcher for its own item (auditor.match.matching). Beyond that item:

* ``confirm`` / ``relink`` — the item's title *pattern* (normalised, abbreviations expanded, years, months,
  issue and batch numbers and the unit's own name dropped, 关于…的公示 unwrapped: see
  ``normalise.title_pattern``) becomes a label of the entry for this unit, and a later item with the same
  pattern gets the alias boost; the item's column path becomes a column alias of the entry when every
  confirmation from that column names the same entry.
* ``reject`` — the pattern is penalised for the entry the matcher had proposed (``entry_id`` of the decision,
  else the evidence's matcher entry), so the same wrong link is not proposed again.
* ``not_applicable`` — the entry is not this unit's (scoring drops it from completeness); nothing to learn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from auditor.match.matcher import Learned
from auditor.match.normalise import canonical, normalise, title_pattern


@dataclass(frozen=True)
class Lesson:
    """One decision with the item facts it is about (no ORM objects, so it is testable on its own)."""

    action: str  # confirm | relink | reject | not_applicable
    entry_id: str | None
    title: str
    column_path: str = ""


def learn(lessons: Iterable[Lesson], unit_prefixes: tuple[str, ...] = ()) -> Learned:
    """Patterns and columns taught by a unit's decisions, oldest first (a later decision wins)."""
    learned = Learned()
    column_votes: dict[str, set[str]] = {}
    for lesson in lessons:
        if not lesson.entry_id or not lesson.title:
            continue
        pattern = title_pattern(lesson.title, unit_prefixes)
        if lesson.action in ("confirm", "relink"):
            if len(pattern) >= 2:
                learned.patterns[pattern] = lesson.entry_id
                learned.rejected.get(pattern, set()).discard(lesson.entry_id)
            path = canonical(normalise(lesson.column_path))
            if path:
                column_votes.setdefault(path, set()).add(lesson.entry_id)
        elif lesson.action == "reject" and len(pattern) >= 2:
            learned.rejected.setdefault(pattern, set()).add(lesson.entry_id)
            if learned.patterns.get(pattern) == lesson.entry_id:
                del learned.patterns[pattern]
    learned.columns = {path: next(iter(ids)) for path, ids in column_votes.items() if len(ids) == 1}
    return learned
