"""Arrival: the visitor's phone nearing the office (browser location or the OwnTracks app,
HTTP or MQTT, optionally encrypted) decided against the site's geofence, and the hub that
tells the host (notifications, live feed, waiting reminders).

Owns: arrival decisions and OwnTracks credentials (models), the geofence (geofence), the
OwnTracks payloads (owntracks, encryption), the hub started by the runtime (hub), the MQTT
listener (mqtt), the pass-page and OwnTracks endpoints (routes).
Depends on: visits, checkin, notify. Reacts to: approaching, arrived, checked_in,
held_for_approval, checked_out, invited, gate_passed (see reactions.py).
"""
