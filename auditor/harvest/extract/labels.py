"""The label vocabulary: which printed labels name which metadata field.

Kept as data so a new site's wording is a one-line change.  Within a field the
list order is the preference order (rank 0 first): ``发布机构`` names the
issuing body, while ``来源`` is whatever the web editor typed and can name a
website or a medium, so it is a field of its own (``source``).

Labels are compared after :func:`normalise_label`, which removes all whitespace
(templates pad ``索 引 号`` and ``文　　号`` to align columns) and colons.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "FIELD_LABELS",
    "DATE_FIELDS",
    "MAX_VALUE_LENGTH",
    "NULL_VALUES",
    "LABEL_TO_FIELD",
    "normalise_label",
    "lookup_label",
]

FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号", "信息索引号", "文件索引号", "索取号", "索引编号", "内容索引号"),
    "publisher": (
        "发布机构",
        "发文机关",
        "发文单位",
        "发布单位",
        "发文机构",
        "发布机关",
        "制发机关",
        "成文机关",
        "发布部门",
        "公开责任部门",
        "公开责任单位",
        "公开主体",
        "责任部门",
    ),
    # 来源 is whatever the web editor typed: the issuing body as often as a website or a medium
    # (本网, 新华网, 商丘市采购网). Kept as `source`; it becomes the publisher only when it names an
    # issuing body (auditor/harvest/extract/issuer.py).
    "source": ("来源单位", "信息来源", "文章来源", "稿件来源", "来源"),
    # 发文日期 is the date on the document (成文), not the web publication date.
    "written_date": ("成文日期", "成文时间", "生成日期", "发文日期", "印发日期", "制发日期", "形成日期", "签发日期", "发文时间"),
    "publish_date": (
        "发布日期",
        "发布时间",
        "公开日期",
        "公开时间",
        "发稿时间",
        "发表时间",
        "发表日期",
        "上网时间",
        "上传时间",
        "信息时间",
        "更新时间",
        "更新日期",
        "录入时间",
        "日期",
        "时间",
    ),
    "doc_no": ("发文字号", "文号", "发文文号", "文件编号", "文件文号", "发文编号", "文件字号"),
    "category": ("主题分类", "信息分类", "公开类别", "所属分类", "组配分类", "主题类别", "分类", "所属类别", "体裁分类"),
    "validity": ("有效性", "效力状态", "效力", "时效", "时效性", "有效状态", "是否有效"),
    "title": ("标题", "文件名称", "信息名称", "名称", "文件标题", "文章标题"),
    # Not exported in the JSON, but kept apart so 作者 never becomes a publisher.
    "author": ("作者", "撰稿", "撰稿人", "撰写人"),
}

DATE_FIELDS = frozenset({"publish_date", "written_date"})

# Values longer than this are not metadata values but paragraphs that happen to
# start with a label word ("时间：本次会议于…").
MAX_VALUE_LENGTH: dict[str, int] = {
    "index_no": 60,
    "publisher": 80,
    "source": 80,
    "doc_no": 60,
    "category": 80,
    "validity": 20,
    "title": 200,
    "author": 30,
    "publish_date": 60,
    "written_date": 60,
}

# What templates print in an empty slot.
NULL_VALUES = frozenset(
    {"", "无", "暂无", "空", "-", "--", "—", "——", "/", "null", "none", "n/a", "未知", "无文号", "〔〕号", "[]号"}
)

_STRIP_RE = re.compile(r"[\s\u3000\xa0\x1f:：\[\]【】]+")


def normalise_label(text: str) -> str:
    """Remove every kind of whitespace, colons and brackets: ``索 引 号：`` → ``索引号``."""
    return _STRIP_RE.sub("", text)


LABEL_TO_FIELD: dict[str, tuple[str, int]] = {}
for _field, _labels in FIELD_LABELS.items():
    for _rank, _label in enumerate(_labels):
        LABEL_TO_FIELD.setdefault(_label, (_field, _rank))


@lru_cache(maxsize=1 << 12)
def lookup_label(text: str) -> tuple[str, int] | None:
    """(field, rank) for a printed label, or None when it names no field we extract (remembered: the
    same label cells and lines come back on every page of a template)."""
    return LABEL_TO_FIELD.get(normalise_label(text))
