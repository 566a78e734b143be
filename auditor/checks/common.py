"""Helpers shared by the checks: accepted matches and channel health."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from auditor.vocabulary import ACCEPTED_DECISIONS, Decision

if TYPE_CHECKING:
    from auditor.catalog.models import CatalogEntry
    from auditor.checks.audit_context import AuditContext
    from auditor.store.models import Channel, ColumnHealth, Match

ACCEPTED = ACCEPTED_DECISIONS


def entry_fields(entry: CatalogEntry) -> dict[str, Any]:
    """The catalog row's names, for the message templates of findings about it."""
    return {"level1": entry.level1, "level2": entry.level2, "time_limit": entry.time_limit,
            "channels_text": entry.channels_text}


def accepted_by_entry(ctx: AuditContext, unit_id: str) -> dict[str, list[Match]]:
    out: dict[str, list[Match]] = defaultdict(list)
    for m in ctx.matches.get(unit_id, []):
        if m.decision in ACCEPTED and m.entry_id:
            out[m.entry_id].append(m)
    return out


def accepted_entries(ctx: AuditContext, unit_id: str, *, applicable_only: bool = True,
                     ) -> Iterator[tuple[CatalogEntry, list[Match]]]:
    """The unit's catalog entries with accepted matches, in entry-id order, each with those matches: what the
    publication checks judge. `applicable_only` leaves out entries the unit declared 无此事项."""
    entries = {e.id: e for e in ctx.entries.get(unit_id, [])}
    skip = ctx.not_applicable.get(unit_id, set()) if applicable_only else set()
    for entry_id, matches in sorted(accepted_by_entry(ctx, unit_id).items()):
        entry = entries.get(entry_id)
        if entry is not None and entry_id not in skip:
            yield entry, matches


def review_by_entry(ctx: AuditContext, unit_id: str) -> dict[str, list[Match]]:
    out: dict[str, list[Match]] = defaultdict(list)
    for m in ctx.matches.get(unit_id, []):
        if m.decision == Decision.REVIEW and m.entry_id:
            out[m.entry_id].append(m)
    return out


def recent_health(ctx: AuditContext, channel: Channel, runs: int) -> list[ColumnHealth]:
    """Health rows of the channel in the last `runs` crawl runs (newest first); missing runs count as None."""
    wanted = [r.id for r in ctx.crawl_runs[:runs]]
    by_run = {h.crawl_run_id: h for h in ctx.health.get(channel.id, [])}
    return [by_run[r] for r in wanted if r in by_run]


def read_whole(h: ColumnHealth) -> bool:
    """This crawl read the whole column (coverage complete); rows from before coverage use the status."""
    return h.coverage == "complete" if h.coverage else h.status == "ok"


def healthy(ctx: AuditContext, channel: Channel, runs: int) -> bool:
    """Read whole (coverage complete) in each of the last `runs` crawl runs: only then can absence be judged."""
    rows = recent_health(ctx, channel, runs)
    wanted = min(runs, len(ctx.crawl_runs))
    return wanted > 0 and len(rows) == wanted and all(read_whole(h) for h in rows)


def channel_codes_of_item(ctx: AuditContext, item_id: int) -> set[str]:
    return {ch.code for _, ch in ctx.listings.get(item_id, [])}


def item_url(ctx: AuditContext, item_id: int) -> str:
    item = ctx.items.get(item_id)
    return item.canonical_url if item else ""


def published_on(ctx: AuditContext, item_id: int) -> date | None:
    """Publication date of an item: the detail page's 发布日期, else the date its list showed (parsed once,
    by harvest; `store.models.listed_date`)."""
    from auditor.store.models import listed_date

    item = ctx.items.get(item_id)
    if item is None:
        return None
    return item.publish_date or listed_date(listing for listing, _ in ctx.listings.get(item_id, []))


def website_items(ctx: AuditContext, matches: list[Match]) -> list[Match]:
    """Matches whose item was found on a website column or platform (feeds mirror them)."""
    return [m for m in matches if channel_codes_of_item(ctx, m.item_id) & {"WEBSITE", "PLATFORM"}]
