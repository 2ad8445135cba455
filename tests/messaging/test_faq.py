"""FAQ matching (Japanese words, kana, English stems and typos, hand-offs) and staff editing.

These assert what a visitor notices for single questions; the accuracy figures live in
benchmarks/faq_bot.py, on labelled sets the tests do not tune against.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from officegate.server.faq.defaults import DEFAULT_FAQ
from officegate.server.faq.matcher import FaqItem, FaqMatcher, wants_person
from officegate.server.faq.normalise import normalise

from .conftest import Office, bearer, invite

DATA = Path(__file__).resolve().parent / "data"
# The fresh set was frozen before the matcher was tuned; editing it voids its figures.
FRESH_SHA256 = "b5f438a815086b3e9aa65bace2dc3864ff5e3f1d35232be01b89fbc458016a8d"


@pytest.fixture(scope="module")
def bot() -> FaqMatcher:
    return FaqMatcher([FaqItem(t["topic"], (*t["questions_ja"], *t["questions_en"]),
                               t["answer_ja"], t["answer_en"]) for t in DEFAULT_FAQ])


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in
            (DATA / name).read_text(encoding="utf-8").splitlines() if line]


def answers(bot: FaqMatcher, question: str) -> str | None:
    """The topic the bot answers with, or None when it hands the question to a person."""
    m = bot.match(question)
    return m.topic if m.confident else None


def test_the_issues_three_questions(bot: FaqMatcher) -> None:
    # Was answered with parking: 車 of 車いす and the particle pairs tipped it.
    assert answers(bot, "車いすで伺いますが、段差はありますか") == "accessibility"
    # Was answered with the toilets (借りたい): now charging, or a person, never a wrong topic.
    assert answers(bot, "ノートパソコンの電源を借りたいです") in ("charging", None)
    assert bot.match("ノートパソコンの電源を借りたいです").topic == "charging"
    # Was answered with the gate (QR code): a dress code is no FAQ topic.
    assert answers(bot, "Is there a dress code?") is None


def test_kana_and_half_width_meet_the_kanji(bot: FaqMatcher) -> None:
    for text in ("トイレはどこ", "といれはどこ", "ﾄｲﾚはどこ", "便所はどこ"):  # 便所: a synonym
        assert answers(bot, text) == "toilet", text
    for text in ("駐車場はありますか", "ちゅうしゃじょうはありますか"):
        assert answers(bot, text) == "parking", text
    assert answers(bot, "うけつけはどこ") == "check_in"
    assert answers(bot, "くるまいすでもだいじょうぶ？") == "accessibility"


def test_english_stems_and_misspellings(bot: FaqMatcher) -> None:
    assert answers(bot, "Where are the TOILETS?") == "toilet"
    assert answers(bot, "Ｗｉ－Ｆｉ？") == answers(bot, "wifi?") == "wifi"
    assert answers(bot, "restrom please") == "toilet"
    assert answers(bot, "wifi pasword?") == "wifi"
    assert answers(bot, "is there a bathrom") == "toilet"


def test_particles_and_small_words_answer_nothing(bot: FaqMatcher) -> None:
    for text in ("どこにありますか", "それはなんですか", "Where is it?", "can I have one"):
        assert bot.match(text).topic is None, text
    # Unknown subjects go to a person even when a small word is shared with a topic.
    for text in ("ジムはありますか", "服装の決まりはありますか", "Is there a gym?",
                 "Can I bring a guest to the meeting room?"):
        assert answers(bot, text) is None, text


def test_asking_for_a_person() -> None:
    for text in ("担当者と話したい", "人と話したいです", "talk to a human", "Can I speak to "
                 "someone?", "スタッフを呼んでください"):
        assert wants_person(text), text
    for text in ("トイレはどこ", "Where is the wifi?", "駐車場"):
        assert not wants_person(text), text


def test_labelled_sets_are_kept_apart() -> None:
    fresh = (DATA / "faq_fresh.jsonl").read_bytes()
    assert hashlib.sha256(fresh).hexdigest() == FRESH_SHA256
    tune, heldout, new = (_rows(n) for n in ("faq_tune.jsonl", "faq_heldout.jsonl",
                                             "faq_fresh.jsonl"))
    questions = [[normalise(r["question"]) for r in rows] for rows in (tune, heldout, new)]
    assert not set(questions[0]) & set(questions[1])
    # benchmarks/faq_bot.py leaves out the 3 fresh questions that equal a tuning question.
    untouched = [r for r in new if normalise(r["question"]) not in set(questions[0])]
    assert len(untouched) >= 150 and sum(r["topic"] is None for r in untouched) >= 30
    variants = {normalise(q) for t in DEFAULT_FAQ for q in (*t["questions_ja"],
                                                             *t["questions_en"])}
    assert [q for qs in questions for q in qs if q in variants] == []
    topics = {t["topic"] for t in DEFAULT_FAQ} | {None}
    assert all(r["topic"] in topics for rows in (tune, heldout, new) for r in rows)


def test_staff_edit_the_faq_and_the_bot_uses_it(client: TestClient, office: Office) -> None:
    staff = bearer(client, office.staff)
    token = invite(client, office)["token"]
    body = {"questions_ja": ["シャワーはありますか", "シャワー室"],
            "questions_en": ["shower", "is there a shower room"],
            "answer_ja": "シャワー室は地下1階です。", "answer_en": "Showers are on B1."}
    assert client.put("/api/faq/shower", json=body,
                      headers=bearer(client, office.host)).status_code == 403
    r = client.put("/api/faq/shower", json=body, headers=staff)
    assert r.status_code == 200 and r.json()["topic"] == "shower"
    r = client.post(f"/api/chat/{token}/messages", json={"text": "シャワーを浴びたい"})
    assert r.json()["replies"][0]["body"] == "シャワー室は地下1階です。"
    assert client.put("/api/faq/Bad Topic!", json=body, headers=staff).status_code == 422
    assert client.put("/api/faq/empty", headers=staff, json={
        **body, "questions_ja": [], "questions_en": []}).status_code == 422
    assert client.delete("/api/faq/shower", headers=staff).status_code == 204
    assert client.delete("/api/faq/shower", headers=staff).status_code == 404
    topics = {e["topic"] for e in client.get("/api/faq", headers=staff).json()}
    assert "wifi" in topics and "shower" not in topics
