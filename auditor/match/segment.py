"""jieba segmentation with a user dictionary built from the catalog, so 二级事项 names stay whole.

One tokenizer per process: catalog words are added to it as entry sets are indexed (adding a word is
idempotent), so matching many units does not rebuild jieba's prefix dictionary for each.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

STOP = {"的", "和", "与", "及", "关于", "年", "月", "日", "第", "号", "公开", "信息", "情况", "工作", "有关", "等"}

_LOCK = threading.Lock()
_TOKENIZER: jieba.Tokenizer | None = None
_WORDS: set[str] = set()


def tokenizer(words: Iterable[str]) -> jieba.Tokenizer:
    """The process's tokenizer, with `words` (2–12 characters) in its user dictionary."""
    global _TOKENIZER
    with _LOCK:
        if _TOKENIZER is None:
            _TOKENIZER = jieba.Tokenizer()
            _TOKENIZER.initialize()
        for w in set(words) - _WORDS:
            if 2 <= len(w) <= 12:
                _TOKENIZER.add_word(w, freq=20000)
            _WORDS.add(w)
        return _TOKENIZER


def tokens(tok: jieba.Tokenizer, text: str) -> list[str]:
    """Words of `text` (dictionary words only: no HMM guessing of unknown words, which titles do not need)."""
    return [t for t in tok.lcut(text, HMM=False) if len(t) > 1 and t not in STOP and not t.isdigit()]
