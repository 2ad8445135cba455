"""Text normalisation and tokens for matching Japanese and English questions.

NFKC folds full-width Latin and half-width kana; katakana fold to hiragana so "トイレ"
and "といれ" meet; CJK runs become character bigrams (Japanese has no spaces) and Latin
runs become words, so one index serves both languages.
"""

from __future__ import annotations

import re
import unicodedata

_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
_CJK = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff\u3400-\u4dbf\u30fc々]+")
_LATIN = re.compile(r"[a-z0-9]+")
# Words that say nothing about the topic; left in they drown short questions.
_EN_STOP = frozenset("""
a an the is are am was be do does did can could i me my we our you your it its to of in on
at for and or there here this that with any have has please tell know where what when how
which who will would should get some about from by as if so just like want need there's
is there are there hi hello thanks thank may im i'm give let us office building here
somewhere place use using around whats where's can't cannot don't not any anywhere one
near nearest closest close nearby
""".split())
# Polite endings and fillers, removed before the bigrams are cut.
_JA_FILLER = re.compile(
    "おしえてください|教えてください|教えて|ください|下さい|でしょうか|ありますか|ありません|"
    "ですか|ますか|ましたか|したいのですが|たいのですが|のですが|んですが|すみません|"
    "ちょっと|について|なのですが|ですが|です|ます|でした|ましょう|はい|あの|えっと|"
    # generic wants and wheres: every topic has them, they decide nothing
    "してもいい|てもいい|でもいい|いいですか|できますか|られますか|どこ|どちら|場所|ところ|"
    "したい|行きたい|使いたい|欲しい|ほしい|もらえ|ある|あります|ない")
_HYPHEN = re.compile(r"(?<=[a-z0-9])[-・](?=[a-z0-9])")


def normalise(text: str) -> str:
    """NFKC, lower case, katakana folded to hiragana, runs of space collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)
    text = _HYPHEN.sub("", text)  # "wi-fi" and "wifi" are one word
    return re.sub(r"\s+", " ", text).strip()


def _stem(word: str) -> str:
    # Plural and -ing forms only: enough for "toilets"/"toilet", "parking"/"park".
    for suffix in ("ing", "ed", "es", "e", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """Tokens of already normalised ``text``: CJK bigrams (and lone chars), Latin word stems."""
    out: list[str] = []
    for run in _CJK.findall(_JA_FILLER.sub(" ", text)):
        # Kanji carry meaning alone (駐, 車); kana only in pairs.
        out.extend(ch for ch in run if "\u4e00" <= ch <= "\u9fff")
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    for word in _LATIN.findall(text):
        if word not in _EN_STOP:
            out.append(_stem(word))
    return out


def language_of(text: str) -> str:
    """"ja" when the text holds any kana or kanji, else "en"."""
    return "ja" if _CJK.search(normalise(text)) else "en"
