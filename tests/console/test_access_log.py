"""The access log for investigation: every kind of event in one list, searched by visitor,
host, device, zone, decision and time; keyset pages over many rows; CSV of the whole search
with formulas defused; field errors named."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from officegate.protocol.messages import DoorEvent
from officegate.server.alerts import service as alerts
from officegate.server.bootstrap import database_session
from officegate.server.settings import Settings

from .conftest import Office, access_event, bearer, sign_in, store_events, visit

BASE = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, the site's default zone


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def seeded(client: TestClient, office: Office, settings: Settings) -> dict[str, int]:
    """Two visitors, 130 accepted gate scans, a denial, an exit press, a forced door, a
    remote unlock."""
    mine = visit(client, office, name="佐藤 花子")
    theirs = visit(client, office, name="=HYPERLINK(\"http://x\")", host=office.other_host)
    events = [access_event(office.gate, office.site, at=BASE + timedelta(seconds=i),
                           visit_id=mine) for i in range(130)]
    events.append(access_event(office.door, office.site, at=BASE + timedelta(minutes=10),
                               reason="wrong_door", visit_id=theirs, detail="-2+3"))
    events.append(access_event(office.door, office.site, at=BASE + timedelta(minutes=11),
                               kind="exit", detail="request to exit (exit button)"))
    store_events(settings, events)
    with database_session(settings) as db:
        alerts.ingest_door_event(db=db, event=DoorEvent(
            id="d" * 32, device=office.door, site=office.site,
            at=(BASE + timedelta(minutes=12)).timestamp(), kind="door_forced_open",
            detail="opened without an unlock"))
        alerts.raise_alert(db=db, site=office.site, kind="remote_unlock", device=office.gate,
                           detail="remote unlock (online)", by_user=office.staff)
    return {"mine": mine, "theirs": theirs}


def _all_pages(client: TestClient, headers: dict[str, str], **params: str) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        query = {**params, "limit": "50", **({"after": after} if after else {})}
        r = client.get("/api/access/log", params=query, headers=headers)
        assert r.status_code == 200, r.text
        pages.append([row["key"] for row in r.json()["rows"]])
        after = r.json()["next"]
        if after is None:
            return pages


def test_keyset_pages_walk_every_row_once_newest_first(
        client: TestClient, office: Office, seeded: dict[str, int]) -> None:
    staff = bearer(client, office.staff)
    pages = _all_pages(client, staff)
    keys = [k for page in pages for k in page]
    assert [len(p) for p in pages] == [50, 50, 34]  # 132 access rows, 2 alarm-log rows
    assert len(set(keys)) == 134
    rows = client.get("/api/access/log", params={"limit": "4"}, headers=staff).json()["rows"]
    assert [(r["kind"], r["decision"]) for r in rows] == [
        ("remote_unlock", "remote_unlock"), ("door_forced_open", "door_forced_open"),
        ("exit", "accepted"), ("access", "wrong_door")]


def test_search_by_each_field(client: TestClient, office: Office,
                              seeded: dict[str, int]) -> None:
    staff = bearer(client, office.staff)

    def found(**params: str) -> list[tuple[str, str]]:
        r = client.get("/api/access/log", params={"limit": "500", **params}, headers=staff)
        assert r.status_code == 200, r.text
        return [(row["decision"], row["device"]) for row in r.json()["rows"]]

    assert len(found(visitor="佐藤")) == 130
    assert found(host="ken") == [("wrong_door", office.door)]  # host by name, any case
    assert found(host="host2@") == [("wrong_door", office.door)]  # or by e-mail
    assert set(found(zone="floor-3")) == {("wrong_door", office.door), ("accepted", office.door),
                                          ("door_forced_open", office.door)}
    assert found(decision="denied") == [("wrong_door", office.door)]
    assert found(decision="wrong_door") == [("wrong_door", office.door)]
    assert found(decision="exit") == [("accepted", office.door)]
    assert found(decision="alarm") == [("door_forced_open", office.door)]
    assert found(decision="staff") == [("remote_unlock", office.gate)]
    assert len(found(device=office.gate, decision="accepted")) == 130
    # The site's wall clock (Asia/Tokyo): 10:00:00 to 10:00:10 holds the first ten scans.
    assert len(found(start="2026-11-20T10:00", end="2026-11-20T10:00:10")) == 10
    assert found(visitor="nobody-like-this") == []


def test_hosts_see_their_own_visitors_only(client: TestClient, office: Office,
                                           seeded: dict[str, int]) -> None:
    rows = client.get("/api/access/log", params={"limit": "500"},
                      headers=bearer(client, office.other_host)).json()["rows"]
    assert [(r["visit_id"], r["decision"]) for r in rows] == [(seeded["theirs"], "wrong_door")]


def test_csv_holds_the_whole_search_with_formulas_defused(
        client: TestClient, office: Office, seeded: dict[str, int]) -> None:
    staff = bearer(client, office.staff)
    r = client.get("/api/access/log.csv", params={"limit": "5"}, headers=staff)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 134  # every row of the search, not one page
    denied = next(row for row in rows if row["decision"] == "wrong_door")
    assert denied["visitor"] == "'=HYPERLINK(\"http://x\")"
    assert denied["detail"] == "'-2+3"
    assert denied["time_local"].endswith("JST") and denied["time_utc"].startswith("2026-11-20T01")
    only = client.get("/api/access/log.csv", params={"decision": "staff"}, headers=staff)
    assert [row["by_user"] for row in csv.DictReader(io.StringIO(only.text))] == [office.staff]


def test_bad_input_names_its_field(client: TestClient, office: Office,
                                   seeded: dict[str, int]) -> None:
    staff = bearer(client, office.staff)
    backwards = client.get("/api/access/log", headers=staff,
                           params={"start": "2026-11-20T11:00", "end": "2026-11-20T10:00"})
    assert backwards.status_code == 422 and backwards.json()["detail"]["field"] == "end"
    cursor = client.get("/api/access/log", headers=staff, params={"after": "not-a-cursor"})
    assert cursor.status_code == 422 and cursor.json()["detail"]["field"] == "after"
    when = client.get("/api/access/log", headers=staff, params={"start": "yesterday"})
    assert when.status_code == 422 and when.json()["detail"]["field"] == "start"
    decision = client.get("/api/access/log", headers=staff, params={"decision": "teleported"})
    assert decision.status_code == 422
    sign_in(client, office.staff)
    page = client.get("/staff/access", params={"start": "2026-11-20T11:00",
                                                "end": "2026-11-20T10:00"})
    assert page.status_code == 422
    assert 'aria-invalid="true" aria-describedby="end-error"' in page.text
    assert "開始が終了より後になっています。" in page.text


def test_the_page_links_rows_to_visits_devices_and_alarms(
        client: TestClient, office: Office, seeded: dict[str, int]) -> None:
    sign_in(client, office.staff)
    page = client.get("/staff/access", params={"decision": "denied"},
                      headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert f'href="/staff/visits/{seeded["theirs"]}"' in page.text
    assert f'href="/staff/devices/{office.door}"' in page.text
    assert "Not allowed at this door" in page.text and "このドア" not in page.text
    alarms = client.get("/staff/access", params={"decision": "alarm"})
    assert 'href="/staff/alarms/' in alarms.text
    first = client.get("/staff/access")
    older = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(older.replace("&amp;", "&"))
    assert second.status_code == 200 and "data-rows" not in second.text  # no live tail there
    for link in (f"/staff/visits/{seeded['theirs']}", f"/staff/devices/{office.door}"):
        assert client.get(link).status_code == 200
