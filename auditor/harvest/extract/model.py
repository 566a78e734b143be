"""Result types of detail-page extraction.

Every value carries where it came from (``source``) and the text it was read
from (``raw``): an auditor has to be able to show why a date was taken to be
the publish date, and a wrong value is only fixable if its origin is visible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Attachment", "DetailExtract", "Field", "Source", "SCALAR_FIELDS", "JSON_SCALAR_FIELDS"]

# "adapter:<name>" is also allowed: a platform-specific cue, named after the platform.
Source = Literal["meta_tag", "label", "page_text", "url", "title_tag", "fallback", "signature"] | str

FieldValue = str | dt.date | None


@dataclass(frozen=True)
class Field:
    """One extracted value with its provenance.

    ``source`` is None only when nothing was found (``value`` is then None too).
    """

    value: FieldValue = None
    source: Source | None = None
    raw: str | None = None

    @property
    def found(self) -> bool:
        return self.value is not None

    def json_value(self) -> str | None:
        if isinstance(self.value, dt.date):
            return self.value.isoformat()
        return self.value

    def provenance(self) -> dict[str, str | None]:
        return {"source": self.source, "raw": self.raw}


MISSING = Field()


@dataclass(frozen=True)
class Attachment:
    """A downloadable file linked from the page; ``type`` is its lower-case extension."""

    name: str
    url: str
    type: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "url": self.url, "type": self.type}


# Scalar fields in the order they appear in the JSON.
JSON_SCALAR_FIELDS: tuple[str, ...] = (
    "title",
    "publish_date",
    "written_date",
    "index_no",
    "publisher",
    "source",
    "doc_no",
    "category",
    "validity",
)
SCALAR_FIELDS: tuple[str, ...] = (*JSON_SCALAR_FIELDS, "body_text", "author")


@dataclass
class DetailExtract:
    """Metadata of one detail page (政府信息公开 article or news item)."""

    title: Field = MISSING
    publish_date: Field = MISSING
    written_date: Field = MISSING
    index_no: Field = MISSING
    publisher: Field = MISSING
    # 来源 as printed: a website or medium is kept here, never as the publisher
    source: Field = MISSING
    doc_no: Field = MISSING
    category: Field = MISSING
    validity: Field = MISSING
    body_text: Field = MISSING
    attachments: list[Attachment] = field(default_factory=list)
    body_hash: str = ""
    encoding: str = ""
    # Not in the JSON: 作者 is the web editor, kept so it is never mistaken for a publisher.
    author: Field = MISSING
    url: str = ""

    @property
    def body_length(self) -> int:
        """Characters of body text, whitespace excluded, so layout changes don't move it."""
        text = self.body_text.value
        if not isinstance(text, str):
            return 0
        return sum(1 for ch in text if not ch.isspace())

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON object; dates as YYYY-MM-DD, missing values as null."""
        out: dict[str, Any] = {name: getattr(self, name).json_value() for name in JSON_SCALAR_FIELDS}
        out["attachments"] = [a.to_json() for a in self.attachments]
        out["body_length"] = self.body_length
        out["provenance"] = {
            name: getattr(self, name).provenance() for name in (*JSON_SCALAR_FIELDS, "body_text")
        }
        return out

