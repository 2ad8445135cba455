"""Signing in, and what each role may see and do."""

from __future__ import annotations

from fastapi.testclient import TestClient

from officegate.server.auth.service import authenticate, create_user
from officegate.server.bootstrap import database_session
from officegate.server.errors import Conflict, InvalidInput
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, bearer, visit_body


def test_login_page_speaks_one_language_at_a_time(client: TestClient) -> None:
    ja = client.get("/login", headers={"accept-language": "ja"})
    assert ja.status_code == 200
    assert "パスワード" in ja.text and "Password" not in ja.text
    en = client.get("/login?lang=en")
    assert "Password" in en.text and "パスワード" not in en.text
    wrong = client.post("/login?lang=en", data={"email": "nobody@example.com",
                                                "password": "wrong"})
    assert wrong.status_code == 401 and "Wrong e-mail or password." in wrong.text
    assert "メールアドレスまたはパスワードが違います" not in wrong.text


def test_good_login_sets_httponly_cookie_and_opens_staff_pages(client: TestClient,
                                                               office: Office) -> None:
    assert client.get("/staff/access", follow_redirects=False).headers["location"] == \
        "/login?next=/staff/access"
    r = client.post("/login", data={"email": office.staff.upper(), "password": PASSWORD,
                                    "next": "/staff/access"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/access"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/staff/access")
    assert page.status_code == 200 and "入退室ログ" in page.text
    assert client.get("/api/auth/me").json()["email"] == office.staff  # cookie works for API
    client.post("/logout")
    assert client.get("/api/auth/me").status_code == 401


def test_wrong_password_is_401_with_a_clear_message(client: TestClient, office: Office) -> None:
    r = client.post("/login", data={"email": office.staff, "password": "nope"})
    assert r.status_code == 401
    assert "パスワードが違います" in r.text and "Wrong e-mail or password" not in r.text
    r = client.post("/api/auth/token", json={"email": "nobody@example.com", "password": "x"})
    assert r.status_code == 401
    assert r.json()["detail"]["code"] == "bad_credentials"
    assert r.headers["www-authenticate"] == "Bearer"


def test_login_never_redirects_off_site(client: TestClient, office: Office) -> None:
    r = client.post("/login", data={"email": office.staff, "password": PASSWORD,
                                    "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/staff"


def test_api_needs_credentials(client: TestClient) -> None:
    r = client.get("/api/access-events")
    assert r.status_code == 401 and r.json()["detail"]["code"] == "not_authenticated"
    r = client.get("/api/access-events", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401 and r.json()["detail"]["code"] == "bad_token"


def test_cookie_is_secure_when_served_over_https(settings: Settings, office: Office,
                                                 broker: object) -> None:
    from officegate.server.app import create_app

    https = settings.model_copy(update={"base_url": "https://gate.example"})
    with TestClient(create_app(https, broker=broker), base_url="https://testserver") as c:  # type: ignore[arg-type]
        r = c.post("/login", data={"email": office.staff, "password": PASSWORD},
                   follow_redirects=False)
        assert "secure" in r.headers["set-cookie"].lower()


def test_roles(client: TestClient, office: Office) -> None:
    host, staff, admin = (bearer(client, e) for e in (office.host, office.staff, office.admin))
    assert client.post("/api/keys/rotate", headers=host).status_code == 403
    assert client.post("/api/keys/rotate", headers=staff).status_code == 403
    assert client.post("/api/keys/rotate", headers=admin).status_code == 200
    assert client.get("/api/devices", headers=host).status_code == 403
    assert client.get("/api/devices", headers=staff).status_code == 200
    made = client.post("/api/visits", headers=host, json=visit_body(office)).json()
    r = client.post(f"/api/passes/{made['pass_id']}/revoke", headers=host)
    assert r.status_code == 403 and "staff" in r.json()["detail"]["message_en"]
    # A host may not invite on someone else's behalf; staff may.
    r = client.post("/api/visits", headers=host, json=visit_body(office, host=office.other_host))
    assert r.status_code == 403
    r = client.post("/api/visits", headers=staff, json=visit_body(office, host=office.other_host))
    assert r.status_code == 201


def test_create_user_refuses_duplicates_and_weak_passwords(settings: Settings,
                                                           office: Office) -> None:
    with database_session(settings) as db:
        for kwargs, error in (
            ({"email": office.host, "password": PASSWORD, "role": "host"}, Conflict),
            ({"email": "x@example.com", "password": "short", "role": "host"}, InvalidInput),
            ({"email": "x@example.com", "password": PASSWORD, "role": "boss"}, InvalidInput),
            ({"email": "not-an-email", "password": PASSWORD, "role": "host"}, InvalidInput),
        ):
            try:
                create_user(db=db, **kwargs)  # type: ignore[arg-type]
            except error:
                pass
            else:
                raise AssertionError(f"{kwargs} was accepted")
        user = authenticate(db=db, email=office.host, password=PASSWORD)
        assert user is not None and user.password_hash.startswith("$argon2id$")
