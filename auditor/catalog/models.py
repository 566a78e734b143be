"""Schema of a catalog file (one YAML file per domain) and the runtime catalog objects.

Strict (extra='forbid') so that a misspelt key in hand-edited YAML is an error with a row number,
not a silently ignored field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from auditor.catalog.channels import CHANNELS, ChannelReq
from auditor.catalog.deadline import DeadlineRule, parse_time_limit
from auditor.errors import CatalogError

Level = Literal["县级", "乡级"]
Mode = Literal["主动", "依申请"]
Stage = Literal["决策", "执行", "管理", "服务", "结果"]
Period = Literal["annual", "semiannual", "quarterly", "monthly"]
LEVELS: tuple[str, ...] = ("县级", "乡级")
ID_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$"
UNBACKED = "unbacked"


class EntryModel(BaseModel):
    """One row of a domain catalog (公开事项)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    level1: str = Field(min_length=1)
    level2: str = Field(min_length=1)
    level3: str | None = None
    content: str = Field(min_length=1)
    basis: str = ""
    time_limit: str
    subject: str = Field(min_length=1)
    channels: list[ChannelReq] = Field(min_length=1)
    channels_text: str = ""
    audience: str = Field(min_length=1)
    mode: Mode
    levels: list[Level] = Field(min_length=1)
    stage: Stage | None = None
    stage_inferred: bool = False
    keywords: list[str] = Field(min_length=1)
    doc_types: list[str] = Field(default_factory=list)
    period: Period | None = None
    source: str
    # Backing detail (catalogs/README.md "Backed and reconstructed rows"): the published item when it is
    # named differently; source_element when this row transcribes one element of a wider published row;
    # the published 公开时限 verbatim when `time_limit` had to be reworded for today's parser.
    source_item: str = ""
    source_element: bool = False
    time_limit_published: str = ""

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        if v != UNBACKED and not re.match(r"^https?://\S+", v):
            raise ValueError(f"must be an http(s) URL or the literal {UNBACKED!r}")
        return v

    @field_validator("levels")
    @classmethod
    def _levels_unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("duplicate level")
        return v

    @field_validator("keywords", "doc_types")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not str(x).strip() for x in v):
            raise ValueError("blank string in list")
        return v

    @field_validator("time_limit")
    @classmethod
    def _no_ditto(cls, v: str) -> str:
        if v.strip() == "同上":
            raise ValueError("'同上' must be replaced by the previous row's text")
        return v


class CatalogFileModel(BaseModel):
    """Header of a domain file; entries are validated one by one (see loader)."""

    model_config = ConfigDict(extra="forbid")

    domain: str = Field(min_length=1)
    domain_code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str
    effective: date
    sources: list[str] = Field(default_factory=list)
    entries: list[Any] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v


class CatalogSetModel(BaseModel):
    """catalogs/catalog.yaml: version and effective date of the whole catalog set."""

    model_config = ConfigDict(extra="forbid")

    version: str
    effective: date
    title: str = ""
    notes: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v


class CatalogEntry(EntryModel):
    """An entry plus the domain it belongs to; `.deadline` is the parsed 公开时限 (cached)."""

    domain: str
    domain_code: str

    @property
    def backed(self) -> bool:
        """True when a published row backs this entry (its `source` is that page's URL)."""
        return self.source != UNBACKED

    @cached_property
    def deadline(self) -> DeadlineRule:
        return parse_time_limit(self.time_limit)

    @property
    def title(self) -> str:
        return "/".join(x for x in (self.level1, self.level2, self.level3) if x)

    @property
    def required_channels(self) -> list[str]:
        """Codes of the ■ channels, in order, without repeats."""
        return list(dict.fromkeys(c.code for c in self.channels if c.required))

    @property
    def online_required(self) -> bool:
        """True if at least one required channel can be checked by crawling."""
        return any(CHANNELS[c].online for c in self.required_channels)


@dataclass
class Catalog:
    """All domain catalogs loaded together."""

    version: str
    effective: date
    entries: list[CatalogEntry]
    by_id: dict[str, CatalogEntry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.by_id:
            self.by_id = {e.id: e for e in self.entries}

    def domains(self) -> list[str]:
        """Domain names (Chinese) in catalog order."""
        return list(dict.fromkeys(e.domain for e in self.entries))

    def domain_codes(self) -> dict[str, str]:
        """Domain name → domain code."""
        return {e.domain: e.domain_code for e in self.entries}

    def by_domain(self, domain: str) -> list[CatalogEntry]:
        """Entries of one domain, given its Chinese name or its code."""
        return [e for e in self.entries if domain in (e.domain, e.domain_code)]

    def for_unit(self, domains: set[str], level: str) -> list[CatalogEntry]:
        """Entries a unit of `level` (县级/乡级) must publish for the given domains (names or codes).

        Mode (主动/依申请) is not filtered: the caller decides what to do with 依申请 rows.
        """
        if level not in LEVELS:
            raise CatalogError(f"unknown level {level!r}", hint="use 县级 or 乡级")
        return [e for e in self.entries
                if level in e.levels and (e.domain in domains or e.domain_code in domains)]
