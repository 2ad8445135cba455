"""OwnTracks' own JSON, read strictly: ``location`` and ``transition`` messages in, ``cmd`` out.

Field names follow the OwnTracks booklet (docs/tech/json.md): ``_type``, ``lat``, ``lon``,
``acc`` (m), ``tst`` (epoch s), ``vel`` (km/h); transitions add ``event`` (enter/leave),
``wtst`` (waypoint creation time), ``desc`` and ``rid`` (region id), and their ``lat``/``lon``
are optional. Anything else the app sends (``lwt``, ``waypoint(s)``, ``card``, ``status``,
``steps``, ``cmd``...) and the zero-length body (docs/tech/http.md: "best to ignore") are
accepted and ignored, as the OwnTracks Recorder does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from officegate.server.arrival.geofence import Fix, Geofence
from officegate.server.http import jsonbody

MAX_FUTURE_S = 120  # phone clocks drift a little; more than this is not a real fix
MAX_ACCURACY_M = 100_000.0
REGION_PREFIX = "OfficeGate "


class BadLocation(ValueError):
    """A location message we refuse, with a reason safe to show the sender."""

    code = "bad_location"
    message_ja = "位置情報が不正です"


class FixFromTheFuture(BadLocation):
    """A fix stamped more than :data:`MAX_FUTURE_S` ahead of our clock (a phone whose clock
    is wrong): not usable, but OwnTracks is answered 2xx so it does not retry it forever."""

    def __init__(self, ahead_s: float) -> None:
        super().__init__("timestamp is in the future")
        self.ahead_s = ahead_s


@dataclass(frozen=True, slots=True)
class OwnTracksMessage:
    """A parsed message: ``kind`` is "location", "transition", "empty" or "other"; a
    transition without coordinates has no ``fix``."""

    kind: str
    fix: Fix | None = None
    event: str | None = None
    region: str | None = None
    rid: str | None = None


def _number(data: dict[str, Any], key: str, *, required: bool = True) -> float | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadLocation(f"'{key}' must be a number")
    return float(value)


def check_fix(*, lat: float, lon: float, acc: float, at: float, now: float,
              speed: float | None = None, entered: bool = False) -> Fix:
    """A Fix from checked numbers; BadLocation for absurd values or a time in the future."""
    if not all(math.isfinite(v) for v in (lat, lon, acc, at, 0.0 if speed is None else speed)):
        raise BadLocation("numbers must be finite")
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise BadLocation("coordinates out of range")
    if not 0.0 <= acc <= MAX_ACCURACY_M:
        raise BadLocation("accuracy out of range")
    if at > now + MAX_FUTURE_S:
        raise FixFromTheFuture(at - now)
    if at < 1_000_000_000:
        raise BadLocation("timestamp is not a UNIX epoch in seconds")
    if speed is not None and not 0.0 <= speed <= 1000.0:
        raise BadLocation("speed out of range")
    return Fix(lat=lat, lon=lon, acc=acc, at=at, speed=speed, entered=entered)


def parse(payload: bytes, *, now: float, our_rid: str | None = None) -> OwnTracksMessage:
    """Parse one OwnTracks payload; BadLocation with the reason when it is not usable.

    A transition is for our region when its ``desc`` is ours and its ``rid`` (when the app
    sends one) is ``our_rid``: an old region a phone still watches after the fence moved
    does not count as entering the office.
    """
    if not payload.strip():
        return OwnTracksMessage(kind="empty")
    try:
        data = jsonbody.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadLocation("body is not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("_type"), str):
        raise BadLocation("an OwnTracks message is a JSON object with '_type'")
    kind = data["_type"]
    if kind not in ("location", "transition"):
        return OwnTracksMessage(kind="other")
    transition = kind == "transition"
    lat = _number(data, "lat", required=not transition)
    lon = _number(data, "lon", required=not transition)
    tst = _number(data, "tst")
    acc = _number(data, "acc", required=False)
    vel = _number(data, "vel", required=False)
    assert tst is not None
    if not transition:
        assert lat is not None and lon is not None
        fix = check_fix(lat=lat, lon=lon, acc=acc if acc is not None else 50.0, at=tst, now=now,
                        speed=None if vel is None else vel / 3.6)
        return OwnTracksMessage(kind="location", fix=fix)
    event = data.get("event")
    if event not in ("enter", "leave"):
        raise BadLocation("transition 'event' must be 'enter' or 'leave'")
    _number(data, "wtst")  # required by the format; we do not need its value
    desc, rid = data.get("desc"), data.get("rid")
    region = desc if isinstance(desc, str) else None
    rid = rid if isinstance(rid, str) else None
    ours = (region is None or region.startswith(REGION_PREFIX)) and (
        rid is None or our_rid is None or rid == our_rid)
    if lat is None or lon is None:  # the app's region event alone: nothing to measure
        return OwnTracksMessage(kind="transition", event=event, region=region, rid=rid)
    fix = check_fix(lat=lat, lon=lon, acc=acc if acc is not None else 50.0, at=tst, now=now,
                    entered=event == "enter" and ours)
    return OwnTracksMessage(kind="transition", fix=fix, event=event, region=region, rid=rid)


def region_name(site_name: str) -> str:
    """The waypoint name the phone reports in transitions (``desc``)."""
    return f"{REGION_PREFIX}{site_name}"[:60]


def region_id(fence: Geofence) -> str:
    """The region's ``rid``: the same for the same fence, another when the fence moves (so a
    transition from a region the phone kept from before is told apart)."""
    shape = json.dumps([round(fence.lat, 6), round(fence.lon, 6), int(fence.radius_m),
                        [[round(a, 6), round(b, 6)] for a, b in fence.polygon]])
    return hashlib.sha256(shape.encode()).hexdigest()[:12]


def waypoint(*, fence: Geofence, site_name: str, created: int) -> dict[str, Any]:
    """The office as an OwnTracks ``waypoint`` (circular region) with its ``rid``."""
    return {"_type": "waypoint", "desc": region_name(site_name), "lat": fence.lat,
            "lon": fence.lon, "rad": int(fence.radius_m), "tst": created,
            "rid": region_id(fence)}


def set_waypoints_cmd(*, fence: Geofence, site_name: str, created: int) -> dict[str, Any]:
    """The ``cmd`` that makes the phone monitor the office region (HTTP reply, MQTT cmd)."""
    return {"_type": "cmd", "action": "setWaypoints",
            "waypoints": {"_type": "waypoints",
                          "waypoints": [waypoint(fence=fence, site_name=site_name,
                                                 created=created)]}}


def configuration(*, http_url: str, username: str, password: str, device: str,
                  fence: Geofence | None, site_name: str, created: int,
                  encryption_key: str | None = None,
                  mqtt: tuple[str, int, bool] | None = None) -> dict[str, Any]:
    """The app's configuration (what an ``.otrc`` file holds): HTTP mode, or MQTT mode
    with ``mqtt`` = (host, port, tls); our credentials, the office region and, when given,
    the payload ``encryptionKey``."""
    config: dict[str, Any] = {
        "_type": "configuration", "mode": 3, "url": http_url, "auth": True,
        "username": username, "password": password, "deviceId": device, "tid": "OG",
        "monitoring": 2, "locatorInterval": 30, "locatorDisplacement": 20, "cmd": True,
    }
    if mqtt is not None:
        host, port, tls = mqtt
        del config["url"]
        # The phone publishes under owntracks/<user>/<device> and listens only to its own
        # commands (the broker's ACL allows nothing else).
        config.update({"mode": 0, "host": host, "port": port, "tls": tls,
                       "clientId": f"{username}-{device}", "pubTopicBase": "owntracks/%u/%d",
                       "sub": True, "subTopic": "owntracks/%u/%d/cmd", "pubQos": 1,
                       "keepalive": 60, "mqttProtocolLevel": 4})
    if encryption_key is not None:
        config["encryptionKey"] = encryption_key
    if fence is not None:
        config["waypoints"] = [waypoint(fence=fence, site_name=site_name, created=created)]
    return config


def config_link(config: dict[str, Any]) -> str:
    """``owntracks:///config?inline=<base64 json>``: one tap loads ``config`` into the app."""
    raw = json.dumps(config, separators=(",", ":")).encode()
    # Standard base64 (the apps refuse the URL-safe alphabet), percent-encoded for the URL.
    return "owntracks:///config?inline=" + quote(base64.b64encode(raw).decode(), safe="")
