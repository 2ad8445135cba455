"""The watchlist, rooms and calendar feeds are edited and removed, not only added: staff only,
a bad value named at its field, every change in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .conftest import Office, bearer


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _actions(client: TestClient, office: Office, action: str) -> list[dict[str, str]]:
    admin = bearer(client, office.admin)
    r = client.get("/api/audit", params={"action": action}, headers=admin)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_a_list_entry_is_edited_and_removed(client: TestClient, office: Office) -> None:
    staff, host = bearer(client, office.staff), bearer(client, office.host)
    base = f"/api/sites/{office.site}/watchlist"
    added = client.post(base, headers=staff, json={"list": "watch", "name": "Ken Ito",
                                                   "reason": "asked to be announced"})
    assert added.status_code == 201, added.text
    entry = added.json()["id"]

    edited = client.put(f"{base}/{entry}", headers=staff,
                        json={"list": "deny", "name": "Ken Ito", "email": "ken@example.com",
                              "reason": "banned after an incident"})
    assert edited.status_code == 200, edited.text
    listed = {e["id"]: e for e in client.get(base, headers=staff).json()}
    assert listed[entry]["list"] == "deny" and listed[entry]["email"] == "ken@example.com"

    bad = client.put(f"{base}/{entry}", headers=staff,
                     json={"list": "deny", "name": None, "email": None, "reason": "x"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "name"
    bad = client.put(f"{base}/{entry}", headers=staff,
                     json={"list": "deny", "name": "Ken", "email": "not an address",
                           "reason": "x"})
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "email"
    assert client.put(f"{base}/{entry}", headers=host, json={
        "list": "watch", "name": "Ken", "reason": "x"}).status_code == 403
    assert client.delete(f"{base}/{entry}", headers=host).status_code == 403
    assert client.put(f"{base}/999999", headers=staff, json={
        "list": "watch", "name": "Ken", "reason": "x"}).status_code == 404

    assert client.delete(f"{base}/{entry}", headers=staff).status_code == 204
    assert entry not in {e["id"] for e in client.get(base, headers=staff).json()}
    assert client.delete(f"{base}/{entry}", headers=staff).status_code == 404
    edits = _actions(client, office, "watchlist.edit")
    assert edits[0]["target"] == f"watchlist:{entry}" and edits[0]["actor"] == office.staff
    assert "Ken" not in edits[0]["after"]  # ids and lists only, no names in the permanent log
    assert _actions(client, office, "watchlist.remove")[0]["target"] == f"watchlist:{entry}"


def test_a_room_is_renamed_moved_and_removed_only_without_meetings(
        client: TestClient, office: Office) -> None:
    staff, host = bearer(client, office.staff), bearer(client, office.host)
    spare = f"{office.door}-b"
    assert client.post("/api/devices", headers=bearer(client, office.admin), json={
        "name": spare, "kind": "door", "zone": "floor-3"}).status_code == 201
    assert client.post("/api/rooms", headers=staff, json={
        "name": "sakura", "label": "Sakura", "door": office.door}).status_code == 201
    assert client.post("/api/rooms", headers=staff, json={
        "name": "kaede", "door": spare}).status_code == 201

    r = client.put("/api/rooms/sakura", headers=staff,
                   json={"label": "Sakura (3F)", "door": office.door, "capacity": 12})
    assert r.status_code == 200 and r.json()["label"] == "Sakura (3F)"
    assert r.json()["capacity"] == 12
    taken = client.put("/api/rooms/sakura", headers=staff,
                       json={"label": "Sakura", "door": spare, "capacity": 12})
    assert taken.status_code == 422 and taken.json()["detail"]["field"] == "door"
    bad = client.put("/api/rooms/sakura", headers=staff,
                     json={"label": "Sakura", "door": office.door, "capacity": 0})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "capacity"
    assert client.put("/api/rooms/sakura", headers=host, json={
        "label": "x", "door": office.door, "capacity": 2}).status_code == 403

    start = datetime.now(UTC) + timedelta(hours=2)
    booked = client.post("/api/meetings", headers=host, json={
        "room": "sakura", "title": "Planning", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat()})
    assert booked.status_code == 201, booked.text
    assert client.delete("/api/rooms/kaede", headers=staff).status_code == 204
    moved = client.put("/api/rooms/sakura", headers=staff,
                       json={"label": "Sakura", "door": spare, "capacity": 12})
    assert moved.status_code == 422 and moved.json()["detail"]["code"] == "room_booked"
    kept = client.delete("/api/rooms/sakura", headers=staff)
    assert kept.status_code == 409 and kept.json()["detail"]["code"] == "room_has_meetings"
    assert [r["name"] for r in client.get("/api/rooms", headers=staff).json()] == ["sakura"]
    assert _actions(client, office, "room.edit")[0]["target"] == "room:sakura"
    assert _actions(client, office, "room.remove")[0]["target"] == "room:kaede"


def test_a_calendar_feed_is_repointed_and_removed(client: TestClient, office: Office) -> None:
    staff, host = bearer(client, office.staff), bearer(client, office.host)
    assert client.post("/api/rooms", headers=staff, json={
        "name": "sakura", "door": office.door}).status_code == 201
    added = client.post("/api/calendar-feeds", headers=staff, json={
        "url": "https://calendar.example.com/sakura.ics?token=s3cret", "room": "sakura"})
    assert added.status_code == 201, added.text
    feed = added.json()["id"]

    kept = client.put(f"/api/calendar-feeds/{feed}", headers=staff,
                      json={"url": None, "room": "sakura"})
    assert kept.status_code == 200 and kept.json()["url"].endswith("token=s3cret")
    scheme = client.put(f"/api/calendar-feeds/{feed}", headers=staff,
                        json={"url": "ftp://calendar.example.com/a.ics", "room": "sakura"})
    assert scheme.status_code == 422 and scheme.json()["detail"]["field"] == "url"
    moved = client.put(f"/api/calendar-feeds/{feed}", headers=staff,
                       json={"url": "https://calendar.example.com/new.ics", "room": "sakura"})
    assert moved.status_code == 200 and moved.json()["url"].endswith("/new.ics")
    assert client.delete(f"/api/calendar-feeds/{feed}", headers=host).status_code == 403
    assert client.delete(f"/api/calendar-feeds/{feed}", headers=staff).status_code == 204
    assert client.delete(f"/api/calendar-feeds/{feed}", headers=staff).status_code == 404
    edits = _actions(client, office, "calendar_feed.edit")
    assert edits and "s3cret" not in str(edits)  # a URL's token stays out of the log
    assert _actions(client, office, "calendar_feed.remove")[0]["target"] == f"feed:{feed}"


def test_the_building_outline_is_checked_corner_by_corner(client: TestClient,
                                                          office: Office) -> None:
    staff = bearer(client, office.staff)
    url = f"/api/sites/{office.site}/arrival"
    base = {"lat": 35.6812, "lon": 139.7671, "radius_m": 80, "approach_m": 1000}
    d = 0.0004  # about 40 m
    square = [[35.6812 - d, 139.7671 - d], [35.6812 - d, 139.7671 + d],
              [35.6812 + d, 139.7671 + d], [35.6812 + d, 139.7671 - d]]

    def outline(polygon: list[list[float]]) -> tuple[int, str | None]:
        r = client.put(url, headers=staff, json={**base, "polygon": polygon})
        detail = r.json().get("detail") if r.status_code != 200 else None
        return r.status_code, detail.get("code") if isinstance(detail, dict) else None

    assert outline(square) == (200, None)
    assert client.get(url, headers=staff).json()["polygon"] == square
    assert outline([*square, square[0]]) == (200, None)  # closed by repeating the first
    assert outline(square[:2]) == (422, "few_corners")
    bow_tie = [square[0], square[2], square[1], square[3]]
    assert outline(bow_tie) == (422, "outline_crosses")
    assert outline([[35.7812, 139.7671], square[1], square[2]]) == (422, "outline_far")
    assert outline([[95.0, 139.7671], square[1], square[2]]) == (422, "bad_corner")
    r = client.put(url, headers=staff, json={**base, "polygon": square[:2]})
    assert r.json()["detail"]["field"] == "polygon"
    assert outline([]) == (200, None)  # the circle alone
    assert client.get(url, headers=staff).json()["polygon"] == []
    assert client.put(url, headers=bearer(client, office.host),
                      json={**base, "polygon": square}).status_code == 403
