"""Text normalisation for comparing messages, and the language a message is written in.

NFKC folds full-width Latin and half-width kana; katakana fold to hiragana so "トイレ"
and "といれ" meet. (The FAQ bot cuts questions into words in words.py.)
"""

from __future__ import annotations

import re
import unicodedata

_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_CJK = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff\u3400-\u4dbf\u30fc々]+")
_HYPHEN = re.compile(r"(?<=[a-z0-9])[-・](?=[a-z0-9])")


def hiragana(text: str) -> str:
    """Katakana folded to hiragana."""
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def join_hyphens(text: str) -> str:
    """Hyphens inside Latin words dropped: "wi-fi" and "wifi" are one word."""
    return _HYPHEN.sub("", text)


def normalise(text: str) -> str:
    """NFKC, lower case, katakana folded to hiragana, runs of space collapsed."""
    text = join_hyphens(hiragana(unicodedata.normalize("NFKC", text).lower()))
    return re.sub(r"\s+", " ", text).strip()


def language_of(text: str) -> str:
    """"ja" when the text holds any kana or kanji, else "en"."""
    return "ja" if _CJK.search(normalise(text)) else "en"
