"""The language of proactive notices: the visitor's choice on the pass page first, then the
language of their last message, then the site's default."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from officegate.server.journey import JourneyEvent

from .conftest import Office, invite


def _notice(client: TestClient, token: str, visit_id: int, key: str) -> str:
    """Announce "host running late" (a notice sent every time) and return what it said."""
    state = client.app.state.officegate  # type: ignore[attr-defined]
    state.journey.publish(JourneyEvent(kind="host_late", key=key, at=datetime.now(UTC),
                                       visit_id=visit_id, data={"minutes": 10}))
    sent = [m for m in client.get(f"/api/chat/{token}").json()["messages"]
            if m["kind"] == "outgoing" and m["data"].get("proactive") == "host_late"]
    assert sent, "no notice was sent"
    return sent[-1]["body"]


def _says(client: TestClient, token: str, text: str) -> None:
    assert client.post(f"/api/chat/{token}/messages", json={"text": text}).status_code == 201


def test_the_pass_page_choice_comes_before_the_last_message(client: TestClient,
                                                            office: Office) -> None:
    visit = invite(client, office, name="John Smith", email="john@example.org")
    vid, token = visit["visit_id"], visit["token"]
    _says(client, token, "トイレはどこですか")  # no choice yet: the last message decides
    assert "遅れています" in _notice(client, token, vid, "late:1")
    r = client.put(f"/api/chat/{token}/language", json={"lang": "en"})
    assert r.status_code == 200 and r.json() == {"lang": "en"}
    assert client.get(f"/api/chat/{token}").json()["notice_lang"] == "en"
    _says(client, token, "駐車場はありますか")  # still writes Japanese: the choice stands
    assert "running a little late" in _notice(client, token, vid, "late:2")
    # The bot still answers each question in the language it was asked in.
    replies = client.post(f"/api/chat/{token}/messages", json={"text": "喫煙所はどこ"}).json()
    assert any("\u3040" <= c <= "\u30ff" for c in replies["replies"][0]["body"])
    client.put(f"/api/chat/{token}/language", json={"lang": "ja"})
    assert "遅れています" in _notice(client, token, vid, "late:3")


def test_without_a_choice_the_last_message_that_shows_a_language(client: TestClient,
                                                                 office: Office) -> None:
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    rt.config = rt.config.model_copy(update={"default_lang": "en"})
    visit = invite(client, office, name="John Smith", email="john@example.org")
    vid, token = visit["visit_id"], visit["token"]
    _says(client, token, "喫煙所はどこですか")
    _says(client, token, "5")  # a rating or an emoji shows no language: Japanese still counts
    _says(client, token, "👍")
    assert "遅れています" in _notice(client, token, vid, "late:1")
    _says(client, token, "Thanks!")
    assert "running a little late" in _notice(client, token, vid, "late:2")


def test_the_site_default_when_nothing_is_known(client: TestClient, office: Office) -> None:
    rt = client.app.state.officegate.runtime.messaging  # type: ignore[attr-defined]
    visit = invite(client, office, name="Jane Doe", email="jane@example.org")
    assert client.get(f"/api/chat/{visit['token']}").json()["notice_lang"] == "ja"
    assert "遅れています" in _notice(client, visit["token"], visit["visit_id"], "late:1")
    rt.config = rt.config.model_copy(update={"default_lang": "en"})
    assert "running a little late" in _notice(client, visit["token"], visit["visit_id"],
                                              "late:2")


def test_the_language_switch_refuses_what_it_cannot_store(client: TestClient,
                                                          office: Office) -> None:
    token = invite(client, office)["token"]
    for body in ({"lang": "fr"}, {"lang": ""}, {}, {"lang": "en", "extra": 1}, {"lang": 1}):
        assert client.put(f"/api/chat/{token}/language", json=body).status_code == 422, body
    assert client.put("/api/chat/not-a-pass/language", json={"lang": "en"}).status_code == 404
    assert client.get(f"/api/chat/{token}").json()["notice_lang"] == "ja"
