"""Touchless lobby check-in: the daily poster, pass possession, the gate zone given only at
check-in (checked the way the edge checks, offline), the deny list and the acknowledgement."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import base45
from fastapi.testclient import TestClient

from officegate.protocol import DoorPolicy, Reason, rotating_text, verify
from officegate.server.bootstrap import database_session
from officegate.server.checkin.poster import poster_url
from officegate.server.keys import service as keys
from officegate.server.settings import Settings
from officegate.server.sites import service as sites
from officegate.server.visits import service as visits

from .conftest import Office, Phone, Receiver, bearer, configure, invite, noon_zone


def _poster(settings: Settings, day: str | None = None) -> dict[str, str]:
    day = day or datetime.now(ZoneInfo(noon_zone())).date().isoformat()
    url = poster_url(base_url=settings.base_url, secret=settings.secret_key or "",
                     site=settings.site, day=day)
    query = parse_qs(urlsplit(url).query)
    return {"site": settings.site, "day": query["d"][0], "poster_code": query["k"][0]}


def _check_in(client: TestClient, settings: Settings, phone: Phone, **extra: str):  # type: ignore[no-untyped-def]
    body = {**_poster(settings), "token": phone.token, "code": phone.code(), **extra}
    return client.post("/api/checkin", json=body)


def checked_in(client: TestClient, settings: Settings, phone: Phone) -> Phone:
    """Check in, then reopen the pass as the check-in page does; the phone with its new pass."""
    r = _check_in(client, settings, phone)
    assert r.json()["status"] == "checked_in", r.text
    reopened = client.post(f"/api/p/{phone.token}/open", json={"device_id": phone.device_id})
    assert reopened.status_code == 200, reopened.text
    return Phone(phone.token, phone.device_id, reopened.json(), phone.visit_id)


def _gate_decision(settings: Settings, office: Office, opened: dict[str, object],
                   code: str) -> Reason:
    """What the lobby gate decides offline with the keys and revocations it holds."""
    with database_session(settings) as db:
        site = sites.get_site(db=db, code=settings.site)
        keyset = keys.build_keyset(db=db, site=site, keyring=settings.keyring)
        revoked = visits.build_revocations(db=db, site=site).pass_id_bytes()
    text = rotating_text(base45.b45decode(str(opened["cose_b45"])), code)
    return verify(text, keys=keyset, revoked=revoked, door=DoorPolicy(device=office.gate,
                                                                      zone="lobby"),
                  now=time.time()).reason


def test_check_in_opens_the_lobby_gate_only_after_check_in(
        client: TestClient, settings: Settings, office: Office, receiver: Receiver) -> None:
    configure(client, office)
    client.post("/api/notify/targets", headers=bearer(client, office.host),
                json={"kind": "apprise", "url": f"json://127.0.0.1:{receiver.port}/hook"})
    phone = invite(client, office)
    assert "lobby" not in json.dumps(phone.opened)  # held back until check-in
    assert _gate_decision(settings, office, phone.opened, phone.code()) is Reason.WRONG_DOOR

    r = _check_in(client, settings, phone)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "checked_in" and out["pass_replaced"] is True
    assert out["room"] == "3F Sakura"
    reopened = client.post(f"/api/p/{phone.token}/open", json={"device_id": phone.device_id})
    assert reopened.status_code == 200 and reopened.json()["pass_id"] == out["pass_id"]
    assert out["new_pass"] == reopened.json()  # what checkin.js stores for the pass page
    new = Phone(phone.token, phone.device_id, reopened.json(), phone.visit_id)
    assert _gate_decision(settings, office, new.opened, new.code()) is Reason.ACCEPTED
    assert _gate_decision(settings, office, phone.opened, phone.code()) is Reason.REVOKED
    (notice,) = receiver.wait(1)
    assert "checked in" in json.loads(notice["body"])["title"]
    status = client.get(f"/api/p/{phone.token}/status").json()
    assert status["checked_in"] is True
    # Scanning again is harmless: same pass, no second notice.
    again = _check_in(client, settings, new)
    assert again.json()["status"] == "checked_in" and again.json()["pass_id"] == out["pass_id"]


def test_poster_and_pass_must_be_genuine(client: TestClient, settings: Settings,
                                         office: Office) -> None:
    configure(client, office)
    phone = invite(client, office)
    yesterday = (datetime.now(ZoneInfo(noon_zone())) - timedelta(days=1)).date().isoformat()
    old = {**_poster(settings, yesterday), "token": phone.token, "code": phone.code()}
    r = client.post("/api/checkin", json=old)
    assert r.status_code == 410 and r.json()["detail"]["code"] == "old_poster"
    forged = {**_poster(settings), "token": phone.token, "code": phone.code()}
    forged["poster_code"] = "A" * 16
    assert client.post("/api/checkin", json=forged).json()["detail"]["code"] == "bad_poster"
    wrong_code = _check_in(client, settings, phone, code="00000000")
    assert wrong_code.status_code == 403 and wrong_code.json()["detail"]["code"] == "bad_code"
    stale = _check_in(client, settings, phone, code=phone.code(time.time() - 600))
    assert stale.status_code == 403
    unknown = client.post("/api/checkin", json={**_poster(settings), "token": "x" * 32,
                                                "code": phone.code()})
    assert unknown.status_code == 404
    assert client.get(f"/api/p/{phone.token}/status").json()["checked_in"] is False


def test_acknowledgement_is_required_and_stored_with_its_version(
        client: TestClient, settings: Settings, office: Office) -> None:
    configure(client, office, ack_version="nda-2", ack_text_en="Keep it secret.",
              ack_text_ja="秘密を守ってください。")
    phone = invite(client, office)
    first = _check_in(client, settings, phone).json()
    assert first["status"] == "needs_ack" and first["ack_version"] == "nda-2"
    assert first["ack_text_ja"] == "秘密を守ってください。"
    assert _check_in(client, settings, phone, ack_version="nda-1").json()["status"] == "needs_ack"
    assert _check_in(client, settings, phone, ack_version="nda-2").json()["status"] == \
        "checked_in"
    from officegate.server.checkin.service import checkin_of

    with database_session(settings) as db:
        record = checkin_of(db=db, visit_id=phone.visit_id)
        assert record is not None and record.ack_version == "nda-2"
        assert record.ack_at is not None


def test_deny_list_holds_the_visitor_and_only_staff_can_let_them_in(
        client: TestClient, settings: Settings, office: Office, receiver: Receiver) -> None:
    configure(client, office)
    staff = bearer(client, office.staff)
    client.post("/api/notify/targets", headers=bearer(client, office.host),
                json={"kind": "apprise", "url": f"json://127.0.0.1:{receiver.port}/hook"})
    # Listed after the invitation went out: the check-in screening catches it (a listing
    # before the invitation holds the invitation itself: tests/invitations/).
    phone = invite(client, office, name="Mallory", email="mallory@example.org")
    r = client.post(f"/api/sites/{office.site}/watchlist", headers=staff,
                    json={"list": "deny", "email": "MALLORY@example.org",
                          "reason": "Badge misuse in March"})
    assert r.status_code == 201, r.text
    held = _check_in(client, settings, phone)
    assert held.json()["status"] == "held" and "Badge" not in held.text
    (notice,) = receiver.wait(1)
    # The host hears that the visitor waits for security staff, never the deny-list reason;
    # nor does the visitor's pass page.
    message = json.loads(notice["body"])["message"]
    assert "security staff" in message and "Badge" not in message
    state = client.get(f"/api/p/{phone.token}/arrival")
    assert state.json()["checkin"] == "held" and "Badge" not in state.text
    assert _gate_decision(settings, office, phone.opened, phone.code()) is Reason.WRONG_DOOR
    # Scanning again does not let them in, and does not notify twice.
    assert _check_in(client, settings, phone).json()["status"] == "held"
    host_try = client.post(f"/api/visits/{phone.visit_id}/approval", json={"allow": True},
                           headers=bearer(client, office.host))
    assert host_try.status_code == 403
    ok = client.post(f"/api/visits/{phone.visit_id}/approval", json={"allow": True},
                     headers=staff)
    assert ok.status_code == 200 and ok.json()["status"] == "checked_in"
    reopened = client.post(f"/api/p/{phone.token}/open", json={"device_id": phone.device_id})
    new = Phone(phone.token, phone.device_id, reopened.json(), phone.visit_id)
    assert _gate_decision(settings, office, new.opened, new.code()) is Reason.ACCEPTED
    assert len(receiver.wait(2)) == 2  # held, then checked in


def test_watchlist_match_can_be_approved_by_the_host(
        client: TestClient, settings: Settings, office: Office) -> None:
    configure(client, office)
    phone = invite(client, office, name="john doe", email="jd@example.org")
    client.post(f"/api/sites/{office.site}/watchlist", headers=bearer(client, office.staff),
                json={"list": "watch", "name": "ＪＯＨＮ   Doe", "reason": "Check ID"})
    assert _check_in(client, settings, phone).json()["status"] == "held"
    other = client.post(f"/api/visits/{phone.visit_id}/approval", json={"allow": True},
                        headers=bearer(client, office.other_host))
    assert other.status_code == 403
    refused = client.post(f"/api/visits/{phone.visit_id}/approval", json={"allow": False},
                          headers=bearer(client, office.host))
    assert refused.json()["status"] == "refused"
    assert _check_in(client, settings, phone).status_code == 409


def test_a_forwarded_link_cannot_check_in_even_with_the_code(
        client: TestClient, settings: Settings, office: Office) -> None:
    """A friend sent the link (and shown the current code) scans the lobby poster on their
    own phone: refused, the visit is not checked in; the visitor's own phone then can."""
    configure(client, office)
    phone = invite(client, office)
    friend = TestClient(client.app)
    friend.headers["X-Pass-Device"] = "phone-of-a-friend-0123"
    for other in (friend, TestClient(client.app)):  # another phone, or none named at all
        r = _check_in(other, settings, phone)
        assert r.status_code == 403 and r.json()["detail"]["code"] == "bound_to_other_device"
        assert "new_pass" not in r.text
    assert client.get(f"/api/p/{phone.token}/status").json()["checked_in"] is False
    assert _check_in(client, settings, phone).json()["status"] == "checked_in"
