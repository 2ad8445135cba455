"""The access log: page and API, filters, and who sees what."""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from officegate.protocol.messages import AccessEvent
from officegate.server.access.service import ingest_event

from .conftest import PASSWORD, Office, bearer, visit_body


def _store(client: TestClient, event: AccessEvent) -> bool:
    sessions = client.app.state.officegate.sessions  # type: ignore[attr-defined]
    with sessions() as db:
        inserted = ingest_event(db=db, event=event)
        db.commit()
    return inserted


def _event(device: str, site: str, reason: str, *, at: float, visit_id: int | None = None,
           detail: str = "") -> AccessEvent:
    return AccessEvent(id=uuid.uuid4().hex, device=device, site=site, at=at, reason=reason,
                       pass_id=None, visit_id=visit_id, subject=None, kid=None,
                       latency_ms=3.0, detail=detail)


def _seed(client: TestClient, office: Office) -> dict[str, int]:
    host = bearer(client, office.host)
    other = bearer(client, office.other_host)
    mine = client.post("/api/visits", headers=host, json=visit_body(office)).json()
    theirs = client.post("/api/visits", headers=other,
                         json=visit_body(office, visitor_name="John Smith")).json()
    now = time.time()
    _store(client, _event(office.gate, office.site, "accepted", at=now - 30,
                          visit_id=mine["visit_id"]))
    _store(client, _event(office.door, office.site, "wrong_door", at=now - 20,
                          visit_id=theirs["visit_id"], detail="<script>alert(1)</script>"))
    _store(client, _event(office.gate, office.site, "malformed", at=now - 10))
    return {"mine": mine["visit_id"], "theirs": theirs["visit_id"]}


def test_ingest_is_idempotent(client: TestClient, office: Office) -> None:
    event = _event(office.gate, office.site, "expired", at=time.time())
    assert _store(client, event) is True
    assert _store(client, event) is False


def test_staff_see_every_event_newest_first(client: TestClient, office: Office) -> None:
    _seed(client, office)
    rows = client.get("/api/access-events", headers=bearer(client, office.staff)).json()
    assert [r["reason"] for r in rows] == ["malformed", "wrong_door", "accepted"]
    assert rows[1]["visitor_name"] == "John Smith"
    assert rows[1]["reason_ja"] == "このドアは対象外"
    assert rows[2]["accepted"] is True and rows[2]["visitor_name"] == "佐藤 花子 Hanako Sato"


def test_hosts_see_only_their_own_visitors(client: TestClient, office: Office) -> None:
    ids = _seed(client, office)
    rows = client.get("/api/access-events", headers=bearer(client, office.host)).json()
    assert [r["visit_id"] for r in rows] == [ids["mine"]]


def test_filters(client: TestClient, office: Office) -> None:
    _seed(client, office)
    staff = bearer(client, office.staff)
    by_device = client.get("/api/access-events", params={"device": office.door},
                           headers=staff).json()
    assert [r["device"] for r in by_device] == [office.door]
    by_reason = client.get("/api/access-events", params={"reason": "malformed"},
                           headers=staff).json()
    assert [r["reason"] for r in by_reason] == ["malformed"]
    # "date" is a day of the site's zone (Asia/Tokyo by default), not of UTC.
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    assert len(client.get("/api/access-events", params={"date": today}, headers=staff).json()) == 3
    assert client.get("/api/access-events", params={"date": "2001-01-01"},
                      headers=staff).json() == []
    r = client.get("/api/access-events", params={"reason": "teleported"}, headers=staff)
    assert r.status_code == 422
    r = client.get("/api/access-events", params={"date": "not-a-day"}, headers=staff)
    assert r.status_code == 422


def test_access_log_page(client: TestClient, office: Office) -> None:
    _seed(client, office)
    client.post("/login", data={"email": office.staff, "password": PASSWORD})
    page = client.get("/staff/access")
    assert page.status_code == 200
    # One language at a time: Japanese by default, English when asked for.
    assert "許可" in page.text and "Accepted" not in page.text and "John Smith" in page.text
    english = client.get("/staff/access", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Accepted" in english.text and "許可" not in english.text
    assert "<script>alert(1)</script>" not in page.text  # escaped, not executed
    filtered = client.get("/staff/access", params={"device": "", "decision": "accepted",
                                                   "start": ""})
    assert "佐藤 花子" in filtered.text and "John Smith" not in filtered.text
    home = client.get("/staff")
    assert home.status_code == 200 and office.gate in home.text and "/staff/access" in home.text
