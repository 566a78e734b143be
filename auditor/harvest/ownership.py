"""Which unit an item belongs to: the unit(s) whose channel lists it.

An item is created by the crawl of a unit's column (or an import for a unit's channel), and it is that
unit's evidence. Actions taken for one unit — a URL pasted in the workspace, an import — must never
rewrite an item another unit's channel lists; these helpers say whose an item is, for the refusal message.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.store.models import Channel, ItemListing, Unit


def item_owners(session: Session, item_id: int) -> set[str]:
    """Ids of the units whose channels list the item (empty for an item no channel lists)."""
    return set(session.scalars(select(Channel.unit_id).join(ItemListing, ItemListing.channel_id == Channel.id)
                               .where(ItemListing.item_id == item_id)))


def describe_units(session: Session, unit_ids: set[str]) -> str:
    """「云溪区民政局」(mzj)、… for a message."""
    names = []
    for uid in sorted(unit_ids):
        unit = session.get(Unit, uid)
        names.append(f"「{unit.name}」({uid})" if unit is not None else f"({uid})")
    return "、".join(names)
