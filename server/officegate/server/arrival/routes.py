"""Arrival endpoints: site geofence (staff), consent and location (pass page), OwnTracks."""

from __future__ import annotations

import base64
import binascii
import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from officegate.server.arrival import ingest, owntracks, waiting
from officegate.server.arrival import service as arrival
from officegate.server.arrival.hub import ArrivalHub
from officegate.server.arrival.owntracks import BadLocation
from officegate.server.audit import service as audit
from officegate.server.checkin import service as checkin
from officegate.server.db import RowId, utcnow
from officegate.server.deps import CurrentUser, SessionDep, StaffUser, StateDep
from officegate.server.errors import InvalidInput, NotAuthenticated, NotFound
from officegate.server.privacy import consent as consents
from officegate.server.sites import service as sites
from officegate.server.visits.holder import HolderOnly
from officegate.server.visits.pass_page import find_pass

router = APIRouter(tags=["arrival"])


def get_hub(request: Request) -> ArrivalHub:
    """The app's ArrivalHub (started with the app)."""
    hub: ArrivalHub = request.app.state.officegate.runtime.arrival
    return hub


HubDep = Annotated[ArrivalHub, Depends(get_hub)]


class SiteArrivalIn(BaseModel):
    """A site's geofence and lobby rules."""

    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float = Field(ge=10, le=5000, description="the building fence")
    approach_m: float = Field(ge=50, le=50_000, description="the approaching ring")
    polygon: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list, max_length=200)
    checkin_zones: list[str] = Field(default_factory=list, max_length=20,
                                     description="zones a pass gets only at check-in")
    exit_devices: list[str] = Field(default_factory=list, max_length=50)
    timezone: str = Field(default="Asia/Tokyo", max_length=64)
    lobby_wait_minutes: int = Field(default=10, ge=1, le=240,
                                    description="tell the host after a visitor waits this long")
    lobby_remind_minutes: int = Field(default=10, ge=1, le=240,
                                      description="then remind the host this often")
    lobby_reminders: int = Field(default=3, ge=0, le=20,
                                 description="at most this many reminders (0: tell once)")
    ack_version: str | None = Field(default=None, max_length=32)
    ack_text_en: str | None = Field(default=None, max_length=20_000)
    ack_text_ja: str | None = Field(default=None, max_length=20_000)


class SiteArrivalOut(SiteArrivalIn):
    """The stored settings."""

    site: str


class LocationIn(BaseModel):
    """A browser Geolocation fix: degrees, metres, epoch seconds."""

    model_config = ConfigDict(extra="forbid")
    lat: float
    lon: float
    acc: float
    at: float


class ArrivalStateOut(BaseModel):
    """What the pass page needs to know about arrival and check-in."""

    share_location: bool  # the page should ask for / keep sending location
    why_not: str | None
    consent: bool
    approached: bool
    arrived: bool
    eta_s: int | None
    checkin: str | None  # None, "held", "checked_in", "checked_out", "refused"
    held_reason: str | None = None
    pass_id: str


class OwnTracksSetupOut(BaseModel):
    """Credentials and payload encryption key (shown once), the one-tap configuration link
    and the same configuration as an ``.otrc`` file's content."""

    username: str
    password: str
    encryption_key: str
    http_url: str
    config_link: str
    otrc: dict[str, Any]
    mqtt_config_link: str | None = Field(
        default=None, description="MQTT mode with the phone's own broker login (when the "
        "site offers it); the login ends with the visit")
    mqtt_otrc: dict[str, Any] | None = None


class MetOut(BaseModel):
    """When the visitor was met."""

    visit_id: int
    met_at: datetime


def _out(site: str, row: Any) -> SiteArrivalOut:
    fields = {k: getattr(row, k) for k in SiteArrivalIn.model_fields}
    return SiteArrivalOut(site=site, **fields)


@router.put("/api/sites/{site}/arrival", response_model=SiteArrivalOut)
def put_site_arrival(site: str, body: SiteArrivalIn, request: Request, db: SessionDep,
                     user: StaffUser) -> SiteArrivalOut:
    """Set a site's geofence, approaching ring, check-in zones and acknowledgement (staff)."""
    old = arrival.site_config(db=db, site_id=sites.get_site(db=db, code=site).id)
    before = _out(site, old).model_dump(mode="json") if old is not None else None
    out = _out(site, arrival.configure_site(db=db, site=site, **body.model_dump()))
    audit.record(db, who=audit.actor_of(request, user), action="settings.arrival",
                 target=f"site:{site}", before=before, after=out.model_dump(mode="json"))
    return out


@router.get("/api/sites/{site}/arrival", response_model=SiteArrivalOut)
def get_site_arrival(site: str, db: SessionDep, _user: CurrentUser) -> SiteArrivalOut:
    """A site's arrival settings."""
    row = arrival.site_config(db=db, site_id=sites.get_site(db=db, code=site).id)
    if row is None:
        raise NotFound("no_geofence", "this site has no geofence yet",
                       "このサイトにはジオフェンスが未設定です")
    return _out(site, row)


@router.get("/api/p/{token}/arrival", response_model=ArrivalStateOut, tags=["pass page"],
            dependencies=[HolderOnly])
def arrival_state(token: str, db: SessionDep) -> ArrivalStateOut:
    """Whether to share location now, what was decided, and the check-in state."""
    row = find_pass(db=db, token=token)
    visit, _site, config = arrival.visit_of_pass(db=db, row=row)
    track = arrival.track_of(db=db, visit=visit)
    record = checkin.checkin_of(db=db, visit_id=visit.id)
    current = checkin.current_pass(db=db, visit_id=visit.id)
    why = arrival.sharing_allowed(visit=visit, config=config, track=track, now=utcnow())
    return ArrivalStateOut(
        share_location=why is None, why_not=why, consent=track.consent_at is not None,
        approached=track.approached_at is not None, arrived=track.arrived_at is not None,
        eta_s=track.eta_s, checkin=None if record is None or record.status == "new"
        else record.status, held_reason=None,  # why a visitor is held stays with staff
        pass_id=current.pass_id if current else row.pass_id)


@router.post("/api/visits/{visit_id}/met", response_model=MetOut)
def visitor_met(visit_id: RowId, db: SessionDep, user: CurrentUser) -> MetOut:
    """The host (or staff) has met the visitor: the "waiting" reminders stop."""
    track = waiting.mark_met(db=db, visit_id=visit_id, user=user, now=utcnow())
    assert track.met_at is not None
    return MetOut(visit_id=visit_id, met_at=track.met_at)


@router.post("/api/p/{token}/arrival/consent", response_model=ArrivalStateOut,
             tags=["pass page"], dependencies=[HolderOnly])
def consent(token: str, db: SessionDep) -> ArrivalStateOut:
    """The visitor agreed to share location today, until arrival."""
    row = find_pass(db=db, token=token)
    visit, _site, config = arrival.visit_of_pass(db=db, row=row)
    arrival.give_consent(db=db, visit=visit, config=config, now=utcnow())
    consents.give(db=db, visit_id=visit.id, purpose="location", now=utcnow())  # its version
    return arrival_state(token, db)


@router.post("/api/p/{token}/location", tags=["pass page"], dependencies=[HolderOnly])
def browser_location(token: str, body: LocationIn, hub: HubDep) -> dict[str, Any]:
    """One fix from the pass page (used, then dropped: only decisions are kept)."""
    try:
        return ingest.browser_fix(hub, token=token, lat=body.lat, lon=body.lon, acc=body.acc,
                                  at=body.at, now=time.time())
    except BadLocation as exc:
        raise InvalidInput("bad_location", str(exc), "位置情報が不正です") from exc


@router.post("/api/p/{token}/owntracks", response_model=OwnTracksSetupOut, tags=["pass page"],
             dependencies=[HolderOnly])
def owntracks_setup(token: str, db: SessionDep, state: StateDep,
                    hub: HubDep) -> OwnTracksSetupOut:
    """OwnTracks credentials, payload encryption key and configuration link (asking again
    replaces the password and the key)."""
    row = find_pass(db=db, token=token)
    visit, site, config = arrival.visit_of_pass(db=db, row=row)
    track = arrival.track_of(db=db, visit=visit)
    made = arrival.issue_owntracks(db=db, track=track, seal=hub.secret_seal)
    http_url = f"{state.settings.base_url.rstrip('/')}/owntracks"
    common: dict[str, Any] = {
        "http_url": http_url, "username": made.username, "password": made.password,
        "device": "phone", "fence": arrival.fence_of(config) if config else None,
        "site_name": site.name, "created": int(config.updated_at.timestamp()) if config else 0,
        "encryption_key": made.encryption_key}
    otrc = owntracks.configuration(**common)
    mqtt_otrc = None
    if hub.phones.offered:  # the phone's broker login is live as soon as the files reload
        hub.phones.sync(db=db, now=utcnow())
        mqtt_otrc = owntracks.configuration(**common, mqtt=hub.phones.address())
    return OwnTracksSetupOut(
        username=made.username, password=made.password, encryption_key=made.encryption_key,
        http_url=http_url, config_link=owntracks.config_link(otrc), otrc=otrc,
        mqtt_config_link=owntracks.config_link(mqtt_otrc) if mqtt_otrc else None,
        mqtt_otrc=mqtt_otrc)


def _basic_auth(request: Request) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            sep = ""
        if sep:
            return user, password
    raise NotAuthenticated("owntracks_auth", "OwnTracks needs HTTP Basic authentication",
                           "Basic 認証が必要です")


@router.post("/owntracks", tags=["owntracks"])
async def owntracks_http(request: Request, hub: HubDep) -> Response:
    """OwnTracks HTTP mode: its JSON in, a JSON array of ``cmd`` objects out."""
    user, password = _basic_auth(request)
    try:
        await _run(ingest.check_owntracks_login, hub, user=user, password=password)
        payload = await request.body()  # read only once the phone has proved who it is
        cmds = await _run(ingest.owntracks_message, hub, user=user, password=password,
                          payload=payload, now=time.time())
    except NotFound as exc:
        # Same 401 for an unknown user and a wrong password: no account oracle.
        raise NotAuthenticated("owntracks_auth", exc.message_en, exc.message_ja) from exc
    except BadLocation as exc:
        return JSONResponse({"detail": {"code": exc.code, "message_en": str(exc),
                                        "message_ja": exc.message_ja}}, status_code=400)
    return JSONResponse(cmds)


async def _run(func: Any, *args: Any, **kwargs: Any) -> Any:
    from fastapi.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args, **kwargs)
