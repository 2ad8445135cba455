"""MQTT topic names (device-centred). Build topics here; never format them by hand."""

from __future__ import annotations

ROOT = "officegate"
ONLINE = "online"
OFFLINE = "offline"

# What the server subscribes to: every device's events and availability.
ALL_DEVICE_EVENTS = f"{ROOT}/devices/+/events"
ALL_DEVICE_STATUS = f"{ROOT}/devices/+/status"
ALL_DEVICE_HEARTBEATS = f"{ROOT}/devices/+/heartbeat"


def _name(value: str, what: str) -> str:
    # A '/', '+' or '#' would let a name reach into another device's topics.
    if not value or any(c in value for c in "/+#\x00") or len(value) > 128:
        raise ValueError(f"{what} name {value!r} is not usable in an MQTT topic")
    return value


def device_status(device: str) -> str:
    """Retained "online"/"offline" of a device (its last will is "offline")."""
    return f"{ROOT}/devices/{_name(device, 'device')}/status"


def device_events(device: str) -> str:
    """Access and sensor events of a device, QoS 1."""
    return f"{ROOT}/devices/{_name(device, 'device')}/events"


def device_config(device: str) -> str:
    """Retained DeviceConfig of a device."""
    return f"{ROOT}/devices/{_name(device, 'device')}/config"


def device_cmd(device: str) -> str:
    """Commands for a device (unlock, lockdown, dispense, ...)."""
    return f"{ROOT}/devices/{_name(device, 'device')}/cmd"


def site_keys(site: str) -> str:
    """Retained KeySet of a site."""
    return f"{ROOT}/sites/{_name(site, 'site')}/keys"


def site_revocations(site: str) -> str:
    """Retained Revocations of a site."""
    return f"{ROOT}/sites/{_name(site, 'site')}/revocations"


def all_device_events() -> str:
    """Subscription filter for every device's events."""
    return ALL_DEVICE_EVENTS


def all_device_status() -> str:
    """Subscription filter for every device's status."""
    return ALL_DEVICE_STATUS


def device_of(topic: str) -> str | None:
    """The device name in an ``officegate/devices/{device}/...`` topic, else None."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[0] == ROOT and parts[1] == "devices" and parts[2]:
        return parts[2]
    return None


def device_heartbeat(device: str) -> str:
    """Periodic health report of a device (fps, latencies, outbox depth), QoS 0."""
    return f"{ROOT}/devices/{_name(device, 'device')}/heartbeat"
