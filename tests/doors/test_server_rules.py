"""Door rules set by staff reach the door over the broker (and its cache), are shown on the
devices page, and bad rules get a specific 4xx."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from fleet.conftest import Office, edge_link, staff_login
from support.polling import poll

from officegate.edge.cache import EdgeCache
from officegate.mqtt import BrokerAddress
from officegate.server.bootstrap import database_session
from officegate.server.devices.service import create_device

RULES = {"timezone": "Asia/Tokyo",
         "opening_hours": {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]]},
         "holidays": {"2026-11-23": []}, "fail_mode": "safe"}


def test_staff_set_hours_and_fail_mode_and_the_door_keeps_them(
        office: Office, client: TestClient, mqtt_broker: BrokerAddress, tmp_path: Path) -> None:
    link = edge_link(tmp_path, mqtt_broker, office.door, office.site,
                     cache=EdgeCache(tmp_path / "door-cache"))
    link.start()
    try:
        staff_login(client, office.staff)
        r = client.patch(f"/api/devices/{office.door}/rules", json=RULES)
        assert r.status_code == 200, r.text
        assert r.json()["fail_mode"] == "safe" and r.json()["holidays"] == {"2026-11-23": []}

        def door_has_rules() -> bool:
            config = link.verifier.config
            return config is not None and config.opening_hours == RULES["opening_hours"]

        assert poll(door_has_rules)
    finally:
        link.stop()
    cached = EdgeCache(tmp_path / "door-cache").load_config()
    assert cached is not None and cached.fail_mode == "safe"
    assert cached.timezone == "Asia/Tokyo" and cached.holidays == {"2026-11-23": []}

    page = client.get("/staff/devices").text
    assert "停電時: 解錠(フェイルセーフ)" in page  # one language: the page's (Japanese)
    assert "mon-tue 09:00-18:00 (Asia/Tokyo); 1 holiday" in page
    assert "停電時: 施錠のまま(フェイルセキュア)" in page  # the gate, untouched
    english = client.get("/staff/devices", headers={"Accept-Language": "en"}).text
    assert "On power loss: unlock (fail-safe)" in english and "停電時" not in english


def test_partial_change_keeps_the_other_rules(office: Office, client: TestClient) -> None:
    staff_login(client, office.staff)
    client.patch(f"/api/devices/{office.gate}/rules", json=RULES)

    r = client.patch(f"/api/devices/{office.gate}/rules", json={"opening_hours": None})

    assert r.status_code == 200
    assert r.json()["opening_hours"] is None and r.json()["fail_mode"] == "safe"


def test_bad_rules_get_a_specific_error(office: Office, client: TestClient) -> None:
    with database_session(office.settings) as db:
        create_device(db=db, name=f"vend-{office.site}", kind="vending", zone="lobby",
                      site=office.site)
    url = f"/api/devices/{office.gate}/rules"
    staff_login(client, office.staff)

    cases = [
        (url, {"opening_hours": {"mon": [["18:00", "09:00"]]}}, 422, "bad_schedule"),
        (url, {"timezone": "Mars/Olympus"}, 422, "bad_schedule"),
        (url, {"anti_passback_group": "lobby"}, 422, "side_needed"),
        (f"/api/devices/vend-{office.site}/rules", {"fail_mode": "safe"}, 422, "not_a_door"),
        ("/api/devices/no-such-door/rules", {"fail_mode": "safe"}, 404, "unknown_device"),
    ]
    for path, body, status, code in cases:
        r = client.patch(path, json=body)
        assert (r.status_code, r.json()["detail"]["code"]) == (status, code), body
    assert client.patch(url, json={"fail_mode": "maybe"}).status_code == 422


def test_a_host_may_not_change_door_rules(office: Office, client: TestClient) -> None:
    staff_login(client, office.host)

    r = client.patch(f"/api/devices/{office.gate}/rules", json={"fail_mode": "safe"})

    assert r.status_code == 403


def test_staff_edit_rules_on_the_devices_page(office: Office, client: TestClient) -> None:
    staff_login(client, office.staff)
    form = {"fail_mode": "safe", "timezone": "Asia/Tokyo",
            "hours": "mon-fri 09:00-12:00 13:00-18:00\nsat 10:00-14:00",
            "holidays": "2026-12-31\n2026-12-30 09:00-12:00"}

    r = client.post(f"/staff/devices/{office.door}/rules", data=form, follow_redirects=False)

    assert r.status_code == 303
    door = next(d for d in client.get("/api/devices").json() if d["name"] == office.door)
    assert door["opening_hours"]["fri"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert door["opening_hours"]["sat"] == [["10:00", "14:00"]]
    assert "sun" not in door["opening_hours"]
    assert door["holidays"] == {"2026-12-31": [], "2026-12-30": [["09:00", "12:00"]]}
    page = client.get("/staff/devices").text
    assert "mon-fri 09:00-12:00 13:00-18:00, sat 10:00-14:00 (Asia/Tokyo); 2 holidays" in page

    bad = client.post(f"/staff/devices/{office.door}/rules", follow_redirects=False,
                      data={**form, "hours": "weekdays 9-6"})
    assert bad.status_code == 422 and bad.json()["detail"]["code"] == "bad_schedule"
    closed = client.post(f"/staff/devices/{office.door}/rules", follow_redirects=False,
                         data={**form, "hours": "closed"})
    assert closed.status_code == 303
    door = next(d for d in client.get("/api/devices").json() if d["name"] == office.door)
    assert door["opening_hours"] == {}  # never open, not "always"


def test_page_form_text_round_trips_the_rules() -> None:
    from officegate.server.devices.profiles import DoorRules, page_form_text, parse_page_form

    rules = DoorRules(opening_hours={"mon": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]],
                                     "thu": [["09:00", "18:00"]], "sun": [["10:00", "12:00"]]},
                      holidays={"2026-12-30": [["09:00", "12:00"]], "2026-12-31": []})

    hours, holidays = page_form_text(rules)

    assert hours == "mon 09:00-18:00\nwed-thu 09:00-18:00\nsun 10:00-12:00"  # tue is closed
    assert parse_page_form(hours, holidays) == {"opening_hours": rules.opening_hours,
                                                "holidays": rules.holidays}
