"""A visitor who checked in and waits past the start, with nobody in the room yet, hears that
the host is running late: once, only if they came, and not before five minutes."""

from __future__ import annotations

from datetime import timedelta

from conftest import Office
from test_room_door import START, _book

from officegate.server.bootstrap import database_session
from officegate.server.meetings import service as meetings
from officegate.server.occupancy import service as occupancy
from officegate.server.settings import Settings
from officegate.server.visits.models import Visit


def _late_events(settings: Settings, meeting_id: int, at_minutes: float) -> list[str]:
    with database_session(settings) as db:
        meeting = meetings.get_meeting(db=db, meeting_id=meeting_id)
        update = occupancy.update_meeting(db=db, meeting=meeting, site=settings.site,
                                          now=START + timedelta(minutes=at_minutes))
        return [e.key for e in update.events if e.kind == "host_late"]


def _check_in_the_visitor(settings: Settings, meeting_id: int) -> int:
    with database_session(settings) as db:
        meeting = meetings.get_meeting(db=db, meeting_id=meeting_id)
        visit_id = next(a.visit_id for a in meetings.attendees(db=db, meeting=meeting)
                        if a.visit_id is not None)
        visit = db.get(Visit, visit_id)
        assert visit is not None
        visit.checked_in_at = START - timedelta(minutes=3)
        return visit_id


def test_host_late_is_told_to_a_checked_in_visitor_after_five_minutes(
        settings: Settings, office: Office) -> None:
    meeting_id, _aiko, _hana = _book(settings, office)
    assert _late_events(settings, meeting_id, 6) == []  # the visitor has not come: no notice
    visit_id = _check_in_the_visitor(settings, meeting_id)
    assert _late_events(settings, meeting_id, 2) == []  # two minutes is not late
    first = _late_events(settings, meeting_id, 6)
    assert first == [f"host_late:{meeting_id}:{visit_id}"]
    # Every sweep republishes with the same key, so subscribers tell the visitor once.
    assert _late_events(settings, meeting_id, 7) == first
