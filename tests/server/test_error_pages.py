"""A person whose browser opens a page they may not see, or one that is not there, reads why
in Japanese and English on a page; API clients keep getting the JSON detail."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import PASSWORD, Office

PAGE = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _sign_in(client: TestClient, email: str) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/host"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def test_a_host_opening_a_staff_page_reads_why_on_a_page(client: TestClient,
                                                           office: Office) -> None:
    _sign_in(client, office.host)
    page = client.get("/staff/devices", headers=PAGE)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "このページは開けません" in page.text and "Not allowed" in page.text
    assert "you are host" in page.text and '"detail"' not in page.text
    # The same refusal to a script stays JSON, with the reason's code.
    api = client.get("/staff/devices")
    assert api.status_code == 403 and api.json()["detail"]["code"] == "forbidden"


def test_missing_pages_and_conversations_are_pages_not_json(client: TestClient,
                                                            office: Office) -> None:
    _sign_in(client, office.staff)
    gone = client.get("/staff/inbox/999999", headers=PAGE)
    assert gone.status_code == 404 and "会話が見つかりません" in gone.text
    assert "no such conversation" in gone.text
    nowhere = client.get("/staff/no-such-page", headers=PAGE)
    assert nowhere.status_code == 404 and "ページが見つかりません" in nowhere.text
    assert "There is no page at this address." in nowhere.text
    wrong = client.get("/staff/inbox/not-a-number", headers=PAGE)
    assert wrong.status_code == 422 and "入力内容が正しくありません" in wrong.text
    # The API answers JSON even to a browser's Accept header.
    api = client.get("/api/conversations/999999", headers=PAGE)
    assert api.status_code == 404 and api.json()["detail"]["code"] == "no_conversation"


def test_a_host_sees_only_the_staff_links_they_may_follow(client: TestClient,
                                                          office: Office) -> None:
    _sign_in(client, office.host)
    home = client.get("/staff", headers=PAGE)
    assert home.status_code == 200
    for href in ("/staff/devices", "/staff/vending", "/staff/onsite", "/staff/poster",
                 "/staff/occupancy", "/staff/messaging/metrics"):
        assert f'href="{href}"' not in home.text
    for href in ("/staff/access", "/staff/inbox", "/meetings", "/host"):
        assert f'href="{href}"' in home.text
        assert client.get(href, headers=PAGE).status_code == 200
