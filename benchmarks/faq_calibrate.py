"""Calibrate the FAQ bot's confidence threshold on the tuning set and the FAQ text alone.

Run: python benchmarks/faq_calibrate.py

The tuning set has few out-of-scope questions, and the ones a bot gets wrong are the ones
close to the office. So out-of-scope questions are made from in-scope ones: with one topic
taken out of the FAQ, that topic's tuning questions and FAQ variants ask about something
the remaining FAQ does not answer (leave one topic out, for every topic). In-scope questions
are the tuning set's. For each threshold it prints the share answered right, the share
answered wrong (in scope) and the share of those near-domain out-of-scope questions handed
off, and picks the threshold of least cost, where a wrong answer (in scope or out of scope)
costs COST times a needless hand-off: a visitor handed to a person waits a little, one
answered wrongly is misled. The held-out and fresh sets are not read.
"""

from __future__ import annotations

from faq_bot import SETS, load

from officegate.server.faq.defaults import DEFAULT_FAQ
from officegate.server.faq.matcher import FaqItem, FaqMatcher

COST = 3.0
ITEMS = [FaqItem(t["topic"], (*t["questions_ja"], *t["questions_en"]), t["answer_ja"],
                 t["answer_en"]) for t in DEFAULT_FAQ]


def confidences() -> tuple[list[tuple[float, bool]], list[float]]:
    """(confidence, right topic) per in-scope tuning question; confidence per near-OOS one."""
    rows = load(SETS["tune"])
    full = FaqMatcher(ITEMS)
    inside = [(m.confidence, m.topic == r["topic"]) for r in rows if r["topic"]
              for m in [full.match(r["question"])]]
    outside = [full.match(r["question"]).confidence for r in rows if r["topic"] is None]
    for item in ITEMS:
        rest = FaqMatcher([i for i in ITEMS if i.topic != item.topic])
        asked = [r["question"] for r in rows if r["topic"] == item.topic] + list(item.variants)
        outside += [rest.match(q).confidence for q in asked]
    return inside, outside


def main() -> None:
    """Print the sweep and the threshold it picks."""
    inside, outside = confidences()
    print(f"{len(inside)} in-scope tuning questions, {len(outside)} near out-of-scope")
    print(f"{'threshold':>9} {'answered':>9} {'wrong':>6} {'OOS handed':>11}")
    costs: dict[float, float] = {}
    for step in range(30, 91, 2):
        t = step / 100
        right = sum(c >= t and ok for c, ok in inside) / len(inside)
        wrong = sum(c >= t and not ok for c, ok in inside) / len(inside)
        handed = sum(c < t for c in outside) / len(outside)
        print(f"{t:9.2f} {right:9.1%} {wrong:6.1%} {handed:11.1%}")
        costs[t] = (1 - right - wrong) + COST * wrong + COST * (1 - handed)
    pick = min(costs, key=lambda t: (round(costs[t], 6), t))
    print(f"least cost (a wrong answer costs {COST:g} needless hand-offs): {pick}")


if __name__ == "__main__":
    main()
