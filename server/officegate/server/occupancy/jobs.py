"""Background work of meetings and occupancy, started by the server runtime (runtime.py):
the no-show sweep and the calendar feed refresh (the room listener is listener.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from officegate.server.db import session_scope, utcnow
from officegate.server.deps import ServerState
from officegate.server.invitations import service as invitations
from officegate.server.meetings import feeds
from officegate.server.meetings.passes import PassContext
from officegate.server.meetings.sandbox import ParseBudget
from officegate.server.meetings.settings import MeetingSettings
from officegate.server.notify.sender import Outgoing
from officegate.server.occupancy import service

log = logging.getLogger(__name__)


def pass_context(state: ServerState) -> PassContext:
    """Issuing settings from the server's settings."""
    s = state.settings
    return PassContext(site=s.site, keyring=s.keyring, base_url=s.base_url, key_alg=s.key_alg,
                       lead=timedelta(minutes=s.pass_lead_minutes))


def publish_revocations(state: ServerState) -> None:
    """Have the bridge republish the revocation list (doors refuse revoked passes offline)."""
    if state.bridge is not None:
        try:
            state.bridge.publish_revocations()
        except Exception:  # the next change or reconnect publishes it again
            log.exception("could not publish revocations")


def publish_rooms(state: ServerState, room: str | None = None) -> None:
    """Have Home Assistant hear the occupancy and meeting state of ``room`` (None: of every
    room), when Home Assistant discovery is on."""
    assistant = state.bridge.home_assistant if state.bridge is not None else None
    if assistant is not None:
        try:
            assistant.publish_rooms(only=room)
        except Exception:  # the next signal, sweep or reconnect publishes them again
            log.exception("could not publish the rooms to Home Assistant")


def run_sweep(state: ServerState, config: MeetingSettings) -> int:
    """Judge started meetings now; publish journey events and the rooms' states; returns
    how many journey events there were."""
    with session_scope(state.sessions) as db:
        update = service.sweep(db=db, now=utcnow(), site=state.settings.site,
                               no_show_after=timedelta(minutes=config.no_show_minutes))
    for event in update.events:
        state.journey.publish(event)
    if update.revocations_changed:
        publish_revocations(state)
    publish_rooms(state)  # also what time alone changed: a slot began or ended
    return len(update.events)


def refresh_feeds(state: ServerState, config: MeetingSettings,
                  send: Callable[[list[Outgoing]], None] | None = None) -> None:
    """Re-read every subscribed calendar; one failing feed records its error, others go on.
    Host notices (people taken off a meeting) go to ``send`` after each commit."""
    with session_scope(state.sessions) as db:
        ids = [f.id for f in feeds.all_feeds(db=db)]
    for feed_id in ids:
        result = None
        try:
            with session_scope(state.sessions) as db:
                feed = feeds.get_feed(db=db, feed_id=feed_id)
                result = feeds.refresh(db=db, ctx=pass_context(state), feed=feed,
                                       import_days=config.import_days,
                                       outbound=state.settings.outbound_policy,
                                       budget=ParseBudget.of(config))
        except Exception as exc:  # a broken feed must not stop the others
            log.warning("calendar feed %d: %s", feed_id, str(exc)[:200])
            with session_scope(state.sessions) as db:
                feeds.get_feed(db=db, feed_id=feed_id).last_error = str(exc)[:500]
        if result is not None and result.revocations_changed:
            publish_revocations(state)
        if result is not None and send is not None and result.host_notices:
            send(result.host_notices)
        if result is not None:  # the new visitors' invitations, with their pass links
            invitations.announce(state.journey, result.invitations)
