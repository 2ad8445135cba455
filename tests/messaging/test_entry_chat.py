"""A chat started from a QR or link (/chat/{entry}): no account, the bot answers, a person
takes over; the phone's later pass joins both timelines; keys and names are checked."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import Office, bearer, invite


def _start(client: TestClient, entry: str = "lobby", lang: str = "ja") -> str:
    r = client.post(f"/api/entry/{entry}/start", json={"lang": lang})
    assert r.status_code == 201, r.text
    return r.json()["key"]


def test_the_page_speaks_one_language_and_offers_the_others(client: TestClient) -> None:
    page = client.get("/chat/lobby?lang=zh_CN")
    assert page.status_code == 200
    assert "在线咨询" in page.text and "チャットでお問い合わせ" not in page.text
    assert 'data-entry="lobby"' in page.text and "?lang=ja" in page.text
    assert client.get("/chat/lobby", headers={"accept-language": "en"}).text.count(
        "Chat with us") >= 1
    assert client.get("/chat/Not_A_Name").status_code == 422


def test_an_anonymous_chat_is_answered_handed_off_and_seen_by_staff(
        client: TestClient, office: Office) -> None:
    key = _start(client, "lobby")
    api = f"/api/entry-chat/{key}"
    history = client.get(api).json()
    assert history["messages"] == []  # where it was opened is for staff (below)
    r = client.post(f"{api}/messages", json={"text": "Wi-Fiのパスワードは？"})
    assert r.status_code == 201 and "SSID" in r.json()["replies"][0]["body"]
    r = client.post(f"{api}/messages", json={"text": "担当者と話したいです"})
    assert r.json()["replies"][0]["data"]["handoff"] == "asked_for_person"
    staff = bearer(client, office.staff)
    convs = client.get("/api/conversations?queue=reception", headers=staff).json()
    assert len(convs) == 1 and convs[0]["channel"] == "web"
    detail = client.get(f"/api/conversations/{convs[0]['id']}", headers=staff).json()
    assert any(m["data"].get("entry") == "lobby" for m in detail["timeline"])
    r = client.post(f"/api/conversations/{convs[0]['id']}/messages", headers=staff,
                    json={"text": "受付の田中です。ご用件をどうぞ。"})
    assert r.status_code == 201
    seen = [m["body"] for m in client.get(api).json()["messages"]]
    assert "受付の田中です。ご用件をどうぞ。" in seen


def test_a_key_nobody_was_given_opens_nothing(client: TestClient) -> None:
    assert client.get("/api/entry-chat/" + "A" * 43).status_code == 404
    assert client.post("/api/entry-chat/" + "A" * 43 + "/messages",
                       json={"text": "hello"}).status_code == 404
    assert client.get("/api/entry-chat/short").status_code == 404
    assert client.post("/api/entry/UPPER/start", json={}).status_code == 422
    assert client.post("/api/entry/lobby/start", json={"lang": "fr"}).status_code == 422


def test_starting_chats_is_limited_per_address(client: TestClient) -> None:
    answers = [client.post("/api/entry/web/start", json={}).status_code for _ in range(11)]
    assert answers[:10] == [201] * 10 and answers[10] == 429


def test_the_phones_later_pass_joins_the_anonymous_chat(client: TestClient,
                                                        office: Office) -> None:
    key = _start(client, "sales")
    client.post(f"/api/entry-chat/{key}/messages", json={"text": "駐車場はありますか"})
    visit = invite(client, office)
    r = client.post(f"/api/chat/{visit['token']}/merge-entry", json={"key": key})
    assert r.status_code == 200, r.text
    bodies = [m["body"] for m in client.get(f"/api/chat/{visit['token']}").json()["messages"]]
    assert "駐車場はありますか" in bodies
    # The key is now the visitor's: a second pass cannot take it over.
    other = invite(client, office, name="Ken Other", email="ken@example.org")
    assert client.post(f"/api/chat/{other['token']}/merge-entry",
                       json={"key": key}).status_code == 404


def test_staff_print_a_poster_for_an_entry_point(client: TestClient, office: Office) -> None:
    from support.office import PASSWORD

    r = client.post("/login", data={"email": office.staff, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/staff/chat-poster?entry_point=sales")
    assert page.status_code == 200
    assert "<svg" in page.text and "/chat/sales" in page.text
    assert client.get("/staff/chat-poster?entry_point=Sales!").status_code == 422
