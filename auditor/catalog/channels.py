"""公开渠道和载体: canonical channel codes and the parser for catalog channel cells.

The codes and their online-verifiability are fixed here (code depends on them); the synonym map that
turns free text into codes is data (catalogs/channels.yaml) because every new catalog brings new
spellings ("中国·海林政府网", "嘉荫县司法局公众号") and those must be addable without a code change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from auditor.catalog.paths import data_file
from auditor.errors import CatalogError


@dataclass(frozen=True)
class Channel:
    """One canonical channel; `online` = verifiable by crawling, else only by recorded evidence."""

    code: str
    name: str
    online: bool


CHANNELS: dict[str, Channel] = {
    c.code: c
    for c in (
        Channel("WEBSITE", "政府网站", True),
        Channel("GAZETTE", "政府公报", True),
        Channel("NEWMEDIA", "政务新媒体", True),
        Channel("PRESS", "发布会/听证会", False),
        Channel("BROADCAST", "广播电视", False),
        Channel("PRINT", "纸质媒体", False),
        Channel("READING", "公开查阅点", False),
        Channel("SVC_CENTER", "政务服务中心", False),
        Channel("CONV_STATION", "便民服务站", False),
        Channel("DOOR", "入户/现场", False),
        Channel("BOARD", "公示栏(电子屏)", False),
        Channel("PUSH", "精准推送", False),
        Channel("PLATFORM", "专业平台", True),
        Channel("OTHER", "其他", False),
    )
}

ONLINE_CODES: frozenset[str] = frozenset(c.code for c in CHANNELS.values() if c.online)


class ChannelReq(BaseModel):
    """One channel of a catalog row: ■ (required) or □ (optional), with the text as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    required: bool = True
    text: str

    @field_validator("code")
    @classmethod
    def _known_code(cls, v: str) -> str:
        if v not in CHANNELS:
            raise ValueError(f"unknown channel code {v!r} (known: {', '.join(CHANNELS)})")
        return v


# ■ checked / □ unchecked; ◆ ▲ ▄ are other "checked" glyphs; R and £ are ■/□ after a GBK mangling.
CHECKED = "■◆▲▄R"
UNCHECKED = "□£"
_MARKER_RE = re.compile(r"(?:(?<![A-Za-z])[R£](?=[^\x00-\x7f])|[■◆▲▄□])")
_ANNOTATION_RE = re.compile(r"\((?:其余|注|merged|□|not shown)[^()]*(?:\([^()]*\)[^()]*)*\)")
_NUMBERING_RE = re.compile(r"^\s*\d+\s*[.、]\s*")
_FREE_SPLIT_RE = re.compile(r"[;,、\s]+")
_TRAILERS = ("等场所", "等", "公开")


def _norm(text: str) -> str:
    """NFKC (full-width → ASCII punctuation) and no spaces, so synonyms compare reliably."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class SynonymMap:
    """The data from channels.yaml: exact synonyms, then suffix rules (longest suffix wins)."""

    exact: dict[str, str]
    suffixes: list[tuple[str, str]]

    def lookup(self, text: str) -> str | None:
        key = _norm(text)
        if key in self.exact:
            return self.exact[key]
        for suffix, code in self.suffixes:
            if key.endswith(suffix):
                return code
        return None


def load_synonyms(path: Path | None = None) -> SynonymMap:
    """Read channels.yaml; every code in it must be one of CHANNELS."""
    path = path or data_file("channels.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"cannot read channel map: {exc}", where=str(path)) from exc
    exact: dict[str, str] = {}
    suffixes: list[tuple[str, str]] = []
    for code, spec in (data.get("channels") or {}).items():
        if code not in CHANNELS:
            raise CatalogError(f"unknown channel code {code!r}", where=f"{path}:channels",
                               hint=f"use one of {', '.join(CHANNELS)}")
        spec = spec or {}
        for word in [CHANNELS[code].name, *(spec.get("synonyms") or [])]:
            key = _norm(str(word))
            if exact.get(key, code) != code:
                raise CatalogError(f"synonym {word!r} maps to both {exact[key]} and {code}",
                                   where=f"{path}:channels.{code}")
            exact[key] = code
        suffixes += [(_norm(str(s)), code) for s in spec.get("suffixes") or []]
    suffixes.sort(key=lambda sc: -len(sc[0]))
    return SynonymMap(exact, suffixes)


@lru_cache(maxsize=4)
def _default_synonyms(path: Path) -> SynonymMap:
    return load_synonyms(path)


def synonyms() -> SynonymMap:
    """The synonym map of the active catalog directory (cached per file)."""
    return _default_synonyms(data_file("channels.yaml"))


def _clean_label(text: str) -> str:
    text = _NUMBERING_RE.sub("", text.strip(" ;,.、/"))
    return text.strip(" ;,.、")


def normalise_channel(text: str) -> str:
    """Map a channel label ("政府门户网站", "两微一端", "其他:办税服务厅") to its code."""
    label = _clean_label(unicodedata.normalize("NFKC", text))
    table = synonyms()
    code = table.lookup(label)
    if code is None:
        for trailer in _TRAILERS:
            if label.endswith(trailer) and len(label) > len(trailer):
                code = table.lookup(label[: -len(trailer)])
                if code:
                    break
    if code is None and re.match(r"^其他[:：]", label):
        code = table.lookup(label[3:]) or "OTHER"
    if code is None:
        raise CatalogError(f"unknown 公开渠道 {text!r}", where="channels",
                           hint="add the spelling to catalogs/channels.yaml")
    return code


def _known(label: str) -> bool:
    try:
        normalise_channel(label)
        return True
    except CatalogError:
        return False


def _free_text_labels(cell: str) -> list[str]:
    """Labels of a cell without check boxes: split on ; , 、 and, when the parts are known, '/'.

    "发布会/听证会" is one exact synonym and stays whole; "政府网站/被征收范围内公告栏" is two.
    """
    if _norm(cell) in synonyms().exact:
        return [cell]
    out: list[str] = []
    for piece in _FREE_SPLIT_RE.split(cell):
        piece = _clean_label(piece)
        if not piece:
            continue
        parts = [p for p in (_clean_label(x) for x in piece.split("/")) if p]
        if _norm(piece) not in synonyms().exact and len(parts) > 1 and all(map(_known, parts)):
            out += parts
        else:
            out.append(piece)
    return out


def parse_channel_cell(cell: str) -> list[ChannelReq]:
    """Parse a 公开渠道 cell. ■-type marks → required, □-type → optional, bare text → required.

    Blank and "(not shown)" give []; the caller decides the default. "同上" must be resolved by
    the caller (it refers to the previous row) and raises here.
    """
    text = unicodedata.normalize("NFKC", cell or "").strip()
    if text in ("同上", "同上。"):
        raise CatalogError("'同上' must be resolved to the previous row before parsing",
                           where="channels", hint="copy the previous row's 公开渠道 cell")
    text = text.replace("...", " ").replace("…", " ")
    # "(□信用中国网站 □投资项目在线审批监管平台 等)" and "(其余□:政府公报/两微一端…)" list optional boxes.
    optional_extra: list[str] = []
    for ann in _ANNOTATION_RE.findall(text):
        inner = ann[1:-1]
        if inner.startswith("其余□:"):
            optional_extra += [x for x in inner[len("其余□:"):].split("/") if x]
        elif inner.startswith("□"):
            optional_extra += [x for x in re.split(r"□", inner) if _clean_label(x)]
    text = _ANNOTATION_RE.sub(" ", text).strip()
    if not text or text.lower() == "(not shown)":
        return []
    reqs: list[ChannelReq] = []
    marks = list(_MARKER_RE.finditer(text))
    if marks:
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            label = _clean_label(text[m.end():end])
            label = re.sub(r"\s*等$", "", label).rstrip("_ ")
            if label:
                required = m.group() in CHECKED
                reqs.append(ChannelReq(code=normalise_channel(label), required=required, text=label))
    else:
        reqs = [ChannelReq(code=normalise_channel(x), required=True, text=x)
                for x in _free_text_labels(text)]
    for extra in optional_extra:
        label = _clean_label(re.sub(r"\s*等$", "", extra))
        if label:
            reqs.append(ChannelReq(code=normalise_channel(label), required=False, text=label))
    return reqs
