"""jieba segmentation with a user dictionary built from the catalog, so 二级事项 names stay whole."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

STOP = {"的", "和", "与", "及", "关于", "年", "月", "日", "第", "号", "公开", "信息", "情况", "工作", "有关", "等"}


@lru_cache(maxsize=1)
def _tokenizer_for(words: tuple[str, ...]) -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    for w in words:
        if 2 <= len(w) <= 12:
            tok.add_word(w, freq=20000)
    return tok


def tokenizer(words: Iterable[str]) -> jieba.Tokenizer:
    return _tokenizer_for(tuple(sorted(set(words))))


def tokens(tok: jieba.Tokenizer, text: str) -> list[str]:
    return [t for t in tok.lcut(text) if len(t) > 1 and t not in STOP and not t.isdigit()]
