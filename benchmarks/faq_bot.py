"""FAQ bot: accuracy and hand-off on the tuning set, the held-out split and the fresh set.

Run: python benchmarks/faq_bot.py [--threshold T] [--errors] [--by-style] [--save]

Three labelled sets under tests/messaging/data, all scored against the default FAQ:
- faq_tune.jsonl    the half of the original labelled questions the matcher was tuned on;
- faq_heldout.jsonl the other half, split off (stratified by topic, seed 17) before tuning;
- faq_fresh.jsonl   162 questions written from the FAQ topic titles only, frozen before tuning;
                    the 3 that happen to equal a tuning question are left out (159 scored).

Per set it prints:
- top-1: in-scope questions whose best-ranked topic is the labelled one;
- answered: in-scope questions answered (confident) with the right topic;
- confident wrong: questions (of all) answered confidently with a wrong topic, including
  out-of-scope questions the bot answers: the failure a visitor notices;
- out-of-scope handed off: out-of-scope questions the bot gives to a person;
- latency per question (p50 / p99 / max), and the time to build the matcher.

``--errors`` lists the misses of the tuning set only: the other two are for measuring, not
for tuning (``--errors-all`` shows theirs, for the report once tuning is closed).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import machine, save, stats_ms

from officegate.server.faq.defaults import DEFAULT_FAQ
from officegate.server.faq.matcher import THRESHOLD, FaqItem, FaqMatcher
from officegate.server.faq.normalise import normalise

DATA = Path(__file__).resolve().parents[1] / "tests" / "messaging" / "data"
SETS = {"tune": DATA / "faq_tune.jsonl", "heldout": DATA / "faq_heldout.jsonl",
        "fresh": DATA / "faq_fresh.jsonl"}


@dataclass
class Figures:
    """What one labelled set gives."""

    questions: int
    in_scope: int
    top1: float
    answered: float
    confident_wrong: float
    out_of_scope_handed_off: float
    latency_ms: dict[str, float]
    errors: list[str] = field(default_factory=list)
    by_style: dict[str, str] = field(default_factory=dict)


def default_matcher(threshold: float = THRESHOLD) -> FaqMatcher:
    """A matcher over the default FAQ (both languages)."""
    return FaqMatcher([FaqItem(t["topic"], (*t["questions_ja"], *t["questions_en"]),
                               t["answer_ja"], t["answer_en"]) for t in DEFAULT_FAQ],
                      threshold=threshold)


def load(path: Path) -> list[dict[str, Any]]:
    """The rows of one labelled set (a question also in the tuning set is left out)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if path == SETS["tune"]:
        return rows
    tuned = {normalise(r["question"]) for r in load(SETS["tune"])}
    return [r for r in rows if normalise(r["question"]) not in tuned]


def evaluate(matcher: FaqMatcher, rows: list[dict[str, Any]]) -> Figures:
    """Run every labelled question through ``matcher`` and count."""
    top1 = answered = handed = wrong = 0
    errors: list[str] = []
    times: list[float] = []
    styles: dict[str, list[int]] = {}
    for row in rows:
        started = time.perf_counter()
        m = matcher.match(row["question"])
        times.append(time.perf_counter() - started)
        label = row["topic"]
        ok = (not m.confident) if label is None else (m.confident and m.topic == label)
        tally = styles.setdefault(row.get("style", row["lang"]), [0, 0])
        tally[0] += ok
        tally[1] += 1
        if label is None:
            handed += not m.confident
            wrong += m.confident
            if m.confident:
                errors.append(f"WRONG   {row['question']!r} -> {m.topic} ({m.confidence})")
            continue
        top1 += m.topic == label
        answered += m.confident and m.topic == label
        if m.confident and m.topic != label:
            wrong += 1
            errors.append(f"WRONG   {row['question']!r} -> {m.topic} ({m.confidence}), "
                          f"want {label}")
        elif not m.confident:
            errors.append(f"handoff {row['question']!r} best {m.topic} ({m.confidence}), "
                          f"want {label}")
    in_scope = sum(1 for r in rows if r["topic"] is not None)
    out = len(rows) - in_scope
    return Figures(len(rows), in_scope, top1 / in_scope, answered / in_scope,
                   wrong / len(rows), handed / out if out else 1.0, stats_ms(times), errors,
                   {s: f"{ok}/{n}" for s, (ok, n) in sorted(styles.items())})


def main() -> None:
    """Print the figures of every set (and save them with ``--save``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="list the tuning set's misses")
    parser.add_argument("--errors-all", action="store_true",
                        help="list every set's misses (for the report, not for tuning)")
    parser.add_argument("--by-style", action="store_true", help="right answers per style")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/faq_bot.json")
    args = parser.parse_args()
    started = time.perf_counter()
    matcher = default_matcher(args.threshold)
    matcher.match("warm-up")  # loads the dictionary when the matcher loads it lazily
    build_s = time.perf_counter() - started
    print(f"matcher built and warmed in {build_s * 1000:.0f} ms; threshold {args.threshold}")
    print(f"{'set':8} {'n':>4} {'in':>4} {'top-1':>7} {'answered':>9} {'conf.wrong':>11} "
          f"{'OOS handed':>11} {'p50 ms':>7} {'p99 ms':>7}")
    result: dict[str, Any] = {"machine": machine(), "threshold": args.threshold,
                              "build_ms": build_s * 1000, "sets": {}}
    for name, path in SETS.items():
        f = evaluate(matcher, load(path))
        print(f"{name:8} {f.questions:4} {f.in_scope:4} {f.top1:7.1%} {f.answered:9.1%} "
              f"{f.confident_wrong:11.1%} {f.out_of_scope_handed_off:11.1%} "
              f"{f.latency_ms['p50']:7.2f} {f.latency_ms['p99']:7.2f}")
        result["sets"][name] = {k: v for k, v in asdict(f).items() if k != "errors"}
        if args.by_style:
            print("         " + "  ".join(f"{s} {v}" for s, v in f.by_style.items()))
        if f.errors and (args.errors_all or (args.errors and name == "tune")):
            print("\n".join(f"  {e}" for e in f.errors))
    if args.save:
        print(f"saved {save('faq_bot', result)}")


if __name__ == "__main__":
    main()
