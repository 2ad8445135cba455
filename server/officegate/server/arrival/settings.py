"""Settings of OwnTracks in MQTT mode (the ``owntracks`` section: ``OFFICEGATE_OWNTRACKS_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class OwnTracksSettings(BaseModel):
    """Where phones reach the broker, and the broker files the server keeps for them."""

    model_config = ConfigDict(extra="forbid")

    mqtt_url: str | None = Field(
        default=None, max_length=300, pattern=r"^mqtts?://[^/@\s]+$", title="Phones' broker",
        description="mqtt(s)://host:port the visitors' phones reach the broker at (its phone "
        "listener); empty: the set-up link offers HTTP mode only.")
    broker_dir: Path | None = Field(
        default=None, title="Phone login files",
        description="Directory where the server writes phones.passwd and phones.acl for the "
        "broker's phone listener (mosquitto per_listener_settings); empty: not written.")
    broker_pid_file: Path | None = Field(
        default=None, title="Broker pid file",
        description="Mosquitto's pid_file: the server sends it SIGHUP after writing the "
        "files, so a login works at once and an ended visit's stops; empty: no reload.")
