"""Users and roles: an admin invites by e-mail, the person sets a password by the one-time
link, an admin changes a role, deactivates, sends a reset link; everyone picks their own
page language."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from support.receivers import MailReceiver

from .conftest import PASSWORD, Office, bearer, sign_in


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _link(smtp: MailReceiver, count: int) -> str:
    messages = smtp.wait(count)
    assert len(messages) == count
    found = re.search(r"http://testserver(/set-password/[A-Za-z0-9_-]+)",
                      messages[-1].get_content())
    assert found, messages[-1].get_content()
    return found.group(1)


def test_an_invited_user_sets_a_password_once_and_signs_in(
        client: TestClient, office: Office, smtp: MailReceiver) -> None:
    admin = bearer(client, office.admin)
    r = client.post("/api/users/invite", headers=admin,
                    json={"email": "New.Person@Example.com", "name": "New Person",
                          "role": "staff"})
    assert r.status_code == 201, r.text
    assert r.json()["mailed"] is True and r.json()["link"] is None  # only in the mail
    assert str(smtp.messages[0]["To"]) == "new.person@example.com"
    link = _link(smtp, 1)
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "short"})
    assert weak.status_code == 422 and 'aria-invalid="true"' in weak.text
    done = client.post(link, data={"password": "a long enough secret"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert client.post(link, data={"password": "another secret here"}).status_code == 410
    token = client.post("/api/auth/token", json={"email": "new.person@example.com",
                                                 "password": "a long enough secret"})
    assert token.status_code == 200
    twice = client.post("/api/users/invite", headers=admin,
                        json={"email": "new.person@example.com"})
    assert twice.status_code == 409


def test_role_change_deactivation_and_reset(client: TestClient, office: Office,
                                            smtp: MailReceiver) -> None:
    admin = bearer(client, office.admin)
    people = {u["email"]: u["id"] for u in client.get("/api/users", headers=admin).json()}
    night = people[office.night]
    assert client.get("/api/users", headers=bearer(client, office.staff)).status_code == 403

    night_token = bearer(client, office.night)
    r = client.patch(f"/api/users/{night}", headers=admin, json={"role": "host"})
    assert r.status_code == 200 and r.json()["role"] == "host"
    assert client.get("/api/alerts", headers=night_token).status_code == 401  # signed out
    assert client.get("/api/alerts", headers=bearer(client, office.night)).status_code == 403
    assert client.patch(f"/api/users/{night}", headers=admin,
                        json={"role": "wizard"}).status_code == 422

    sign_in(client, office.night)
    assert client.get("/staff", follow_redirects=False).status_code == 200
    off = client.patch(f"/api/users/{night}", headers=admin, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/staff", follow_redirects=False).status_code == 303  # signed out now
    assert client.post("/api/auth/token", json={"email": office.night,
                                                "password": PASSWORD}).status_code == 401
    me = people[office.admin]
    assert client.patch(f"/api/users/{me}", headers=admin,
                        json={"active": False}).status_code == 422
    assert client.patch(f"/api/users/{me}", headers=admin,
                        json={"role": "staff"}).status_code == 422

    client.patch(f"/api/users/{night}", headers=admin, json={"active": True})
    first = client.post(f"/api/users/{night}/reset", headers=admin)
    assert first.status_code == 200 and first.json()["mailed"] is True
    old = _link(smtp, 1)
    client.post(f"/api/users/{night}/reset", headers=admin)
    new = _link(smtp, 2)
    assert client.get(old).status_code == 410  # only the newest link works
    assert client.post(new, data={"password": "brand new secret"},
                       follow_redirects=False).status_code == 303


def test_own_language_and_the_users_page(client: TestClient, office: Office) -> None:
    sign_in(client, office.staff)
    assert "今日" in client.get("/staff").text
    assert client.put("/api/me/language", json={"language": "en"}).status_code == 204
    client.cookies.clear()  # a new browser: the account's choice still holds
    sign_in(client, office.staff)
    page = client.get("/staff", headers={"Accept-Language": "ja"})
    assert "Today at" in page.text and "今日" not in page.text
    assert client.put("/api/me/language", json={"language": "fr"}).status_code == 422
    assert client.get("/staff/users", follow_redirects=False).status_code == 403
    sign_in(client, office.admin)
    users = client.get("/staff/users")
    assert users.status_code == 200 and office.night in users.text


def test_the_language_switch_stays_on_this_site(client: TestClient, office: Office) -> None:
    sign_in(client, office.staff)
    page = client.get("/staff/access", headers={"Accept-Language": "ja"}).text
    assert 'action="/lang"' in page and "/staff/lang" not in page  # one switcher, site-wide
    r = client.post("/lang", data={"lang": "en", "next": "/staff/access"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/access"
    client.cookies.clear()  # the account keeps the choice, as on the host pages
    sign_in(client, office.staff)
    page = client.get("/staff/access", headers={"Accept-Language": "ja"}).text
    assert "Access log" in page and "入退室ログ" not in page
    assert client.get("/staff/lang", params={"to": "en"}).status_code == 404
    for away in ("//evil.example", "/\\evil.example", "https://evil.example"):
        r = client.post("/lang", data={"lang": "ja", "next": away}, follow_redirects=False)
        assert r.headers["location"] == "/"
