"""Guessing is throttled: 429 with Retry-After, per account and per address, a growing wait,
a staff alert; the right password waits out the lockout like a wrong one."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from messaging.conftest import PASSWORD, Office, invite
from sqlalchemy import create_engine

from officegate.server.alerts.service import list_alerts
from officegate.server.bootstrap import database_session
from officegate.server.db import run_migrations
from officegate.server.http.counters import DatabaseStorage
from officegate.server.settings import Settings


class Clock:
    """``time`` for the throttle and its storages (memory, the PostgreSQL table), moved
    forward by the test."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr("limits.storage.memory.time", fake)
    monkeypatch.setattr("officegate.server.http.throttle.time", fake)
    monkeypatch.setattr("officegate.server.http.counters.time", fake)  # PostgreSQL's storage
    yield fake


def _token(client: TestClient, email: str, password: str):
    return client.post("/api/auth/token", json={"email": email, "password": password})


def test_200_wrong_passwords_are_throttled_and_the_right_one_waits_too(
        client: TestClient, office: Office, clock: Clock) -> None:
    answers = [_token(client, office.staff, f"guess-{i}") for i in range(200)]
    codes = [r.status_code for r in answers]
    assert codes.count(401) == 5 and codes.count(429) == 195
    refused = answers[-1]
    assert refused.json()["detail"]["code"] == "too_many_attempts"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # The right password during the lockout is refused the same way: no oracle.
    assert _token(client, office.staff, PASSWORD).status_code == 429
    clock.offset += 61  # the minute's window is over
    assert _token(client, office.staff, PASSWORD).status_code == 200


def test_the_wait_grows_with_the_guessing(client: TestClient, office: Office,
                                          clock: Clock) -> None:
    waits = []
    for _round in range(4):  # 4 x 5 failures: the hour's 20 are used up
        for i in range(5):
            assert _token(client, office.host, f"nope-{i}").status_code == 401
        waits.append(int(_token(client, office.host, "x").headers["retry-after"]))
        clock.offset += 61
    assert max(waits[:3]) <= 60 < waits[3] <= 3600
    assert _token(client, office.host, PASSWORD).status_code == 429  # still within the hour


def test_the_login_form_is_throttled_and_says_so(client: TestClient, office: Office) -> None:
    codes = [client.post("/login", data={"email": office.staff, "password": f"p{i}"},
                         follow_redirects=False).status_code for i in range(30)]
    assert codes.count(401) == 5 and codes[-1] == 429
    r = client.post("/login", data={"email": office.staff, "password": PASSWORD},
                    headers={"accept-language": "en"}, follow_redirects=False)
    assert r.status_code == 429 and r.headers["retry-after"]
    assert "Too many failed attempts" in r.text


def test_one_address_guessing_many_accounts_is_stopped_and_staff_are_alerted(
        client: TestClient, office: Office, settings: Settings) -> None:
    codes = [_token(client, f"user{i}@example.com", "guess").status_code for i in range(40)]
    assert codes.count(401) == 20 and codes[-1] == 429
    with database_session(settings) as db:
        alerts = [a for a in list_alerts(db=db, site=settings.site)
                  if a.kind == "guessing_burst"]
        assert len(alerts) == 1 and "signin" in alerts[0].detail
        assert "user" not in alerts[0].detail  # no e-mail address in the alert


def test_guessing_from_elsewhere_does_not_lock_the_owner_out(
        client: TestClient, office: Office, settings: Settings, clock: Clock) -> None:
    """Someone at another address guesses the staff member's password until refused; the
    owner, at their own address, still signs in at once, with a wrong first try too.
    Guessing one account from many addresses is not refused but alerts staff."""
    attacker = TestClient(client.app, client=("203.0.113.7", 40000))
    codes = [_token(attacker, office.staff, f"guess-{i}").status_code for i in range(30)]
    assert codes.count(401) == 5 and codes[-1] == 429
    assert _token(attacker, office.staff, PASSWORD).status_code == 429  # no oracle there
    owner = TestClient(client.app, client=("198.51.100.20", 40001))
    assert _token(owner, office.staff, "a typo").status_code == 401
    assert _token(owner, office.staff, PASSWORD).status_code == 200
    # The attacker's own address stays refused, for this account and for the others.
    assert _token(attacker, office.staff, PASSWORD).status_code == 429
    # A botnet: 60 addresses, one wrong password each, on one account.
    for i in range(60):
        bot = TestClient(client.app, client=(f"192.0.2.{i + 1}", 40002))
        assert _token(bot, office.host, "guess").status_code == 401
    assert _token(owner, office.host, PASSWORD).status_code == 200
    with database_session(settings) as db:
        details = [a.detail for a in list_alerts(db=db, site=settings.site)
                   if a.kind == "guessing_burst"]
    assert any("signin" in d and "account" in d for d in details), details
    assert not any("@" in d or "203.0.113" in d for d in details)


def test_guessing_pass_links_is_throttled(client: TestClient) -> None:
    codes = [client.get(f"/api/p/{secrets.token_urlsafe(24)}/status").status_code
             for _ in range(40)]
    assert codes.count(404) == 20 and codes[-1] == 429


def test_guessing_a_checkout_code_is_throttled(client: TestClient,
                                                        office: Office) -> None:
    token = invite(client, office)["token"]
    client.headers["X-Pass-Device"] = "phone-" + "cd" * 12
    assert client.post(f"/api/p/{token}/open",
                       json={"device_id": client.headers["X-Pass-Device"]}).status_code == 200
    codes = [client.post(f"/api/p/{token}/checkout", json={"code": f"{i:08d}"}).status_code
             for i in range(25)]
    assert codes.count(403) == 20 and codes[-1] == 429


def test_guessing_owntracks_passwords_and_webhook_signatures_is_throttled(
        client: TestClient) -> None:
    login = base64.b64encode(b"ot-someone:guess").decode()
    codes = [client.post("/owntracks", content=b"{}", headers={
        "authorization": f"Basic {login}"}).status_code for _ in range(15)]
    assert codes.count(401) == 10 and codes[-1] == 429
    client.app.state.throttle.reset()  # type: ignore[attr-defined]
    codes = [client.post("/webhooks/line", content=b"{}", headers={
        "x-line-signature": "AAAA"}).status_code for _ in range(35)]
    assert codes.count(403) == 30 and codes[-1] == 429


def test_database_counters_are_shared_by_two_servers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engines = [create_engine(url), create_engine(url)]
    run_migrations(engines[0])
    one, two = (FixedWindowRateLimiter(DatabaseStorage(e)) for e in engines)
    item = parse("3/minute")
    assert all(one.hit(item, "signin", "k") for _ in range(2))
    assert two.hit(item, "signin", "k")  # the third, counted by the other server
    assert not one.hit(item, "signin", "k") and not two.test(item, "signin", "k")
    assert one.get_window_stats(item, "signin", "k").reset_time > time.time()
    two.clear(item, "signin", "k")
    assert one.test(item, "signin", "k")
    for engine in engines:
        engine.dispose()
