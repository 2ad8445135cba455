"""Figures as pictures: the all-rooms heat map by weekday and hour, utilisation and no-shows
over a chosen period, with the same numbers as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from officegate.server.auth.models import User
from officegate.server.bootstrap import database_session
from officegate.server.meetings.models import Meeting, Room
from officegate.server.settings import Settings
from officegate.server.sites.models import Site

from .conftest import Office, sign_in

# Monday 2026-11-16, 10:00 and 14:00 in Tokyo (the site's default zone).
MONDAY_10 = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def meetings(client: TestClient, office: Office, settings: Settings) -> None:
    """One room: a meeting used 10:00-11:30 of its 10:00-12:00 booking, and a no-show."""
    with database_session(settings) as db:
        site = db.scalar(select(Site).where(Site.code == office.site))
        host = db.scalar(select(User.id).where(User.email == office.host))
        room = Room(site_id=site.id, name="sakura", label="3F Sakura", door=office.door,
                    capacity=6, via_zones=[])
        db.add(room)
        db.flush()
        db.add_all([
            Meeting(room_id=room.id, host_id=host, title="Review", starts_at=MONDAY_10,
                    ends_at=MONDAY_10 + timedelta(hours=2), actual_start=MONDAY_10,
                    actual_end=MONDAY_10 + timedelta(minutes=90)),
            Meeting(room_id=room.id, host_id=host, title="Nobody came",
                    starts_at=MONDAY_10 + timedelta(hours=4),
                    ends_at=MONDAY_10 + timedelta(hours=5), status="no_show"),
        ])


PERIOD = {"start": "2026-11-16", "end": "2026-11-22"}


def test_the_heat_map_and_room_figures_show_the_period(
        client: TestClient, office: Office, meetings: None) -> None:
    sign_in(client, office.staff)
    page = client.get("/staff/figures", params=PERIOD, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text and 'role="img"' in page.text
    assert "<title>Mon 10:00 1 room-hours</title>" in page.text
    assert "<title>Mon 11:00 0.5 room-hours</title>" in page.text
    assert "<title>Tue 10:00 0 room-hours</title>" in page.text
    assert "3F Sakura" in page.text and "50%" in page.text  # 1.5 h used of 3 h booked
    rooms = client.get("/staff/figures.csv", params={**PERIOD, "table": "rooms"})
    row = next(csv.DictReader(io.StringIO(rooms.text)))
    assert row["meetings"] == "2" and row["no_shows"] == "1" and row["no_show_rate"] == "0.5"
    assert row["used_hours"] == "1.5" and row["utilisation"] == "0.5"
    heat = list(csv.reader(io.StringIO(
        client.get("/staff/figures.csv", params={**PERIOD, "table": "heatmap"}).text)))
    assert heat[1][0] == "Mon" and heat[1][1 + 10] == "1.0" and heat[1][1 + 11] == "0.5"
    other = client.get("/staff/figures", params={"start": "2026-11-23", "end": "2026-11-29"})
    assert "<title>月 10:00 0 室・時間</title>" in other.text  # another week: nothing; ja


def test_a_bad_period_is_named_at_its_field(client: TestClient, office: Office) -> None:
    sign_in(client, office.staff)
    backwards = client.get("/staff/figures", params={"start": "2026-11-20", "end": "2026-11-01"})
    assert backwards.status_code == 422 and 'aria-describedby="end-error"' in backwards.text
    assert client.get("/staff/figures", params={"start": "soon"}).status_code == 422
    long = client.get("/staff/figures.csv", params={"start": "2020-01-01", "end": "2026-01-01"})
    assert long.status_code == 422
    sign_in(client, office.host)
    assert client.get("/staff/figures", follow_redirects=False).status_code == 403
