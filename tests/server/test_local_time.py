"""Pages show the site's local time; the admin sets the site's time zone; the setting gives a
new site its zone."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from officegate.protocol.messages import AccessEvent
from officegate.server.access.service import ingest_event
from officegate.server.bootstrap import database_session
from officegate.server.localtime import day_bounds, format_local
from officegate.server.settings import Settings
from officegate.server.sites.service import get_site, set_time_zone

from .conftest import Office, bearer

# 06:04:05 UTC is 15:04:05 in Tokyo; 16:00 UTC is already the next day there.
MORNING = datetime(2026, 11, 23, 6, 4, 5, tzinfo=UTC)
EVENING = datetime(2026, 11, 23, 16, 0, 0, tzinfo=UTC)


def _store(client: TestClient, office: Office, at: datetime, reason: str) -> None:
    event = AccessEvent(id=uuid.uuid4().hex, device=office.gate, site=office.site,
                        at=at.timestamp(), reason=reason, pass_id=None, visit_id=None,
                        subject=None, kid=None, latency_ms=2.0, detail="")
    with client.app.state.officegate.sessions() as db:  # type: ignore[attr-defined]
        ingest_event(db=db, event=event)
        db.commit()


def test_pages_show_times_in_the_site_zone_and_follow_a_change(client: TestClient,
                                                                office: Office) -> None:
    _store(client, office, MORNING, "accepted")
    staff = bearer(client, office.staff)
    page = client.get("/staff/access", headers=staff).text
    assert "2026-11-23 15:04:05 JST" in page and "06:04:05" not in page
    assert 'data-time-zone="Asia/Tokyo"' in page  # for the browser's Intl.DateTimeFormat

    admin = bearer(client, office.admin)
    r = client.put("/api/site/timezone", json={"timezone": "Europe/London"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["timezone"] == "Europe/London" and r.json()["local_now"].endswith("GMT")
    page = client.get("/staff/access", headers=staff).text
    assert "2026-11-23 06:04:05 GMT" in page and 'data-time-zone="Europe/London"' in page
    assert client.get("/api/site", headers=staff).json()["timezone"] == "Europe/London"


def test_the_date_filter_is_a_local_day(client: TestClient, office: Office) -> None:
    _store(client, office, MORNING, "accepted")
    _store(client, office, EVENING, "expired")
    staff = bearer(client, office.staff)

    def reasons(day: str) -> list[str]:
        rows = client.get("/api/access-events", params={"date": day}, headers=staff).json()
        return [row["reason"] for row in rows]

    # 16:00 UTC on the 23rd is 01:00 on the 24th in Tokyo.
    assert reasons("2026-11-23") == ["accepted"]
    assert reasons("2026-11-24") == ["expired"]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "JST+9", " "])
def test_an_unknown_zone_is_refused_with_a_reason(client: TestClient, office: Office,
                                                  zone: str) -> None:
    r = client.put("/api/site/timezone", json={"timezone": zone},
                   headers=bearer(client, office.admin))
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["code"] == "bad_time_zone"
    assert "IANA" in r.json()["detail"]["message_en"]
    assert client.get("/api/site", headers=bearer(client, office.staff)).json()[
        "timezone"] == "Asia/Tokyo"


def test_only_an_admin_changes_the_zone(client: TestClient, office: Office) -> None:
    for who in (office.staff, office.host):
        r = client.put("/api/site/timezone", json={"timezone": "UTC"},
                       headers=bearer(client, who))
        assert r.status_code == 403
    assert client.put("/api/site/timezone", json={"timezone": "UTC"}).status_code == 401


def test_the_setting_gives_a_new_site_its_zone_and_the_admin_choice_stays(
        tmp_path: Path, database_url: str, site_code: str) -> None:
    first = Settings(data_dir=tmp_path / "a", database_url=database_url, site=site_code,
                     timezone="Europe/Berlin")
    with database_session(first) as db:
        site = get_site(db=db, code=site_code)
        assert site.timezone == "Europe/Berlin"
        set_time_zone(db=db, site=site, timezone="America/New_York")
    again = first.model_copy(update={"timezone": "Asia/Tokyo"})
    with database_session(again) as db:
        assert get_site(db=db, code=site_code).timezone == "America/New_York"
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(data_dir=tmp_path / "b", timezone="Tokyo/Mars")


def test_formats_and_local_days_across_summer_time() -> None:
    assert format_local(MORNING, "Asia/Tokyo") == "2026-11-23 15:04 JST"
    assert format_local(MORNING, "Asia/Tokyo", "seconds") == "2026-11-23 15:04:05 JST"
    assert format_local(MORNING, "Asia/Tokyo", "time") == "15:04"
    assert format_local(None, "Asia/Tokyo") == ""
    # Naive datetimes are UTC, as SQLite hands them back.
    assert format_local(MORNING.replace(tzinfo=None), "Asia/Tokyo") == "2026-11-23 15:04 JST"
    start, end = day_bounds(date(2026, 3, 29), "Europe/London")  # clocks go forward
    assert start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 23 * 3600
    tokyo_start, _ = day_bounds(date(2026, 11, 24), "Asia/Tokyo")
    assert tokyo_start == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
