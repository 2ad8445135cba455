"""Chapter: the conversation. Aiko asks the FAQ bot in Japanese and gets the answer, asks for
a person and her host replies, checks out after the meeting and answers the survey; staff
then read it all, with the access and journey events, on one timeline."""

from __future__ import annotations

from typing import Any

from officegate.demo.chapters.context import Story
from officegate.demo.stack import StoryError, wait_for
from officegate.server.db import utcnow
from officegate.server.journey import JourneyEvent, Kind


def _ok(response: Any, what: str) -> Any:
    if response.status_code not in (200, 201):
        raise StoryError(f"{what}: {response.status_code} {response.text[:200]}")
    return response.json()


def _ask(story: Story, token: str, text: str) -> dict[str, Any]:
    turn = _ok(story.stack.http.post(f"/api/chat/{token}/messages", json={"text": text}),
               f"chat message {text!r}")
    if not turn["replies"]:
        raise StoryError(f"nobody answered {text!r}")
    return dict(turn["replies"][0])


def play(story: Story) -> None:
    stack, http = story.stack, story.stack.http
    token = story.invitation["pass_url"].rstrip("/").rsplit("/", 1)[-1]

    answer = _ask(story, token, "Wi-Fiのパスワードを教えてください")
    if answer["sender"] != "bot" or answer["data"].get("faq") != "wifi":
        raise StoryError(f"the bot should answer the Wi-Fi question, said {answer}")
    story.step("chat", f"Aiko: 「Wi-Fiのパスワードを教えてください」 -> bot (FAQ wifi, confidence "
               f"{answer['data']['confidence']}): {answer['body'][:40]}...")

    handoff = _ask(story, token, "担当者と話したいです")
    if handoff["data"].get("handoff") != "asked_for_person":
        raise StoryError(f"asking for a person should hand off, got {handoff}")
    story.step("chat", f"Aiko: 「担当者と話したいです」 -> bot hands off: "
               f"{handoff['body'][:30]}...")

    host = {"Authorization": f"Bearer {stack.token('host')}"}
    mine = _ok(http.get("/api/conversations?status=open&assignee=me", headers=host), "inbox")
    if not mine:
        raise StoryError("the host's inbox should hold Aiko's conversation")
    cid = mine[0]["id"]
    _ok(http.post(f"/api/conversations/{cid}/messages", headers=host,
                  json={"text": "ロビーまでお迎えにあがります。/ I'll meet you in the lobby."}),
        "host reply")
    story.step("host", "finds Aiko's conversation in the inbox (assigned by the hand-off) and "
               "replies")

    _end_visit(story, token)
    wait_for("the survey to reach Aiko", lambda: _ok(http.get(f"/api/chat/{token}"),
                                                     "chat")["survey_pending"])
    thanks = _ask(story, token, "5 とても分かりやすかったです")
    if thanks["data"].get("csat") != 5:
        raise StoryError(f"the survey answer should be recorded, got {thanks}")
    story.step("survey", "after the visit: 「満足度を1〜5で」 -> Aiko answers 5 (CSAT recorded)")

    staff = {"Authorization": f"Bearer {stack.token('admin')}"}
    timeline = _ok(http.get(f"/api/conversations/{cid}", headers=staff), "timeline")["timeline"]
    kinds = {(m["kind"], m["event_kind"] or m["sender"]) for m in timeline}
    for needed in (("incoming", "contact"), ("outgoing", "bot"), ("outgoing", "user"),
                   ("activity", "invited"), ("activity", "csat")):
        if needed not in kinds:
            raise StoryError(f"the timeline lacks {needed}: {sorted(kinds)}")
    access = sum(1 for m in timeline if m["event_kind"] in ("gate_passed", "access_denied"))
    story.step("timeline", f"{len(timeline)} entries on Aiko's one timeline: chat, bot answers, "
               f"host reply, notices, {access} access events, survey")
    figures = _ok(http.get("/api/messaging/metrics", headers=staff), "figures")
    story.step("figures", f"CSAT {figures['csat_score']:.0%}, funnel {figures['funnel']}")


def _end_visit(story: Story, token: str) -> None:
    """Aiko checks out from the pass page; without check-in the visit simply ends."""
    http = story.stack.http
    if story.visitor is not None:
        code = story.visitor.text()[4:12]
        r = http.post(f"/api/p/{token}/checkout", json={"code": code})
        if r.status_code == 200 and r.json().get("status") == "checked_out":
            story.step("check-out", "Aiko checks out on the pass page after the meeting")
            return
    # No check-in in this story: the visit's end is the journey step the survey follows.
    server = story.stack._server
    if server is None:
        raise StoryError("the server is not running")
    app: Any = server.config.app  # the FastAPI app the stack built
    state = app.state.officegate
    visit_id = int(story.invitation["visit_id"])
    state.journey.publish(JourneyEvent(kind=Kind.VISIT_ENDED, key=f"visit_ended:{visit_id}",
                                       at=utcnow(), visit_id=visit_id, site=story.stack.site))
    story.step("visit end", "the visit's time is over")
