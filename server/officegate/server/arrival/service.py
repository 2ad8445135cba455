"""Arrival: site geofences, visitor consent, OwnTracks credentials, and deciding from fixes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from officegate.server.arrival import encryption, phone_broker
from officegate.server.arrival.encryption import SecretSeal
from officegate.server.arrival.geofence import (
    Crossing,
    Fix,
    Geofence,
    TrackState,
    observe,
    outline_problem,
)
from officegate.server.arrival.models import ArrivalSite, ArrivalTrack
from officegate.server.auth.models import User
from officegate.server.console.forms import FieldError
from officegate.server.db import utcnow
from officegate.server.errors import Conflict, Forbidden, InvalidInput, NotFound
from officegate.server.journey import JourneyBus, JourneyEvent, Kind
from officegate.server.sites import service as sites
from officegate.server.sites.models import Site
from officegate.server.visits.models import Visit, Visitor, VisitorPass


@dataclass(frozen=True, slots=True)
class Decided:
    """Crossings decided by one fix, with what a journey event needs."""

    visit_id: int
    site: str
    source: str
    crossings: list[Crossing]


def configure_site(*, db: Session, site: str, lat: float, lon: float, radius_m: float,
                   approach_m: float, polygon: list[list[float]] | None = None,
                   checkin_zones: list[str] | None = None, exit_devices: list[str] | None = None,
                   timezone: str = "Asia/Tokyo", lobby_wait_minutes: int = 10,
                   lobby_remind_minutes: int = 10, lobby_reminders: int = 3,
                   ack_version: str | None = None, ack_text_en: str | None = None,
                   ack_text_ja: str | None = None) -> ArrivalSite:
    """Create or replace a site's arrival settings; InvalidInput when they make no sense."""
    row_site = sites.get_site(db=db, code=site)
    if approach_m <= radius_m:
        raise InvalidInput("bad_rings", "the approaching ring must be larger than the fence",
                           "接近範囲はジオフェンスより大きくしてください")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("bad_timezone", f"unknown time zone {timezone[:64]!r}",
                           "タイムゾーンが不正です") from exc
    if ack_version and not (ack_text_en and ack_text_ja):
        raise InvalidInput("ack_text_missing", "an acknowledgement needs its text in en and ja",
                           "同意事項には日本語と英語の本文が必要です")
    for zone in checkin_zones or []:
        sites.check_name(zone, what="zone")
    corners = [(float(p[0]), float(p[1])) for p in polygon or []]
    problem = outline_problem(corners, lat=lat, lon=lon, within_m=approach_m)
    if problem is not None:
        raise FieldError("polygon", *problem)
    row = db.scalar(select(ArrivalSite).where(ArrivalSite.site_id == row_site.id))
    if row is None:
        row = ArrivalSite(site_id=row_site.id)
        db.add(row)
    row.lat, row.lon, row.radius_m, row.approach_m = lat, lon, radius_m, approach_m
    row.polygon = [list(p) for p in polygon or []]
    row.checkin_zones = sorted(set(checkin_zones or []))
    row.exit_devices = sorted(set(exit_devices or []))
    row.timezone, row.lobby_wait_minutes = timezone, lobby_wait_minutes
    row.lobby_remind_minutes, row.lobby_reminders = lobby_remind_minutes, lobby_reminders
    row.ack_version, row.ack_text_en, row.ack_text_ja = ack_version, ack_text_en, ack_text_ja
    row.updated_at = utcnow()
    db.flush()
    return row


def site_config(*, db: Session, site_id: int) -> ArrivalSite | None:
    """The arrival settings of a site, None when it has none."""
    return db.scalar(select(ArrivalSite).where(ArrivalSite.site_id == site_id))


def fence_of(config: ArrivalSite) -> Geofence:
    """The Geofence of a site's settings."""
    return Geofence(lat=config.lat, lon=config.lon, radius_m=config.radius_m,
                    approach_m=config.approach_m,
                    polygon=tuple((float(p[0]), float(p[1])) for p in config.polygon))


def local_day(config: ArrivalSite | None, at: datetime) -> str:
    """The calendar day of ``at`` at the site (YYYY-MM-DD)."""
    zone = ZoneInfo(config.timezone if config else "Asia/Tokyo")
    return at.astimezone(zone).date().isoformat()


def track_of(*, db: Session, visit: Visit) -> ArrivalTrack:
    """The visit's arrival track, created when missing."""
    row = db.scalar(select(ArrivalTrack).where(ArrivalTrack.visit_id == visit.id))
    if row is None:
        row = ArrivalTrack(visit_id=visit.id, inside_count=0)
        db.add(row)
        db.flush()
    return row


def visit_of_pass(*, db: Session, row: VisitorPass) -> tuple[Visit, Site, ArrivalSite | None]:
    """The visit, site and arrival settings behind a pass."""
    visit = db.get(Visit, row.visit_id)
    assert visit is not None
    site = db.get(Site, visit.site_id)
    assert site is not None
    return visit, site, site_config(db=db, site_id=site.id)


def sharing_allowed(*, visit: Visit, config: ArrivalSite | None, track: ArrivalTrack,
                    now: datetime) -> str | None:
    """Why location must not be taken now (None when it may): the visit day only, before
    arrival, and never after check-in."""
    if config is None:
        return "no_geofence"
    if track.arrived_at is not None or visit.checked_in_at is not None:
        return "already_arrived"
    if not on_visit_day(config, visit, now):
        return "not_visit_day"
    return None


def on_visit_day(config: ArrivalSite | None, visit: Visit, now: datetime) -> bool:
    """The visit's local calendar day, or the two hours before it starts (a 00:30 meeting
    is "today" at 23:45 the evening before), and never after it ends."""
    if now > visit.ends_at:
        return False
    return (local_day(config, now) == local_day(config, visit.starts_at)
            or visit.starts_at - timedelta(hours=2) <= now)


def give_consent(*, db: Session, visit: Visit, config: ArrivalSite | None,
                 now: datetime) -> ArrivalTrack:
    """Record the visitor's yes to location sharing (Conflict when sharing is not possible)."""
    track = track_of(db=db, visit=visit)
    why = sharing_allowed(visit=visit, config=config, track=track, now=now)
    if why is not None:
        raise Conflict(why, "location sharing is not needed now",
                       "現在は位置情報の共有は不要です")
    if track.consent_at is None:
        track.consent_at = now
    return track


def record_fix(*, db: Session, visit: Visit, site: Site, config: ArrivalSite | None,
               track: ArrivalTrack, fix: Fix, source: str, now: datetime) -> Decided:
    """Feed one fix to the visit's track; returns what it decided (often nothing).

    Refuses (409) when the visitor did not agree or the visit day is over; the fix itself
    is used and dropped, only the decision state is kept.
    """
    if track.consent_at is None:
        raise Forbidden("no_consent", "the visitor has not agreed to share location",
                        "位置情報の共有に同意していません")
    why = sharing_allowed(visit=visit, config=config, track=track, now=now)
    if why is not None:
        raise Conflict(why, "location is not taken now", "現在は位置情報を受け付けていません")
    assert config is not None
    state = TrackState(inside_count=track.inside_count, last_at=track.last_at,
                       last_distance_m=track.last_distance_m,
                       approached=track.approached_at is not None,
                       arrived=track.arrived_at is not None)
    new, crossings = observe(fence_of(config), state, fix)
    track.inside_count, track.last_at = new.inside_count, new.last_at
    track.last_distance_m = new.last_distance_m
    for crossing in crossings:
        at = datetime.fromtimestamp(crossing.at, UTC)
        if crossing.kind == "approaching":
            track.approached_at, track.eta_s = at, crossing.eta_s
            track.approach_distance_m = crossing.distance_m
            track.approach_accuracy_m = crossing.accuracy_m
        else:
            track.arrived_at, track.arrival_source = at, source
            track.arrival_distance_m = crossing.distance_m
            track.arrival_accuracy_m = crossing.accuracy_m
    db.flush()
    return Decided(visit_id=visit.id, site=site.code, source=source, crossings=crossings)


def publish(*, db: Session, journey: JourneyBus, decided: Decided) -> None:
    """Tell the journey about each crossing (call after the commit)."""
    if not decided.crossings:
        return
    visit = db.get(Visit, decided.visit_id)
    assert visit is not None
    visitor = db.get(Visitor, visit.visitor_id)
    host = db.get(User, visit.host_id)
    for c in decided.crossings:
        journey.publish(JourneyEvent(
            kind=Kind(c.kind), key=f"{c.kind}:{visit.id}", at=datetime.fromtimestamp(c.at, UTC),
            visit_id=visit.id, site=decided.site,
            data={"eta_s": c.eta_s, "distance_m": c.distance_m, "accuracy_m": c.accuracy_m,
                  "source": decided.source, "host_id": visit.host_id,
                  "host_email": host.email if host else None,
                  "visitor_name": visitor.name if visitor else None}))


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OwnTracksCredentials:
    """What the app is set up with; shown once (only a hash and a sealed copy are kept)."""

    username: str
    password: str
    encryption_key: str


def issue_owntracks(*, db: Session, track: ArrivalTrack,
                    seal: SecretSeal) -> OwnTracksCredentials:
    """New OwnTracks credentials for a consenting visit: user, password (its hash is kept)
    and the payload encryption key (kept sealed with ``seal``, readable by the server only).
    Asking again replaces the password and the key."""
    if track.consent_at is None:
        raise Forbidden("no_consent", "agree to location sharing first",
                        "先に位置情報の共有に同意してください")
    if track.owntracks_user is None:
        track.owntracks_user = "og" + secrets.token_hex(8)
    password = secrets.token_urlsafe(18)
    key = encryption.new_secret()
    track.owntracks_secret_hash = _secret_hash(password)
    track.owntracks_broker_hash = phone_broker.broker_hash(password)  # MQTT mode's login
    track.owntracks_key_sealed = seal.seal(key)
    track.owntracks_encrypts = False  # the newly set-up app proves itself again
    track.owntracks_seen_at = None  # a newly set-up app gets the office region again
    db.flush()
    return OwnTracksCredentials(track.owntracks_user, password, key)


def owntracks_key(*, track: ArrivalTrack, seal: SecretSeal) -> str | None:
    """The phone's payload encryption key, None when it has none (or it cannot be read)."""
    return seal.open(track.owntracks_key_sealed) if track.owntracks_key_sealed else None


def owntracks_track(*, db: Session, user: str, password: str | None) -> ArrivalTrack:
    """The track of OwnTracks user ``user``; with ``password`` None the broker vouched for it
    (MQTT ACL). NotFound for unknown users or a wrong password (same answer: no oracle)."""
    row = db.scalar(select(ArrivalTrack).where(ArrivalTrack.owntracks_user == user[:32]))
    ok = row is not None and row.owntracks_secret_hash is not None and (
        password is None or hmac.compare_digest(row.owntracks_secret_hash,
                                                _secret_hash(password)))
    if not ok or row is None:
        raise NotFound("unknown_owntracks_user", "unknown user or wrong password",
                       "ユーザー名またはパスワードが違います")
    return row
