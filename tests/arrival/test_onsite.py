"""Who is on site: the live list, the evacuation roll call, CSV, and every way out."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from officegate.server.db import utcnow
from officegate.server.journey import JourneyEvent
from officegate.server.settings import Settings

from .conftest import Office, bearer, configure, invite
from .test_checkin import _check_in, checked_in


def test_on_site_list_roll_call_and_csv(client: TestClient, settings: Settings,
                                        office: Office) -> None:
    configure(client, office)
    staff = bearer(client, office.staff)
    hanako = invite(client, office)
    ken = invite(client, office, name="=Ken Ito", email="ken@example.org")
    invite(client, office, name="Not Here", email="nothere@example.org")  # never checks in
    for phone in (hanako, ken):
        assert _check_in(client, settings, phone).json()["status"] == "checked_in"
    people = client.get("/api/onsite", headers=staff).json()
    assert sorted(p["name"] for p in people) == ["=Ken Ito", "Hana Host", "佐藤 花子 Hanako Sato"]
    assert client.get("/api/onsite", headers=bearer(client, office.host)).status_code == 403

    call = client.post("/api/rollcalls", headers=staff).json()
    assert call["missing"] == 3
    marked = client.post(f"/api/rollcalls/{call['id']}/safe", headers=staff,
                         json={"person": f"v{hanako.visit_id}"}).json()
    assert marked["missing"] == 2
    assert client.post(f"/api/rollcalls/{call['id']}/safe", headers=staff,
                       json={"person": "robert'); drop"}).status_code == 422
    rows = list(csv.DictReader(io.StringIO(
        client.get("/api/onsite.csv", headers=staff).content.decode("utf-8-sig"))))
    by_name = {r["name"]: r for r in rows}
    assert by_name["佐藤 花子 Hanako Sato"]["safe_utc"] != ""
    assert by_name["'=Ken Ito"]["safe_utc"] == ""  # and the formula is defused
    page = client.get("/staff/onsite", headers=staff)
    assert page.status_code == 200 and "Hanako" in page.text
    ended = client.post(f"/api/rollcalls/{call['id']}/end", headers=staff).json()
    assert ended["ended_at"] is not None

    # Nobody went through the gate: after the site's 10 minutes the host hears, once each.
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    hub.sweep(utcnow() + timedelta(minutes=5))
    hub.sweep(utcnow() + timedelta(minutes=11))
    hub.sweep(utcnow() + timedelta(minutes=12))
    notices = client.get("/api/notify/notices", headers=bearer(client, office.host)).json()
    waiting = sorted(n["title_en"] for n in notices if n["kind"] == "waiting")
    assert waiting == ["=Ken Ito has been waiting 11 min",
                       "佐藤 花子 Hanako Sato has been waiting 11 min"]


def test_check_out_by_pass_page_exit_gate_and_end_of_day(
        client: TestClient, settings: Settings, office: Office) -> None:
    configure(client, office)
    staff = bearer(client, office.staff)
    heard: list[JourneyEvent] = []
    state = client.app.state.officegate  # type: ignore[attr-defined]
    state.journey.subscribe("checked_out", heard.append)
    by_page, by_gate, by_night = (
        checked_in(client, settings, invite(client, office, email=f"{n}@example.org", name=n))
        for n in ("Page", "Gate", "Night"))

    assert client.post(f"/api/p/{by_page.token}/checkout",
                       json={"code": "12345678"}).status_code == 403
    r = client.post(f"/api/p/{by_page.token}/checkout", json={"code": by_page.code()})
    assert r.json() == {"status": "checked_out"}

    state.journey.publish(JourneyEvent(
        kind="gate_passed", key=f"gate_passed:{uuid.uuid4().hex}", at=utcnow(),
        visit_id=by_gate.visit_id, site=office.site,
        data={"device": office.exit_gate, "reason": "accepted"}))
    hub = client.app.state.officegate.runtime.arrival  # type: ignore[attr-defined]
    hub.sweep(utcnow() + timedelta(days=1))
    names = {p["name"] for p in client.get("/api/onsite", headers=staff).json()}
    assert names == set()
    assert sorted(e.data["how"] for e in heard) == ["end_of_day", "exit_gate", "pass_page"]
    status = client.get(f"/api/p/{by_gate.token}/status").json()
    assert status["revoked"] is True  # the pass no longer opens anything
