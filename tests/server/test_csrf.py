"""Cross-site request forgery: a page on another site cannot make a signed-in staff member's
browser change anything; the server's own pages, API clients and devices work as before."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from officegate.mqtt import BrokerAddress
from officegate.server.app import create_app
from officegate.server.settings import Settings

from .conftest import PASSWORD, PHONE_ID, Office, bearer, token_of, visit_body

EVIL = "https://evil.example"


def _sign_in(client: TestClient, email: str) -> None:
    r = client.post("/login", data={"email": email, "password": PASSWORD, "next": "/staff"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    assert client.get("/staff", follow_redirects=False).status_code == 200


def _invite(client: TestClient, office: Office) -> dict[str, str]:
    r = client.post("/api/visits", headers=bearer(client, office.host), json=visit_body(office))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _revoked(client: TestClient, made: dict[str, str]) -> bool:
    status = client.get(f"/api/p/{token_of(made['pass_url'])}/status")
    return bool(status.json()["revoked"])


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},  # a sandboxed iframe or data: page
    {"Origin": "http://testserver.evil.example"},
    {"Referer": f"{EVIL}/cats.html"},  # an old browser sends no Origin
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://intranet.testserver"},
])
def test_cross_site_request_with_the_session_cookie_changes_nothing(
        client: TestClient, office: Office, headers: dict[str, str]) -> None:
    made = _invite(client, office)
    _sign_in(client, office.staff)
    r = client.post(f"/api/passes/{made['pass_id']}/revoke", headers=headers)
    assert r.status_code == 403, r.text
    detail = r.json()["detail"]
    assert detail["code"] == "cross_site_request"
    assert "another site" in detail["message_en"] and "別のサイト" in detail["message_ja"]
    assert not _revoked(client, made)


@pytest.mark.parametrize("headers", [
    {"Origin": "http://testserver"},
    {"Referer": "http://testserver/staff/access?day=today"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "null"},  # a no-referrer page of ours
    {"Origin": "http://officegate.test", "Host": "officegate.test"},  # a second name of ours
    {},  # not a browser: a script holding the cookie
])
def test_the_servers_own_pages_still_work(client: TestClient, office: Office,
                                          headers: dict[str, str]) -> None:
    made = _invite(client, office)
    _sign_in(client, office.staff)
    r = client.post(f"/api/passes/{made['pass_id']}/revoke", headers=headers)
    assert r.status_code == 200, r.text
    assert _revoked(client, made)


def test_a_cross_site_form_gets_a_bilingual_page_and_the_session_survives(
        client: TestClient, office: Office) -> None:
    _sign_in(client, office.staff)
    r = client.post("/logout", headers={"Origin": EVIL, "Accept": "text/html,*/*"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "別のサイトから送信" in r.text and "came from another site" in r.text
    assert "https://evil.example" in r.text  # the reason names where it came from
    assert client.get("/staff", follow_redirects=False).status_code == 200  # still signed in
    r = client.post("/logout", headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/staff", follow_redirects=False).status_code == 303  # signed out


def test_a_forged_sign_in_is_refused(client: TestClient, office: Office) -> None:
    r = client.post("/login", data={"email": office.staff, "password": PASSWORD},
                    headers={"Origin": EVIL}, follow_redirects=False)
    assert r.status_code == 403
    assert "og_session" not in r.headers.get("set-cookie", "")


def test_bearer_tokens_and_cookieless_calls_are_not_affected(client: TestClient,
                                                             office: Office) -> None:
    # Bearer: a page elsewhere cannot attach it (no CORS), so Origin does not matter.
    r = client.post("/api/visits", headers={**bearer(client, office.host), "Origin": EVIL},
                    json=visit_body(office))
    assert r.status_code == 201, r.text
    # The visitor's phone has no session cookie: the pass link is its credential.
    r = client.post(f"/api/p/{token_of(r.json()['pass_url'])}/open",
                    json={"device_id": PHONE_ID}, headers={"Origin": EVIL})
    assert r.status_code == 200, r.text


def test_a_signed_in_staff_member_with_a_bearer_call_is_judged_by_the_token(
        client: TestClient, office: Office) -> None:
    made = _invite(client, office)
    _sign_in(client, office.host)  # the cookie is a host's, the token a staff member's
    r = client.post(f"/api/passes/{made['pass_id']}/revoke",
                    headers={**bearer(client, office.staff), "Origin": EVIL})
    assert r.status_code == 200, r.text


def test_session_cookie_flags(settings: Settings, office: Office, broker: BrokerAddress) -> None:
    for base_url, secure in (("http://testserver", False), ("https://gate.example", True)):
        app = create_app(settings.model_copy(update={"base_url": base_url}), broker=broker)
        client = TestClient(app, base_url=base_url)  # no lifespan: signing in needs the DB only
        r = client.post("/login", data={"email": office.staff, "password": PASSWORD},
                        follow_redirects=False)
        client.close()
        cookie = r.headers["set-cookie"].lower()
        assert cookie.startswith("og_session=")
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("; secure" in cookie) is secure, cookie
