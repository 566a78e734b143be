"""Publisher, not source: who issued a page, as opposed to where the editor says it came from.

The 来源 label is whatever the web editor typed: often the issuing body, but as often a website or a
medium (本网, 新华网, 人民日报, 商丘市采购网 …), which is not the 发布机构 (procurement notices on a county
portal are not "published by" a city procurement website). It is kept as the page's `source`; it becomes
the publisher only when it names an issuing body. The signature of an official document (the body's
name on the line above its date at the end of the text) names the issuer better than 来源.
Word lists are data: issuers.yaml beside this module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from auditor.harvest.extract.dates import is_date_only

DATA = Path(__file__).with_name("issuers.yaml")
SIGNATURE_LINES = 8  # the signature sits in the last lines of the body
MAX_NAME = 40
_BLANK = re.compile(r"[\s\u3000\xa0]+")
_PROSE = re.compile(r"[，。；！？,;!?：:（）()“”]")


@lru_cache(maxsize=1)
def _lists() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8")) or {}
    return {k: tuple(str(v) for v in data.get(k) or ()) for k in
            ("media_names", "media_suffixes", "media_words", "issuer_suffixes")}


def _clean(text: str) -> str:
    return _BLANK.sub("", text or "")


def is_medium(text: str | None) -> bool:
    """A website, newspaper, broadcaster or new-media account (本网, 新华网, 人民日报, …报, 电视台, 微信公众号)."""
    name = _clean(text or "")
    if not name:
        return False
    lists = _lists()
    low = name.lower()
    return (name in lists["media_names"] or name.endswith(lists["media_suffixes"])
            or any(w in low for w in lists["media_words"]))


def is_issuing_body(text: str | None) -> bool:
    """A name of an organ that issues documents in its own name (…局, …人民政府, …办事处, …中心)."""
    name = _clean(text or "")
    if not name or len(name) > MAX_NAME or _PROSE.search(name) or is_medium(name):
        return False
    return name.endswith(_lists()["issuer_suffixes"])


def signature_issuer(body_lines: list[str]) -> tuple[str, str] | None:
    """(name, raw line) of the issuing body signed above a date-only line at the end of the body."""
    tail = [line.strip() for line in body_lines[-SIGNATURE_LINES:]]
    for i in range(len(tail) - 1, 0, -1):
        if is_date_only(tail[i]):
            above = _clean(tail[i - 1])
            if is_issuing_body(above):
                return above, tail[i - 1]
    return None
