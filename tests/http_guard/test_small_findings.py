"""Small findings of issue 12: secrets in the access log, formulas in the occupancy CSV,
an out-of-range day, database file modes."""

from __future__ import annotations

import csv
import io
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from messaging.conftest import WA_VERIFY, Office, bearer

from officegate.server.runner import RedactPassLinks
from officegate.server.settings import Settings


def _access_line(path: str) -> str:
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0,
                               '%s - "%s %s HTTP/%s" %d', ("1.2.3.4", "GET", path, "1.1", 200),
                               None)
    RedactPassLinks().filter(record)
    return record.getMessage()


def test_the_whatsapp_verify_token_and_the_poster_code_stay_out_of_the_access_log() -> None:
    line = _access_line(f"/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={WA_VERIFY}"
                        "&hub.challenge=42")
    assert WA_VERIFY not in line and "hub.challenge=42" in line
    line = _access_line("/c/hq?d=2026-12-04&k=Zq9xPosterCode")
    assert "Zq9xPosterCode" not in line and "d=2026-12-04" in line


def test_occupancy_csv_defuses_spreadsheet_formulas(client: TestClient, office: Office) -> None:
    staff = bearer(client, office.staff)
    r = client.post("/api/rooms", headers=staff, json={"name": "sakura", "door": office.gate})
    assert r.status_code == 201, r.text
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    r = client.post("/api/meetings", headers=staff, json={
        "room": "sakura", "title": '=HYPERLINK("http://evil.example","Click")',
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
        "visitors": [{"name": "@SUM(1+1)*cmd|' /C calc'!A0"}]})
    assert r.status_code == 201, r.text
    day = start.astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()
    r = client.get(f"/api/occupancy/sakura/{day}/csv", headers=staff)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == 2 and rows[1][2].startswith("'=HYPERLINK")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)


def test_the_last_day_of_the_calendar_is_a_4xx(client: TestClient, office: Office) -> None:
    staff = bearer(client, office.staff)
    client.post("/api/rooms", headers=staff, json={"name": "sakura", "door": office.gate})
    for day in ("9999-12-31", "0001-01-01"):
        for path in (f"/api/occupancy/sakura/{day}", f"/api/occupancy/sakura/{day}/csv"):
            r = client.get(path, headers=staff)
            assert r.status_code == 422 and r.json()["detail"]["code"] == "bad_day", path


def test_the_sqlite_database_is_readable_by_its_owner_only(client: TestClient,
                                                           settings: Settings) -> None:
    url = settings.resolved_database_url
    if not url.startswith("sqlite"):
        return  # PostgreSQL keeps its own files
    path = Path(url.removeprefix("sqlite:///"))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists():
            assert stat.S_IMODE(os.stat(name).st_mode) == 0o600, name
