"""A question cut into content words, each with the keys it may be found under.

Japanese goes through SudachiPy with the dictionary of the sudachidict-core package (nothing
is downloaded): a word is known by its normalised form (車いす -> 車椅子, ﾄｲﾚ -> トイレ), the
short units of a compound (社員食堂 -> 食堂), Sudachi's synonym groups (トイレ = お手洗い =
化粧室) and its reading in hiragana, so kana-only text (ちゅうしゃじょう) meets the kanji
form. Particles, auxiliaries, symbols and words every topic shares (ある, 教える, 場所, ...)
never become words. English words are lower-cased and Snowball-stemmed after stop words go.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

import snowballstemmer
from sudachipy import Dictionary, Morpheme, SplitMode, Tokenizer

from officegate.server.faq.normalise import hiragana, join_hyphens

# Parts of speech that carry a topic; particles, auxiliaries, prefixes, symbols do not.
_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
# Normalised forms that every topic's questions share: they decide nothing.
_JA_STOP = frozenset("""
有る 居る 為る 成る 下さる 出来る 頂く 戴く 御座る 伺う 行く 来る 良い 宜しい 教える 知る
分かる 思う 言う 貰う 呉れる 欲しい 場所 所 事 物 方 何 何処 其処 此処 様 時 今 一寸 済む
願う 御願い 可能 使う 借りる 探す 方法 仕方 良い いい 本日 今日 有難う 失礼 大丈夫 利用
構う 申す 存じる 参る 致す 致る 掛ける 問題 ため 為 訳 積もり 予定 者 人 私 僕 自分 貴方
御社 弊社 会社 遣る 皆 どう 如何 此れ 其れ 彼れ 近く 辺り 無い ない 無し 対応 件 中 上 下 前 後 以外
一番 近い ビル 建物 館内 問い合わせ 問い合わせる 質問 確認 相談
""".split())
_EN_STOP = frozenset("""
a an the is are am was were be been do does did can could i me my we our you your it its to
of in on at for and or there here this that with any have has please tell know where what
when how which who will would should get got some about from by as if so just like want
need there's hi hello thanks thank may im i'm give let us office building somewhere place
use using around whats where's can't cannot don't not anywhere one near nearest closest
close nearby without while also too then ok okay being isn doesn don won aren
wasn didn couldn wouldn shouldn ll ve re hey sorry now today u ur pls plz go going way very
really lol
""".split())
# Common English verbs: they say little about the topic and weigh half.
_EN_LIGHT = frozenset("""
go come leave left take took bring put keep make made see look ask find found wait grab
pay buy walk move stay sit try let feel think say said show help start stop turn hold read
""".split())
_PHRASAL = re.compile(r"\b(check|sign|log)[ -]?(in|out)\b")  # "check in" is one word
_LATIN = re.compile(r"[a-z0-9]+")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")


@dataclass(frozen=True, slots=True)
class Word:
    """One content word: its keys (best first) and where its reading sits in the question."""

    keys: tuple[str, ...]
    surface: str
    start: int = -1
    end: int = -1
    light: bool = False  # a verb or adjective: weighs half
    parts: tuple[Word, ...] = ()  # the short units of a compound (社員食堂 -> 社員, 食堂)


@dataclass(frozen=True, slots=True)
class Analysis:
    """A question's content words and its whole reading in hiragana (for kana matches)."""

    words: tuple[Word, ...]
    reading: str
    bounds: frozenset[int] = frozenset()  # where morphemes start and end in ``reading``


@cache
def _dictionary() -> Dictionary:
    # Loaded once per process on first use (about 0.1 s, memory-mapped), not at import.
    return Dictionary(dict="core")


_local = threading.local()  # a Sudachi tokenizer is not safe to share between threads


def _tokenizer() -> Tokenizer:
    found: Tokenizer | None = getattr(_local, "tokenizer", None)
    if found is None:
        found = _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return found


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def english_key(word: str) -> str | None:
    """The key of one lower-case Latin word, or None for a stop word."""
    word = word.replace("-", "")
    if word in _EN_STOP or len(word) < 2:
        return None
    return "w:" + _stemmer().stemWord(word)


def _english(text: str) -> list[Word]:
    out = []
    for raw in _LATIN.findall(_PHRASAL.sub(r"\1\2", join_hyphens(text))):
        key = english_key(raw)
        if key is not None:
            out.append(Word((key,), raw, light=raw in _EN_LIGHT))
    return out


def _word(m: Morpheme, start: int, end: int) -> Word:
    """One Japanese morpheme as a word: normalised form, synonym groups, reading."""
    pos = m.part_of_speech()[0]
    keys = ["w:" + hiragana(m.normalized_form())]
    keys += [f"s:{g}" for g in m.synonym_group_ids()]
    read = hiragana(m.reading_form())
    if len(read) > 1 and pos in ("名詞", "形状詞"):  # a verb's reading is inflected
        keys.append("k:" + read)
    return Word(tuple(dict.fromkeys(keys)), m.surface(), start, end,
                light=pos in ("動詞", "形容詞"))


def analyse(text: str) -> Analysis:
    """The content words of ``text`` (Japanese, English or both mixed)."""
    # Width and case folded, katakana kept: Sudachi knows ゲート, not げーと.
    norm = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()[:500]
    if not re.search(r"[\u3040-\u30ff\u3400-\u9fff]", norm):
        return Analysis(tuple(_english(norm)), "")
    words: list[Word] = []
    reading: list[str] = []
    bounds = {0}
    at = 0
    for m in _tokenizer().tokenize(norm):
        surface = m.surface()
        read = hiragana(m.reading_form()) if m.reading_form() else surface
        start, at = at, at + len(read)
        reading.append(read)
        bounds.add(at)
        if _ASCII_WORD.match(surface.replace("-", "")):
            words.extend(_english(surface))
            continue
        pos = m.part_of_speech()
        lemma = hiragana(m.normalized_form())
        if pos[0] not in _CONTENT_POS or pos[1] == "数詞" or lemma in _JA_STOP \
                or m.normalized_form() in _JA_STOP:
            continue
        parts = tuple(_word(a, start, at) for a in m.split(SplitMode.A)
                      if a.normalized_form() not in _JA_STOP and len(a.surface()) > 1)
        word = _word(m, start, at)
        words.append(Word(word.keys, surface, start, at, word.light, parts))
    return Analysis(tuple(words), "".join(reading), frozenset(bounds))
