"""Taking a location in: authenticate, check, decide, commit, then tell the journey."""

from __future__ import annotations

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


def _state(track: Any) -> dict[str, Any]:
    return {"approached": track.approached_at is not None,
            "arrived": track.arrived_at is not None, "eta_s": track.eta_s}


def owntracks_message(hub: ArrivalHub, *, user: str, password: str | None, payload: bytes,
                      now: float) -> list[dict[str, Any]]:
    """One OwnTracks message (HTTP: with password; MQTT: broker-authenticated, None).

    An ``encrypted`` payload is opened with the person's key and the reply is encrypted
    the same way. Returns the ``cmd`` objects for the phone: ``setWaypoints`` with the
    office region on the first message. Raises NotFound (bad credentials), BadLocation (bad
    data, including CannotDecrypt and EncryptionRequired) or Conflict (not taken now)
    before anything is stored.
    """
    at = datetime.fromtimestamp(now, UTC)
    with session_scope(hub.state.sessions) as db:
        track = arrival.owntracks_track(db=db, user=user, password=password)
        key = None
        data = encryption.encrypted_data(payload)
        if data is not None:
            key = arrival.owntracks_key(track=track, seal=hub.secret_seal)
            payload = encryption.open_payload(data, key)
        message = owntracks.parse(payload, now=now)
        if data is None and message.fix is not None and track.owntracks_encrypts:
            # This phone encrypts: a plain location under its name is not from it.
            raise encryption.EncryptionRequired(
                "this phone sends encrypted payloads; a plain location is refused")
        if data is not None:
            track.owntracks_encrypts = True
        visit = db.get(Visit, track.visit_id)
        assert visit is not None
        site = db.get(Site, visit.site_id)
        assert site is not None
        config = arrival.site_config(db=db, site_id=site.id)
        first = track.owntracks_seen_at is None
        if message.fix is None:
            return []
        decided = arrival.record_fix(db=db, visit=visit, site=site, config=config, track=track,
                                     fix=message.fix, source="owntracks", now=at)
        cmds = []
        if first and config is not None:
            track.owntracks_seen_at = at
            cmds.append(owntracks.set_waypoints_cmd(fence=arrival.fence_of(config),
                                                    site_name=site.name,
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
