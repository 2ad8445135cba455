"""The room door decides offline: only its own meeting's passes, only in the meeting's window.

The real edge verifier gets what the bridge would publish (keys, revocations, door config)
straight from the database; no broker is running.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import Office

from officegate.edge.verifier import EdgeVerifier
from officegate.protocol import Reason, pass_secret, rotating_code, rotating_text
from officegate.protocol.cose import decode_sign1
from officegate.server.auth import service as auth
from officegate.server.bootstrap import database_session
from officegate.server.devices import service as devices
from officegate.server.keys import service as keys
from officegate.server.meetings import service as meetings
from officegate.server.meetings.models import Attendee
from officegate.server.meetings.passes import PassContext
from officegate.server.settings import Settings
from officegate.server.sites import service as sites
from officegate.server.visits import service as visits
from officegate.server.visits.models import VisitorPass

START = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
END = START + timedelta(hours=1)


def _door(settings: Settings, name: str) -> EdgeVerifier:
    """A door's verifier holding what the bridge would have published to it."""
    with database_session(settings) as db:
        site = sites.get_site(db=db, code=settings.site)
        verifier = EdgeVerifier(device=name, site=settings.site, zone="floor-3",
                                relay_pulse_ms=800)
        verifier.update_keys(keys.build_keyset(db=db, site=site, keyring=settings.keyring))
        verifier.update_revocations(visits.build_revocations(db=db, site=site))
        verifier.update_config(devices.device_config(
            db=db, device=devices.get_device(db=db, name=name)))
    return verifier


def _show(verifier: EdgeVerifier, cose: bytes, at: datetime) -> Reason:
    """Hold the phone's rotating QR for ``cose`` to the door at ``at``."""
    kid = decode_sign1(cose).kid
    key = verifier.keys.get(kid) if kid else None
    assert key is not None
    pass_id = bytes.fromhex(_pass_id(cose))
    t = at.timestamp()
    decision = verifier.decide(rotating_text(cose, rotating_code(pass_secret(key.code_key,
                                                                             pass_id), t)), t)
    assert decision is not None
    return decision.reason


def _pass_id(cose: bytes) -> str:
    import cbor2

    return bytes(cbor2.loads(decode_sign1(cose).payload)[7]).hex()


def _book(settings: Settings, office: Office) -> tuple[int, bytes, bytes]:
    """Hana books Sakura with visitor Aiko; returns meeting id, Aiko's and Hana's passes."""
    ctx = PassContext(site=settings.site, keyring=settings.keyring, base_url="http://x",
                      lead=timedelta(minutes=15))
    with database_session(settings) as db:
        host = auth.get_user_by_email(db=db, email=office.host)
        assert host is not None
        change = meetings.create_meeting(
            db=db, ctx=ctx, room=meetings.get_room(db=db, name="sakura"), host=host,
            title="Partner sync", starts_at=START, ends_at=END,
            visitors=[("Aiko Tanaka", "aiko@partner.example.jp")])
        people = meetings.attendees(db=db, meeting=change.meeting)
        visitor = next(a for a in people if a.kind == "visitor")
        employee = next(a for a in people if a.kind == "employee")
        row = db.query(VisitorPass).filter_by(pass_id=visitor.pass_id).one()
        assert employee.cose is not None
        return change.meeting.id, row.cose, employee.cose


def _ctx(settings: Settings) -> PassContext:
    return PassContext(site=settings.site, keyring=settings.keyring, base_url="http://x",
                       lead=timedelta(minutes=15))


def test_visitor_pass_opens_only_its_room_and_only_in_its_window(
        settings: Settings, office: Office) -> None:
    _id, aiko, _hana = _book(settings, office)
    sakura, kaede = _door(settings, office.sakura_door), _door(settings, office.kaede_door)
    assert _show(sakura, aiko, START - timedelta(minutes=10)) is Reason.ACCEPTED
    assert _show(kaede, aiko, START + timedelta(minutes=1)) is Reason.WRONG_DOOR
    assert _show(_door(settings, office.sakura_door), aiko,
                 START - timedelta(minutes=20)) is Reason.NOT_YET_VALID
    assert _show(_door(settings, office.sakura_door), aiko,
                 END + timedelta(minutes=1)) is Reason.EXPIRED


def test_employee_pass_is_scoped_to_the_room_door_too(settings: Settings, office: Office
                                                      ) -> None:
    _id, _aiko, hana = _book(settings, office)
    assert _show(_door(settings, office.sakura_door), hana, START) is Reason.ACCEPTED
    assert _show(_door(settings, office.kaede_door), hana, START) is Reason.WRONG_DOOR
    assert _show(_door(settings, office.sakura_door), hana,
                 END + timedelta(seconds=30)) is Reason.EXPIRED


def test_moved_meeting_revokes_the_old_pass_and_the_same_link_gets_a_new_one(
        settings: Settings, office: Office) -> None:
    meeting_id, old, _hana = _book(settings, office)
    later = START + timedelta(hours=3)
    with database_session(settings) as db:
        meeting = meetings.get_meeting(db=db, meeting_id=meeting_id)
        link = db.query(VisitorPass).filter_by(cose=old).one().link_hash
        change = meetings.move_meeting(db=db, ctx=_ctx(settings), meeting=meeting,
                                       starts_at=later, ends_at=later + timedelta(hours=1))
        assert change.revocations_changed
    with database_session(settings) as db:
        new = db.query(VisitorPass).filter_by(link_hash=link).one().cose
    assert new != old
    door = _door(settings, office.sakura_door)  # holds the new revocation list
    assert _show(door, old, START) is Reason.REVOKED
    assert _show(door, new, START) is Reason.NOT_YET_VALID
    assert _show(door, new, later) is Reason.ACCEPTED


def test_cancelled_meeting_pass_is_refused_offline(settings: Settings, office: Office) -> None:
    meeting_id, aiko, hana = _book(settings, office)
    with database_session(settings) as db:
        change = meetings.cancel_meeting(
            db=db, meeting=meetings.get_meeting(db=db, meeting_id=meeting_id))
        assert change.revocations_changed
        assert all(a.revoked_at is not None for a in db.query(Attendee))
    door = _door(settings, office.sakura_door)
    assert _show(door, aiko, START) is Reason.REVOKED
    assert _show(door, hana, START) is Reason.REVOKED  # the employee's pass too
