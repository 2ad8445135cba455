"""Retention with the clock moved forward: on the day the policy says, a visitor's identity,
messages and contact points are gone from every table (SQLite and PostgreSQL), arrival
decisions went first, access events stay pseudonymous, and the figures survive."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from support.databases import BACKENDS, database_of

from officegate.server.access.models import AccessEventRecord
from officegate.server.arrival.models import ArrivalTrack
from officegate.server.auth.service import create_user
from officegate.server.bootstrap import database_session
from officegate.server.db import make_engine, make_session_factory, utcnow
from officegate.server.devices.service import create_device
from officegate.server.meetings.models import Meeting
from officegate.server.meetings.service import create_room
from officegate.server.messaging import metrics
from officegate.server.messaging.models import ChannelIdentity, Contact, Message
from officegate.server.notify.models import Notice
from officegate.server.privacy.jobs import RETENTION_JOB_NAME, run_retention
from officegate.server.settings import Settings
from officegate.server.vending.visitor_push import VisitorPushSubscription
from officegate.server.visits.models import Visit, Visitor, VisitorPass

from .conftest import Office, bearer, invite
from .helpers import where_found

NAME, EMAIL = "Zed Quokka", "zed.quokka@example.org"
NEEDLES = ["Quokka", "zed.quokka"]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test here runs on a SQLite file and on a PostgreSQL database of its own."""
    with database_of(request.param, tmp_path, prefix="og_privacy") as url:
        yield url


def _a_visit_that_left_traces(client: TestClient, settings: Settings, office: Office,
                              smtp_server: object) -> int:
    """Invite, open the pass, chat, consent, a door, a host notice, a push endpoint and an
    arrival track: everything a visitor leaves behind."""
    visit = invite(client, office, name=NAME, email=EMAIL)
    token = visit["token"]
    assert client.post(f"/api/p/{token}/open",
                       json={"device_id": "phone-quokka-0123456789"}).status_code == 200
    r = client.post(f"/api/chat/{token}/messages",
                    json={"text": f"Hello, this is {NAME}; mail me at {EMAIL}"})
    assert r.status_code == 201, r.text
    assert client.post(f"/api/p/{token}/consent/marketing", json={"given": True}).json() == \
        {"location": None, "marketing": "2026-12"}
    assert any(m["To"] == EMAIL for m in smtp_server.messages)  # type: ignore[attr-defined]
    with database_session(settings) as db:
        row = db.scalar(select(Visit).where(Visit.id == visit["visit_id"]))
        assert row is not None
        visitor = db.get(Visitor, row.visitor_id)
        assert visitor is not None
        db.add(AccessEventRecord(id=uuid.uuid4().hex, device=office.gate, site=office.site,
                                 at=utcnow(), reason="accepted", pass_id=visit["pass_id"],
                                 visit_id=row.id, subject=visitor.subject))
        db.add(Notice(key=f"test:{row.id}", visit_id=row.id, user_id=row.host_id,
                      kind="arrived", title_en=f"{NAME} has arrived", title_ja=f"{NAME} 様",
                      body_en=f"{NAME} is at the building.", body_ja=f"{NAME} 様が到着"))
        db.add(VisitorPushSubscription(
            visit_id=row.id, address=json.dumps({"endpoint": "https://push.example/zed.quokka"}),
            address_hash="0" * 64))
        db.add(ArrivalTrack(visit_id=row.id, consent_at=utcnow(), owntracks_user="ogquokka01",
                            last_distance_m=120.0, approach_distance_m=300.0, eta_s=180,
                            approached_at=utcnow()))
    return int(visit["visit_id"])


def test_identity_is_gone_from_every_table_on_the_day_retention_says(
        client: TestClient, settings: Settings, office: Office, smtp_server: object) -> None:
    visit_id = _a_visit_that_left_traces(client, settings, office, smtp_server)
    with database_session(settings) as db:
        visit = db.get(Visit, visit_id)
        assert visit is not None
        ended, funnel = visit.ends_at, metrics.funnel(db=db, site=office.site)
        # The one stored above, and whatever the journey told the host (the chat, ...).
        notices = len(db.scalars(select(Notice.id).where(Notice.visit_id == visit_id)).all())
    db_url = settings.resolved_database_url
    before = where_found(db_url, NEEDLES)
    assert {"visitors.name", "visitors.email", "msg_messages.body", "msg_identities.address",
            "notices.body_en", "visitor_push_subscriptions.address"} <= set(before)

    # A week on: the arrival decisions are gone, the identity is still there.
    week = run_retention(sessions=_sessions(settings), settings=settings,
                         now=ended + timedelta(days=8))
    assert (week.arrival_tracks, week.visitors_erased) == (1, 0)
    assert where_found(db_url, ["ogquokka01"]) == []
    assert "visitors.name" in where_found(db_url, NEEDLES)

    # The day before the 30 days are up nothing more goes; the day after, all of it.
    assert run_retention(sessions=_sessions(settings), settings=settings,
                         now=ended + timedelta(days=29, hours=23)).visitors_erased == 0
    month = run_retention(sessions=_sessions(settings), settings=settings,
                          now=ended + timedelta(days=30, minutes=1))
    assert month.visitors_erased == 1
    assert month.details["contact_points"] >= 1 and month.details["messages"] >= 2
    assert month.details["push_subscriptions"] == 1 and month.details["notices"] == notices >= 1
    assert where_found(db_url, NEEDLES) == []
    with database_session(settings) as db:
        # Security and the figures keep what they need, by pseudonym.
        event = db.scalar(select(AccessEventRecord).where(AccessEventRecord.visit_id == visit_id))
        assert event is not None and event.subject and event.reason == "accepted"
        assert db.scalar(select(VisitorPass.revoked_at).where(
            VisitorPass.visit_id == visit_id)) is not None
        assert metrics.funnel(db=db, site=office.site) == funnel
    # A second run finds nothing left to do; a year on, the access events go too.
    again = run_retention(sessions=_sessions(settings), settings=settings,
                          now=ended + timedelta(days=31))
    assert (again.visitors_erased, again.removed_anything) == (0, False)
    year = run_retention(sessions=_sessions(settings), settings=settings,
                         now=ended + timedelta(days=366))
    assert year.access_events_deleted == 1


def test_a_shorter_policy_set_by_an_admin_applies(
        client: TestClient, settings: Settings, office: Office, smtp_server: object) -> None:
    visit_id = _a_visit_that_left_traces(client, settings, office, smtp_server)
    with database_session(settings) as db:
        create_user(db=db, email="admin@example.com", password="correct horse battery",
                    role="admin")
    admin = bearer(client, "admin@example.com")
    r = client.put("/api/privacy/retention", json={"identity_days": 2}, headers=admin)
    assert r.status_code == 200 and r.json()["identity_days"] == 2
    assert client.put("/api/privacy/retention", json={"identity_days": 0},
                      headers=admin).status_code == 422
    with database_session(settings) as db:
        visit = db.get(Visit, visit_id)
        assert visit is not None
        ended = visit.ends_at
    report = run_retention(sessions=_sessions(settings), settings=settings,
                           now=ended + timedelta(days=2, minutes=1))
    assert report.visitors_erased == 1
    assert where_found(settings.resolved_database_url, NEEDLES) == []
    assert RETENTION_JOB_NAME == "privacy-retention"


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.resolved_database_url))


def test_a_chat_without_a_visit_goes_after_its_last_message(
        client: TestClient, settings: Settings, office: Office) -> None:
    """Someone who only chatted (a LINE friend, a web widget): their address, name and
    messages go once the last message is older than the identity limit."""
    old = utcnow() - timedelta(days=31)
    with database_session(settings) as db:
        for n, last in enumerate((old, utcnow())):
            contact = Contact(open_id=f"numbat{n}", site=office.site, name=f"Numbat {n}",
                              link_code=f"NB{n}", created_at=old)
            db.add(contact)
            db.flush()
            db.add(ChannelIdentity(contact_id=contact.id, channel="line",
                                   address=f"Unumbat{n}"))
            db.add(Message(contact_id=contact.id, kind="incoming", sender="contact",
                           body=f"hello from numbat {n}", created_at=last))
        db.add(Contact(open_id="numbat-merged", site=office.site, name="Numbat merged",
                       link_code="NBM", created_at=old))  # an empty row left by a merge
    report = run_retention(sessions=_sessions(settings), settings=settings, now=utcnow())
    assert report.contacts_erased == 2
    # The one who wrote today keeps everything; the others are gone.
    url = settings.resolved_database_url
    assert set(where_found(url, ["numbat 1", "unumbat1"])) == {
        "msg_contacts.name", "msg_identities.address", "msg_messages.body"}
    assert where_found(url, ["numbat 0", "unumbat0", "numbat merged"]) == []


def test_meeting_titles_and_notes_about_an_expired_visitor_go_with_the_identity(
        client: TestClient, settings: Settings, office: Office) -> None:
    """Free text that names the visitor outside the visitor's own row: the title of the
    meeting booked for them, the host's note and directions, their phone and company."""
    with database_session(settings) as db:
        create_device(db=db, name=f"door-{office.site}", kind="door", zone="floor-3",
                      site=office.site)
        db.flush()
        create_room(db=db, site=office.site, name="sakura", label="3F Sakura",
                    door=f"door-{office.site}")
    host = bearer(client, office.host)
    start = utcnow() + timedelta(minutes=10)
    booked = client.post("/api/meetings", headers=host, json={
        "room": "sakura", "title": f"Contract with {NAME}", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "visitors": [{"name": NAME, "email": EMAIL}]})
    assert booked.status_code == 201, booked.text
    internal = client.post("/api/meetings", headers=host, json={
        "room": "sakura", "title": "Weekly planning", "starts_at": (
            start + timedelta(hours=2)).isoformat(),
        "ends_at": (start + timedelta(hours=3)).isoformat()})
    assert internal.status_code == 201, internal.text
    invited = client.post("/api/visits", headers=host, json={
        "visitor_name": "Another Guest", "visitor_phone": "+81-90-5555-0199",
        "visitor_company": "Quokka Holdings", "note": f"Bring the papers for {NAME}",
        "directions": "Ask for Mr Quokka's desk", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "zones": ["lobby"]})
    assert invited.status_code == 201, invited.text
    url, needles = settings.resolved_database_url, [*NEEDLES, "5555-0199"]
    assert {"meetings.title", "visits.note", "visits.directions", "visitors.company",
            "visitors.phone"} <= set(where_found(url, needles))

    report = run_retention(sessions=_sessions(settings), settings=settings,
                           now=start + timedelta(hours=1, days=30, minutes=1))
    assert report.visitors_erased == 2 and report.details["meeting_titles"] == 1
    assert where_found(url, needles) == []
    with database_session(settings) as db:  # a meeting with no visitor keeps its title
        assert db.get(Meeting, internal.json()["id"]).title == "Weekly planning"  # type: ignore[union-attr]
    shown = client.get(f"/api/meetings/{booked.json()['id']}", headers=host)
    assert shown.status_code == 200 and shown.json()["title"] == ""
