"""Pass scope: a host may put only the site's visitor zones and their doors on a pass; a
meeting room's door comes only with a booking; staff may grant more."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from officegate.server.bootstrap import database_session
from officegate.server.devices.service import create_device
from officegate.server.meetings.service import create_room
from officegate.server.settings import Settings
from officegate.server.visits.models import Visit, VisitorPass

from .conftest import Office, bearer, visit_body


@pytest.fixture
def places(settings: Settings, office: Office) -> dict[str, str]:
    """Beyond the office fixture (lobby gate, floor-3 door; both visitor zones there): a
    server-room door in zone "vault" and a meeting room whose door is on floor 3."""
    suffix = secrets.token_hex(3)
    names = {"vault_door": f"vault-{suffix}", "room_door": f"sakura-{suffix}"}
    with database_session(settings) as db:
        create_device(db=db, name=names["vault_door"], kind="door", zone="vault", site=office.site)
        create_device(db=db, name=names["room_door"], kind="door", zone="floor-3",
                      site=office.site)
        create_room(db=db, site=office.site, name=f"sakura{suffix}", label="3F Sakura",
                    door=names["room_door"])
    return names


def _detail(r: object) -> dict[str, str]:
    return r.json()["detail"]  # type: ignore[attr-defined, no-any-return]


def test_host_grants_visitor_zones_and_their_doors(client: TestClient, settings: Settings,
                                                   office: Office,
                                                   places: dict[str, str]) -> None:
    host = bearer(client, office.host)
    r = client.post("/api/visits", headers=host,
                    json=visit_body(office, zones=["lobby", "floor-3"],
                                    doors=[office.gate, office.door]))
    assert r.status_code == 201, r.text
    # What the pass says (signed into it): exactly what the host granted.
    assert _granted(settings, r.json()["pass_id"]) == (
        ["floor-3", "lobby"], sorted([office.gate, office.door]))


def _granted(settings: Settings, pass_id: str) -> tuple[list[str], list[str]]:
    with database_session(settings) as db:
        row = db.scalar(select(VisitorPass).where(VisitorPass.pass_id == pass_id))
        assert row is not None
        return sorted(row.zones), sorted(row.doors)


def _visits(settings: Settings) -> int:
    with database_session(settings) as db:
        return len(list(db.scalars(select(Visit))))


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"zones": ["vault"], "doors": []}, "zone_not_for_visitors", "floor-3, lobby"),
    ({"zones": ["lobby"], "doors": ["@vault_door"]}, "door_not_for_visitors", "floor-3, lobby"),
    ({"zones": ["lobby"], "doors": ["@room_door"]}, "room_needs_booking", "POST /api/meetings"),
])
def test_host_cannot_grant_beyond_the_visitor_zones(
        client: TestClient, settings: Settings, office: Office, places: dict[str, str],
        change: dict[str, list[str]], code: str, words: str) -> None:
    body = {k: [places[v[1:]] if v.startswith("@") else v for v in vs] for k, vs in change.items()}
    r = client.post("/api/visits", headers=bearer(client, office.host),
                    json=visit_body(office, **body))
    assert r.status_code == 403, r.text
    assert _detail(r)["code"] == code
    assert words in _detail(r)["message_en"] and _detail(r)["message_ja"]
    assert _visits(settings) == 0  # nothing was issued


def test_staff_and_admin_grant_any_known_zone_or_door(client: TestClient, office: Office,
                                                      places: dict[str, str]) -> None:
    for who in (office.staff, office.admin):
        r = client.post("/api/visits", headers=bearer(client, who), json=visit_body(
            office, zones=["vault"], doors=[places["vault_door"], places["room_door"]]))
        assert r.status_code == 201, (who, r.text)


def test_unknown_places_stay_422_for_everyone(client: TestClient, office: Office) -> None:
    for who in (office.host, office.staff):
        for change in ({"zones": ["atlantis"]}, {"doors": ["door-nowhere"]}):
            r = client.post("/api/visits", headers=bearer(client, who),
                            json=visit_body(office, **change))
            assert r.status_code == 422, r.text
            assert _detail(r)["code"] in ("unknown_zone", "unknown_door")


def test_staff_choose_the_visitor_zones(client: TestClient, office: Office,
                                        places: dict[str, str]) -> None:
    host, staff = bearer(client, office.host), bearer(client, office.staff)
    url = f"/api/sites/{office.site}/visitor-zones"
    shown = client.get(url, headers=host).json()
    assert shown["zones"] == ["floor-3", "lobby"]
    assert office.door in shown["doors"] and office.gate in shown["doors"]
    assert places["vault_door"] not in shown["doors"]
    assert places["room_door"] not in shown["doors"]  # rooms come with a booking

    assert client.put(url, headers=host, json={"zones": ["vault"]}).status_code == 403
    r = client.put(url, headers=staff, json={"zones": ["lobby", "atlantis"]})
    assert r.status_code == 422 and _detail(r)["code"] == "unknown_zone"

    assert client.put(url, headers=staff, json={"zones": ["lobby"]}).json()["zones"] == ["lobby"]
    r = client.post("/api/visits", headers=host, json=visit_body(office))  # the floor-3 door
    assert r.status_code == 403 and _detail(r)["code"] == "door_not_for_visitors"

    assert client.put(url, headers=staff, json={"zones": ["lobby", "vault"]}).status_code == 200
    r = client.post("/api/visits", headers=host,
                    json=visit_body(office, zones=["vault"], doors=[places["vault_door"]]))
    assert r.status_code == 201, r.text


def test_a_new_site_lets_hosts_grant_the_lobby_only(client: TestClient, settings: Settings,
                                                     office: Office) -> None:
    with database_session(settings) as db:
        create_device(db=db, name=f"annex-{secrets.token_hex(3)}", kind="door", zone="annex",
                      site=office.site)
    zones = client.get(f"/api/sites/{office.site}/visitor-zones",
                       headers=bearer(client, office.host)).json()["zones"]
    assert "lobby" in zones and "annex" not in zones
    r = client.post("/api/visits", headers=bearer(client, office.host),
                    json=visit_body(office, zones=["annex"], doors=[]))
    assert r.status_code == 403
