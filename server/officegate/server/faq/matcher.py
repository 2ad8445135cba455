"""Match a visitor's question to a FAQ topic, or hand it to a person.

No hosted model. Every FAQ variant and answer is cut into content words (words.py); each
key a topic holds gets an idf over topics, so a word every topic shares weighs little. A
question's words are looked up by their keys (normalised form, short units, synonym group,
reading; English stems, misspellings corrected to the nearest word the FAQ uses), and kana
runs are searched for the readings the FAQ's words have. The confidence is the idf-weighted
share of the question's words the topic covers: a word the FAQ has never seen ("dress",
"服装") weighs as much as a topic's own keyword, so a question about something else is
handed off instead of being answered by the topic that shares its small words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from officegate.server.faq.normalise import normalise
from officegate.server.faq.words import Analysis, Word, analyse

THRESHOLD = 0.52  # calibrated on the tuning set: python benchmarks/faq_calibrate.py
_ANSWER = 0.5  # a word found only in a topic's answer, not in how visitors ask
_FACTOR = {"w": 1.0, "s": 0.85, "k": 0.9}  # normalised form, synonym group, reading
_TIE = 0.05  # two topics closer than this: a guess, not an answer
# A visitor asking for a person is handed off whatever the FAQ says.
_HUMAN = re.compile(
    "担当者|担当の方|人と話|人間|ひとと話|スタッフと話|スタッフを呼|受付の人|おぺれーたー|有人|"
    "係の人|誰かと話|だれかと話|電話したい|ほすとに|ほすとと|呼んで|"
    r"\b(human|person|someone|somebody|agent|operator|representative|staff member|"
    r"real people|live chat|my host)\b")


@dataclass(frozen=True, slots=True)
class FaqItem:
    """What the matcher needs of one FAQ entry."""

    topic: str
    variants: tuple[str, ...]
    answer_ja: str
    answer_en: str


@dataclass(frozen=True, slots=True)
class Match:
    """The best topic for a question, how sure we are, and whether to answer."""

    topic: str | None
    confidence: float
    confident: bool
    wants_person: bool
    runner_up: str | None = None


def wants_person(text: str) -> bool:
    """True when the visitor asks to talk to a person ("担当者", "talk to a human", ...)."""
    return bool(_HUMAN.search(normalise(text)))


class FaqMatcher:
    """An index over FAQ variants; build once per FAQ change, match many times."""

    def __init__(self, items: Iterable[FaqItem], *, threshold: float = THRESHOLD) -> None:
        self.items = {item.topic: item for item in items}
        self.threshold = threshold
        # topic -> key -> weight of where it was found (1 in a variant, _ANSWER in an answer)
        self._keys: dict[str, dict[str, float]] = {}
        for item in self.items.values():
            found: dict[str, float] = {}
            for text, weight in ((v, 1.0) for v in item.variants):
                self._add(found, analyse(text), weight)
            for text in (item.answer_ja, item.answer_en):
                self._add(found, analyse(text), _ANSWER)
            self._keys[item.topic] = found
        n = len(self._keys)
        df: dict[str, int] = {}
        for keys in self._keys.values():
            for key in keys:
                df[key] = df.get(key, 0) + 1
        self._idf = {k: math.log(1 + (n - c + 0.5) / (c + 0.5)) for k, c in df.items()}
        # A word no topic knows weighs like a keyword only one topic has.
        self._unknown = math.log(1 + (n - 0.5) / 1.5) if n else 1.0
        self._english = sorted({k[2:] for k in df if k.startswith("w:") and k[2:].isascii()
                                and len(k) > 5})
        self._readings = sorted({k[2:] for k in df if k.startswith("k:") and len(k) > 4},
                                key=len, reverse=True)

    @staticmethod
    def _add(found: dict[str, float], analysis: Analysis, weight: float) -> None:
        for word in analysis.words:
            for key in (*word.keys, *(k for part in word.parts for k in part.keys)):
                found[key] = max(found.get(key, 0.0), weight)

    def _spell(self, word: Word) -> Word:
        """An English word the FAQ never uses, with the closest word it does use as a key."""
        key = word.keys[0]
        if key in self._idf or not key[2:].isascii() or len(word.surface) < 4:
            return word
        best = process.extractOne(key[2:], self._english, scorer=fuzz.ratio, score_cutoff=80)
        if best is None:
            return word
        return Word((key, "w:" + best[0]), word.surface)

    def _kana(self, analysis: Analysis) -> list[Word]:
        """Words with FAQ readings found in the question's reading replace what they span.

        Kana-only text is cut badly (くるまいす -> 車 + 椅子); the reading くるまいす of
        車椅子 found in it stands for the words it covers.
        """
        words = list(analysis.words)
        taken: list[tuple[int, int]] = []
        for reading in self._readings:  # longest first
            at = analysis.reading.find(reading)
            if at < 0:
                continue
            end = at + len(reading)
            if at not in analysis.bounds or end not in analysis.bounds \
                    or any(s < end and at < e for s, e in taken):
                continue
            inside = [w for w in words if w.start >= at and w.end <= end]
            if len(inside) == 1 and "k:" + reading in inside[0].keys:
                continue  # the question already has that word
            taken.append((at, end))
            words = [w for w in words if w not in inside]
            words.append(Word(("k:" + reading,), reading, at, end))
        return words

    def _compounds(self, words: list[Word]) -> list[Word]:
        """A compound the FAQ does not know stands as its parts (喫煙スペース -> 喫煙, スペース).

        Otherwise a known part would carry the whole word (スペース of 駐車スペース).
        """
        out: list[Word] = []
        for word in words:
            known = any(k in self._idf for k in word.keys)
            out.extend(word.parts if word.parts and not known else (word,))
        return out

    def _score(self, words: list[Word]) -> dict[str, float]:
        """Per topic: the idf-weighted share of the question's words it covers."""
        total = 0.0
        covered = dict.fromkeys(self._keys, 0.0)
        for word in words:
            known = [k for k in word.keys if k in self._idf]
            weight = max((self._idf[k] for k in known), default=self._unknown) * (
                0.5 if word.light else 1.0)
            total += weight
            for topic, keys in self._keys.items():
                best = 0.0
                for key in known:
                    if key in keys:
                        best = max(best, self._idf[key] * keys[key] * _FACTOR[key[0]])
                covered[topic] += min(best * (0.5 if word.light else 1.0), weight)
        return {t: c / total for t, c in covered.items()} if total else {}

    def match(self, question: str) -> Match:
        """The best topic for ``question`` and whether it clears the threshold."""
        person = wants_person(question)
        analysis = analyse(question)
        words = [self._spell(w) for w in self._compounds(self._kana(analysis))]
        scores = self._score(words)
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked or ranked[0][1] <= 0:
            return Match(None, 0.0, False, person)
        topic, score = ranked[0]
        runner = ranked[1] if len(ranked) > 1 and ranked[1][1] > 0 else (None, 0.0)
        # A near tie between two topics is a guess, not an answer.
        confidence = round(score - (0.1 if score - runner[1] < _TIE else 0.0), 3)
        return Match(topic, confidence, confidence >= self.threshold and not person, person,
                     runner[0])
