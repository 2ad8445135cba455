"""Taking a location in: authenticate, check, decide, commit, then tell the journey."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from officegate.server.arrival import encryption, owntracks
from officegate.server.arrival import service as arrival
from officegate.server.arrival.geofence import Fix
from officegate.server.arrival.hub import ArrivalHub
from officegate.server.db import session_scope
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit
from officegate.server.visits.pass_page import find_pass

log = logging.getLogger(__name__)


def _state(track: Any) -> dict[str, Any]:
    return {"approached": track.approached_at is not None,
            "arrived": track.arrived_at is not None, "eta_s": track.eta_s}


def owntracks_message(hub: ArrivalHub, *, user: str, password: str | None, payload: bytes,
                      now: float) -> list[dict[str, Any]]:
    """One OwnTracks message (HTTP: with password; MQTT: broker-authenticated, None).

    An ``encrypted`` payload is opened with the person's key and the reply is encrypted
    the same way. Returns the ``cmd`` objects for the phone: ``setWaypoints`` with the
    office region on the first fix (again after the site's fence changed). Whatever the
    visit's state (arrived, checked in, over), a message the app may send is taken or
    ignored, never refused: the app would queue it and retry all day. Raises NotFound (bad
    credentials) or BadLocation (bad data, including CannotDecrypt and
    EncryptionRequired) before anything is stored.
    """
    at = datetime.fromtimestamp(now, UTC)
    decided = None
    with session_scope(hub.state.sessions) as db:
        track = arrival.owntracks_track(db=db, user=user, password=password)
        key = None
        data = encryption.encrypted_data(payload)
        if data is not None:
            key = arrival.owntracks_key(track=track, seal=hub.secret_seal)
            payload = encryption.open_payload(data, key)
        visit = db.get(Visit, track.visit_id)
        assert visit is not None
        site = db.get(Site, visit.site_id)
        assert site is not None
        config = arrival.site_config(db=db, site_id=site.id)
        fence = arrival.fence_of(config) if config is not None else None
        try:
            message = owntracks.parse(payload, now=now,
                                      our_rid=owntracks.region_id(fence) if fence else None)
        except owntracks.FixFromTheFuture as exc:  # a wrong phone clock: the app would retry
            log.info("OwnTracks fix %.0f s ahead of the server clock ignored", exc.ahead_s)
            return []
        if data is None and message.fix is not None and track.owntracks_encrypts:
            # This phone encrypts: a plain location under its name is not from it.
            raise encryption.EncryptionRequired(
                "this phone sends encrypted payloads; a plain location is refused")
        if data is not None:
            track.owntracks_encrypts = True
        if message.fix is None or arrival.sharing_allowed(
                visit=visit, config=config, track=track, now=at) is not None:
            return []  # nothing to measure, or nothing needed any more: ignored, not refused
        decided = arrival.record_fix(db=db, visit=visit, site=site, config=config, track=track,
                                     fix=message.fix, source="owntracks", now=at)
        cmds = []
        assert config is not None and fence is not None
        if track.owntracks_seen_at is None or track.owntracks_seen_at < config.updated_at:
            track.owntracks_seen_at = at  # the region as it is now: sent again if it moves
            cmds.append(owntracks.set_waypoints_cmd(fence=fence, site_name=site.name,
                                                    created=int(config.updated_at.timestamp())))
        if key is not None:
            cmds = [encryption.seal_payload(cmd, key) for cmd in cmds]
    with session_scope(hub.state.sessions) as db:
        arrival.publish(db=db, journey=hub.state.journey, decided=decided)
    return cmds


def check_owntracks_login(hub: ArrivalHub, *, user: str, password: str) -> None:
    """NotFound unless ``user`` and ``password`` are an OwnTracks login we issued (checked
    before the body is read)."""
    with session_scope(hub.state.sessions) as db:
        arrival.owntracks_track(db=db, user=user, password=password)


def browser_fix(hub: ArrivalHub, *, token: str, lat: float, lon: float, acc: float,
                at: float, now: float) -> dict[str, Any]:
    """A fix from the pass page's Geolocation; returns the visit's arrival state."""
    fix: Fix = owntracks.check_fix(lat=lat, lon=lon, acc=acc, at=at, now=now)
    when = datetime.fromtimestamp(now, UTC)
    with session_scope(hub.state.sessions) as db:
        row = find_pass(db=db, token=token)
        visit, site, config = arrival.visit_of_pass(db=db, row=row)
        track = arrival.track_of(db=db, visit=visit)
        decided = arrival.record_fix(db=db, visit=visit, site=site, config=config, track=track,
                                     fix=fix, source="browser", now=when)
        state = _state(track)
    with session_scope(hub.state.sessions) as db:
        arrival.publish(db=db, journey=hub.state.journey, decided=decided)
    return state
