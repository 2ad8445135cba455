"""Calendar updates bring their attendees: people added get passes, people taken off lose
theirs and the host is told. Real .ics text through the import API (icalendar underneath)."""

from __future__ import annotations

from datetime import timedelta

from conftest import Office, bearer
from fastapi.testclient import TestClient
from meetings_helpers import base_day, tokyo

UID = "upd-42@calendar.example.com"


def _event(*, sequence: int, guests: list[tuple[str, str]], modified: str | None = None,
           start: str = "T150000", end: str = "T160000") -> bytes:
    day = (base_day() + timedelta(days=1)).strftime("%Y%m%d")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Example Corp//Calendar 1.0//EN",
        "METHOD:REQUEST", "BEGIN:VEVENT", f"UID:{UID}", "DTSTAMP:20261120T000000Z",
        f"DTSTART;TZID=Asia/Tokyo:{day}{start}", f"DTEND;TZID=Asia/Tokyo:{day}{end}",
        "SUMMARY:Contract review", "LOCATION:3F Sakura", f"SEQUENCE:{sequence}",
        "ORGANIZER;CN=Hana Host:mailto:hana@example.com",
        "ATTENDEE;CN=Hana Host;PARTSTAT=ACCEPTED:mailto:hana@example.com",
    ]
    lines += [f"ATTENDEE;CN={name};ROLE=REQ-PARTICIPANT:mailto:{email}" for name, email in guests]
    if modified:
        lines.append(f"LAST-MODIFIED:{modified}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines).encode("utf-8")


def _import(client: TestClient, office: Office, data: bytes) -> dict:
    r = client.post("/api/meetings/import", content=data,
                    headers={**bearer(client, office.host), "Content-Type": "text/calendar"})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _meeting(client: TestClient, office: Office, meeting_id: int) -> dict:
    r = client.get(f"/api/meetings/{meeting_id}", headers=bearer(client, office.staff))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _revoked(client: TestClient, pass_url: str) -> bool:
    token = pass_url.rsplit("/", 1)[-1]
    r = client.get(f"/api/p/{token}/status")
    assert r.status_code == 200, r.text
    return bool(r.json()["revoked"])


AIKO = ("Aiko Tanaka", "aiko@partner.example.jp")
BOB = ("Bob Smith", "bob@partner.example.com")
KEN = ("Ken Kato", "ken@example.com")  # an employee (a user of the office)


def test_higher_sequence_invites_new_people_and_revokes_the_removed(
        client: TestClient, office: Office) -> None:
    first = _import(client, office, _event(sequence=0, guests=[AIKO, KEN]))
    assert first["created"] == 1
    meeting_id = first["meeting_ids"][0]
    aiko_link = next(url for label, url in first["pass_urls"].items() if "Aiko" in label)
    assert not _revoked(client, aiko_link)

    # The organiser swaps Aiko for Bob and drops Ken: the calendar sends SEQUENCE 1.
    update = _import(client, office, _event(sequence=1, guests=[BOB]))
    assert (update["updated"], update["attendees_added"], update["attendees_removed"]) == (
        1, 1, 2)
    bob_link = next(url for label, url in update["pass_urls"].items() if "Bob" in label)
    assert not _revoked(client, bob_link)
    assert _revoked(client, aiko_link)  # and the doors hear it with the revocation list
    people = {a["name"] for a in _meeting(client, office, meeting_id)["attendees"]}
    assert people == {"Hana Host", "Bob Smith"}

    notices = client.get("/api/notify/notices", headers=bearer(client, office.host)).json()
    removed = [n for n in notices if n["kind"] == "attendee_removed"]
    assert {n["title_en"] for n in removed} == {
        "Aiko Tanaka was removed from Contract review", "Ken Kato was removed from Contract review"}
    aiko_notice = next(n for n in removed if "Aiko" in n["title_en"])
    when = (base_day() + timedelta(days=1)).isoformat()
    assert f"{when} 15:00 JST" in aiko_notice["body_en"]  # the site's clock
    assert "パスを無効にしました" in aiko_notice["body_ja"]

    # The same update read again (a feed re-read every 15 minutes) changes nothing more.
    again = _import(client, office, _event(sequence=1, guests=[BOB]))
    assert (again["unchanged"], again["attendees_added"], again["attendees_removed"]) == (
        1, 0, 0)
    notices = client.get("/api/notify/notices", headers=bearer(client, office.host)).json()
    assert len([n for n in notices if n["kind"] == "attendee_removed"]) == 2

    # Aiko is invited back: a new pass under a new link; the old one stays revoked.
    back = _import(client, office, _event(sequence=2, guests=[BOB, AIKO]))
    assert (back["attendees_added"], back["attendees_removed"]) == (1, 0)
    new_link = next(url for label, url in back["pass_urls"].items() if "Aiko" in label)
    assert new_link != aiko_link and not _revoked(client, new_link) and _revoked(client, aiko_link)


def test_last_modified_decides_between_copies_of_the_same_sequence(
        client: TestClient, office: Office) -> None:
    first = _import(client, office, _event(sequence=0, guests=[AIKO],
                                           modified="20261120T090000Z"))
    meeting_id = first["meeting_ids"][0]

    # Google keeps SEQUENCE when guests change, but LAST-MODIFIED moves on.
    edited = _import(client, office, _event(sequence=0, guests=[AIKO, BOB],
                                            modified="20261121T090000Z"))
    assert (edited["updated"], edited["attendees_added"]) == (1, 1)

    # An older copy of the same SEQUENCE arriving late is stale: Bob stays invited.
    late = _import(client, office, _event(sequence=0, guests=[AIKO],
                                          modified="20261120T090000Z"))
    assert (late["stale"], late["attendees_removed"]) == (1, 0)

    # Same SEQUENCE, same LAST-MODIFIED: the same version, whatever its guest list says.
    same = _import(client, office, _event(sequence=0, guests=[AIKO],
                                          modified="20261121T090000Z"))
    assert (same["unchanged"], same["attendees_removed"]) == (1, 0)
    people = {a["name"] for a in _meeting(client, office, meeting_id)["attendees"]}
    assert people == {"Hana Host", "Aiko Tanaka", "Bob Smith"}


def test_a_moved_update_reissues_passes_of_the_people_who_stay(
        client: TestClient, office: Office) -> None:
    first = _import(client, office, _event(sequence=0, guests=[AIKO]))
    meeting_id = first["meeting_ids"][0]
    moved = _import(client, office, _event(sequence=1, guests=[AIKO, BOB],
                                           start="T170000", end="T180000"))
    assert (moved["updated"], moved["attendees_added"], moved["attendees_removed"]) == (1, 1, 0)
    seen = _meeting(client, office, meeting_id)
    assert seen["starts_at"].startswith(tokyo(1, 17).strftime("%Y-%m-%dT%H:%M"))
    assert {a["name"] for a in seen["attendees"]} == {"Hana Host", "Aiko Tanaka", "Bob Smith"}
