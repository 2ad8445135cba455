"""FAQ bot accuracy on a labelled set of paraphrased questions (not the FAQ text itself).

Run: python benchmarks/faq_accuracy.py [--threshold 0.45] [--errors]

Prints, for tests/messaging/data/faq_eval.jsonl against the default FAQ:
- top-1 accuracy: in-scope questions whose best-ranked topic is the labelled one;
- answered correctly: in-scope questions the bot answers (confident) with the right topic;
- hand-off on out-of-scope: out-of-scope questions the bot hands to a person;
- confident wrong: questions (of all) the bot answers confidently with a wrong topic,
  including out-of-scope questions it answers — the failure a visitor notices.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from officegate.server.faq.defaults import DEFAULT_FAQ
from officegate.server.faq.matcher import THRESHOLD, FaqItem, FaqMatcher

EVAL_SET = Path(__file__).resolve().parents[1] / "tests" / "messaging" / "data" / "faq_eval.jsonl"


@dataclass
class Figures:
    questions: int
    in_scope: int
    top1_accuracy: float
    answered_correctly: float
    out_of_scope_handed_off: float
    confident_wrong_rate: float
    errors: list[str]


def default_matcher(threshold: float = THRESHOLD) -> FaqMatcher:
    """A matcher over the default FAQ (both languages)."""
    return FaqMatcher([FaqItem(t["topic"], (*t["questions_ja"], *t["questions_en"]),
                               t["answer_ja"], t["answer_en"]) for t in DEFAULT_FAQ],
                      threshold=threshold)


def evaluate(threshold: float = THRESHOLD, path: Path = EVAL_SET) -> Figures:
    """Run every labelled question through the matcher and count."""
    matcher = default_matcher(threshold)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    top1 = answered = handed = wrong = 0
    errors: list[str] = []
    for row in rows:
        m = matcher.match(row["question"])
        label = row["topic"]
        if label is None:
            if m.confident:
                wrong += 1
                errors.append(f"WRONG  {row['question']!r} -> {m.topic} ({m.confidence})")
            else:
                handed += 1
            continue
        top1 += m.topic == label
        if m.confident and m.topic == label:
            answered += 1
        elif m.confident:
            wrong += 1
            errors.append(f"WRONG  {row['question']!r} -> {m.topic} ({m.confidence}), "
                          f"want {label}")
        else:
            errors.append(f"handoff {row['question']!r} best {m.topic} ({m.confidence}), "
                          f"want {label}")
    in_scope = sum(1 for r in rows if r["topic"] is not None)
    out = len(rows) - in_scope
    return Figures(len(rows), in_scope, top1 / in_scope, answered / in_scope,
                   handed / out if out else 1.0, wrong / len(rows), errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args()
    f = evaluate(args.threshold)
    print(f"FAQ eval set: {f.questions} questions ({f.in_scope} in scope, "
          f"{f.questions - f.in_scope} out of scope), threshold {args.threshold}")
    print(f"top-1 accuracy (in scope):          {f.top1_accuracy:6.1%}   goal >= 90%")
    print(f"answered correctly (in scope):      {f.answered_correctly:6.1%}")
    print(f"out-of-scope handed to a person:    {f.out_of_scope_handed_off:6.1%}")
    print(f"confident wrong answers (all):      {f.confident_wrong_rate:6.1%}   goal <= 2%")
    if args.errors:
        print("\n".join(f.errors))


if __name__ == "__main__":
    main()
