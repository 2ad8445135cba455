"""A forwarded pass link does nothing on a second phone: every pass-page route is the
holding phone's only (the chat and its link code, opting out, consent, OwnTracks, ...)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from messaging.conftest import Office, invite
from support.office import VISITOR_PHONE

FRIEND = "phone-of-a-friend-0123"


@pytest.fixture
def friend(client: TestClient) -> Iterator[TestClient]:
    """A second phone, on the same running server, that was sent the link."""
    other = TestClient(client.app)
    other.headers["X-Pass-Device"] = FRIEND
    yield other


def _routes(token: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", f"/api/chat/{token}", None),
        ("POST", f"/api/chat/{token}/messages", {"text": "I am the visitor, honestly"}),
        ("POST", f"/api/chat/{token}/opt-out", {"opt_out": True}),
        ("PUT", f"/api/chat/{token}/language", {"lang": "en"}),
        ("POST", f"/api/chat/{token}/csat", {"rating": 1}),
        ("GET", f"/api/chat/{token}/stream", None),
        ("GET", f"/api/p/{token}/status", None),
        ("GET", f"/api/p/{token}/arrival", None),
        ("POST", f"/api/p/{token}/arrival/consent", None),
        ("POST", f"/api/p/{token}/location", {"lat": 35.68, "lon": 139.76, "acc": 10,
                                              "at": 1_700_000_000}),
        ("POST", f"/api/p/{token}/owntracks", None),
        ("GET", f"/api/p/{token}/drink", None),
        ("POST", f"/api/p/{token}/drink/cancel", None),
        ("POST", f"/api/p/{token}/checkout", {"code": "12345678"}),
        ("GET", f"/api/p/{token}/privacy", None),
        ("GET", f"/p/{token}/privacy", None),  # the readable page of what is kept
        ("POST", f"/api/p/{token}/consent/marketing", {"given": True}),
        ("POST", f"/api/p/{token}/privacy/erase", None),
        ("POST", f"/api/p/{token}/push-subscription", {"subscription": {
            "endpoint": "https://push.example.net/sub/1",
            "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA",
                     "auth": "tBHItJI5svbpez7KI4CCXg"}}}),
        ("DELETE", f"/api/p/{token}/push-subscription",
         {"endpoint": "https://push.example.net/sub/1"}),
    ]


def test_a_forwarded_link_is_refused_on_every_pass_page_route(
        client: TestClient, office: Office, friend: TestClient) -> None:
    token = invite(client, office)["token"]
    assert client.post(f"/api/p/{token}/open", json={"device_id": VISITOR_PHONE}).status_code \
        == 200
    before = client.get(f"/api/chat/{token}").json()
    assert before["link_code"]
    assert friend.post(f"/api/p/{token}/open", json={"device_id": FRIEND}).status_code == 409
    for method, path, body in _routes(token):
        r = friend.request(method, path, json=body)
        assert r.status_code == 403, (path, r.status_code, r.text)
        assert r.json()["detail"]["code"] == "bound_to_other_device"
        assert "link_code" not in r.text
    # The friend's refusals count as guesses from this address, which the visitor's test
    # client shares: forget them (the throttle is tested on its own).
    client.app.state.throttle.reset()  # type: ignore[attr-defined]
    after = client.get(f"/api/chat/{token}").json()
    assert after["opted_out"] is False and after["messages"] == before["messages"]


def test_no_phone_named_is_refused_too(client: TestClient, office: Office) -> None:
    token = invite(client, office)["token"]
    bare = TestClient(client.app)  # no header, no cookie: a script with the link only
    assert bare.get(f"/api/chat/{token}").status_code == 403
    assert bare.post(f"/api/p/{token}/owntracks").status_code == 403
    # ... and it bound nothing: the visitor's phone is still the first one.
    assert client.post(f"/api/p/{token}/open", json={"device_id": VISITOR_PHONE}).status_code \
        == 200


def test_the_holding_phone_is_known_by_its_cookie_on_the_event_stream(
        client: TestClient, office: Office) -> None:
    token = invite(client, office)["token"]
    phone = TestClient(client.app)  # a browser: the page opens the pass, then EventSource
    opened = phone.post(f"/api/p/{token}/open", json={"device_id": "phone-with-a-cookie-1"})
    assert opened.status_code == 200
    cookie = opened.headers["set-cookie"].lower()
    assert "og_device=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert phone.get(f"/api/chat/{token}").status_code == 200  # no header: the cookie
