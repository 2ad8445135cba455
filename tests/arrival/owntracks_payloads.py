"""Every message the OwnTracks apps send, from the booklet (docs/tech/json.md): for each
``_type`` a required-fields-only variant and one with every documented field."""

from __future__ import annotations

import base64
from typing import Any

PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f0b1a10000000049454e44ae426082")).decode()


def messages(*, lat: float, lon: float, tst: int, desc: str, rid: str,
             wtst: int) -> list[tuple[str, dict[str, Any]]]:
    """(name, message) for every ``_type`` the apps publish, at ``lat``/``lon``/``tst``;
    transitions and waypoints name the region ``desc``/``rid`` created at ``wtst``."""
    waypoint_min = {"_type": "waypoint", "desc": desc, "tst": wtst}
    waypoint_all = {**waypoint_min, "lat": lat, "lon": lon, "rad": 80, "rid": rid,
                    "uuid": "CA271EAE-5FA8-4E80-8F08-2A302A95A959", "major": 1, "minor": 2}
    return [
        ("location/required", {"_type": "location", "lat": lat, "lon": lon, "tst": tst}),
        ("location/all", {
            "_type": "location", "acc": 12, "alt": 42, "batt": 77, "bs": 1, "cog": 270,
            "lat": lat, "lon": lon, "rad": 80, "t": "u", "tid": "OG", "tst": tst, "vac": 3,
            "vel": 4, "p": 101.3, "poi": "lobby", "image": PNG_1PX, "imagename": "x.png",
            "conn": "m", "tag": "visit", "topic": "owntracks/og/phone", "inregions": [desc],
            "inrids": [rid], "SSID": "guest", "BSSID": "00:11:22:33:44:55",
            "created_at": tst, "m": 2, "_id": "1a2b3c4d", "motionactivities": ["walking"]}),
        ("transition/required", {"_type": "transition", "wtst": wtst, "tst": tst, "acc": 20,
                                 "event": "leave"}),
        ("transition/all", {"_type": "transition", "wtst": wtst, "lat": lat, "lon": lon,
                            "tst": tst, "acc": 20, "tid": "OG", "event": "leave",
                            "desc": desc, "t": "c", "rid": rid}),
        ("lwt/required", {"_type": "lwt", "tst": tst}),
        ("waypoint/required", waypoint_min),
        ("waypoint/all", waypoint_all),
        ("waypoints/required", {"_type": "waypoints", "waypoints": [waypoint_min]}),
        ("waypoints/all", {"_type": "waypoints", "_creator": "OwnTracks",
                           "waypoints": [waypoint_all]}),
        ("card/required", {"_type": "card", "tid": "OG"}),
        ("card/all", {"_type": "card", "tid": "OG", "name": "Hanako", "face": PNG_1PX}),
        ("cmd/required", {"_type": "cmd", "action": "reportLocation"}),
        ("cmd/all", {"_type": "cmd", "action": "reportSteps", "from": tst - 3600, "to": tst}),
        ("steps/required", {"_type": "steps", "tst": tst, "steps": -1}),
        ("steps/all", {"_type": "steps", "tst": tst, "steps": 1234, "from": tst - 3600,
                       "to": tst}),
        ("status/required", {"_type": "status"}),
        ("status/all", {"_type": "status", "_id": "1a2b3c4d",
                        "iOS": {"version": "18.4.0", "locale": "ja_JP",
                                "locationManagerAuthorizationStatus": "always",
                                "backgroundRefreshStatus": "available"},
                        "android": {"hib": 0, "bo": 1, "loc": 1, "ps": 0, "wifi": 1}}),
        ("beacon/all", {"_type": "beacon", "desc": "door", "uuid":
                        "CA271EAE-5FA8-4E80-8F08-2A302A95A959", "major": 1, "minor": 2,
                        "tst": tst, "acc": 1, "rssi": -60, "prox": 2}),
        ("configuration/required", {"_type": "configuration"}),
        ("configuration/all", {"_type": "configuration", "mode": 3, "monitoring": 2,
                               "tid": "OG", "deviceId": "phone", "waypoints": [waypoint_all]}),
        ("request/all", {"_type": "request", "request": "tour",
                         "tour": {"label": "visit", "from": "2026-12-01T09:00:00",
                                  "to": "2026-12-01T18:00:00"}}),
    ]
