"""Match a visitor's question to a FAQ topic: BM25 over tokens, a fuzzy re-score, a threshold.

No hosted model: questions and every FAQ variant are normalised (NFKC, width, kana), cut
into CJK bigrams and Latin words, scored with Okapi BM25, and the best topics re-scored with
rapidfuzz against the variants. The confidence mixes how much of the question the best
variant covers (idf-weighted) with the fuzzy similarity; below the threshold the bot hands
the question to a person instead of guessing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from officegate.server.faq.normalise import normalise, tokens

THRESHOLD = 0.45
_K1, _B = 1.2, 0.75
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
        # One BM25 document per topic (its variants and answers): a word every variant of a
        # topic repeats is that topic's keyword, not a common word.
        self._variants: dict[str, list[str]] = {}
        self._topic_tokens: dict[str, list[str]] = {}
        for item in self.items.values():
            norms = [normalise(v) for v in item.variants]
            self._variants[item.topic] = norms
            self._topic_tokens[item.topic] = [
                t for text in (*norms, normalise(item.answer_ja), normalise(item.answer_en))
                for t in tokens(text)]
        n = len(self._topic_tokens)
        df: Counter[str] = Counter()
        for toks in self._topic_tokens.values():
            df.update(set(toks))
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._avgdl = sum(map(len, self._topic_tokens.values())) / n if n else 1.0
        # Unknown words count, but less than rare known ones: particles and typos are unknown too.
        self._unknown_idf = math.log(1 + n / 4) if n else 1.0

    def _bm25(self, query: list[str], doc: list[str]) -> float:
        tf = Counter(doc)
        norm = _K1 * (1 - _B + _B * len(doc) / self._avgdl)
        return sum(self._idf.get(t, 0.0) * tf[t] * (_K1 + 1) / (tf[t] + norm)
                   for t in query if t in tf)

    def _coverage(self, query: list[str], doc: list[str]) -> float:
        weights = {t: self._idf.get(t, self._unknown_idf) for t in set(query)}
        total = sum(weights.values())
        present = set(doc)
        return sum(w for t, w in weights.items() if t in present) / total if total else 0.0

    def match(self, question: str) -> Match:
        """The best topic for ``question`` and whether it clears the threshold."""
        person = wants_person(question)
        norm = normalise(question)[:500]
        query = tokens(norm)
        if not query or not self._topic_tokens:
            return Match(None, 0.0, False, person)
        scores = {topic: self._bm25(query, toks) for topic, toks in self._topic_tokens.items()}
        top_bm25 = max(scores.values())
        if top_bm25 <= 0:
            return Match(None, 0.0, False, person)
        best: dict[str, float] = {}
        # Re-score the few BM25 leaders with coverage and fuzzy similarity to the variants.
        for topic, bm25 in sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:4]:
            if bm25 <= 0:
                continue
            fuzzy = max(fuzz.token_set_ratio(norm, v) for v in self._variants[topic]) / 100
            cover = self._coverage(query, self._topic_tokens[topic])
            best[topic] = 0.6 * cover + 0.2 * fuzzy + 0.2 * bm25 / top_bm25
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        topic, score = ranked[0]
        runner = ranked[1] if len(ranked) > 1 else (None, 0.0)
        # A near tie between two topics is a guess, not an answer.
        confidence = round(score - (0.1 if score - runner[1] < 0.05 else 0.0), 3)
        return Match(topic, confidence, confidence >= self.threshold and not person, person,
                     runner[0])
