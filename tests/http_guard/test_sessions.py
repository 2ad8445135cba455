"""Logging out ends the session on the server: a copy of the cookie no longer signs in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from messaging.conftest import PASSWORD, Office


def test_a_cookie_copied_before_logout_stops_working(client: TestClient, office: Office) -> None:
    r = client.post("/login", data={"email": office.staff, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303
    cookie = client.cookies.get("og_session")
    assert client.get("/api/auth/me").json()["email"] == office.staff
    assert client.post("/logout", follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("og_session", cookie)  # an attacker's copy of the old cookie
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/staff", follow_redirects=False).status_code == 303  # to the login


def test_signing_in_again_is_a_new_session(client: TestClient, office: Office) -> None:
    for _ in range(2):
        assert client.post("/login", data={"email": office.staff, "password": PASSWORD},
                           follow_redirects=False).status_code == 303
        assert client.get("/api/auth/me").status_code == 200
