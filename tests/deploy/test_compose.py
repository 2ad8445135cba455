"""docker-compose.yml is valid Compose and keeps the promises the README makes about it.

No Docker engine runs in CI, so the file is checked against the Compose specification's JSON
schema, kept in the repository at deploy/schemas/compose-spec.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_matches_the_compose_specification(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(compose, schema)


def test_compose_has_broker_database_server_and_a_gate(compose: dict) -> None:
    assert {"mosquitto", "postgres", "server", "gate-1"} <= set(compose["services"])


def test_mosquitto_config_does_not_drop_queued_qos1_messages(compose: dict) -> None:
    mounts = compose["services"]["mosquitto"]["volumes"]
    conf_mount = next(m for m in mounts if m.endswith("/mosquitto/config/mosquitto.conf:ro"))
    conf_path = ROOT / conf_mount.split(":")[0]
    settings = {}
    for line in conf_path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            settings[key] = value.strip()
    # Mosquitto's default (1000) silently drops QoS 1 messages to a slow subscriber.
    assert settings.get("max_queued_messages") == "0"
    assert settings.get("persistence") == "true"
    assert settings.get("allow_anonymous") == "false"


def test_no_secret_is_written_into_the_compose_file(compose: dict) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in text
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key:
                assert str(value).startswith("${"), f"{key} must come from the environment"
