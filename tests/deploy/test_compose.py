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
    assert {"mosquitto", "postgres", "server-1", "server-2", "proxy", "gate-1"} <= set(
        compose["services"])


def test_server_replicas_share_keys_database_broker_and_share_group(compose: dict) -> None:
    services = compose["services"]
    env = [services[name]["environment"] for name in ("server-1", "server-2")]
    for key in ("OFFICEGATE_KEY_ENCRYPTION_KEY", "DATABASE_URL", "MQTT_URL",
                "OFFICEGATE_MQTT_SHARE_GROUP"):
        assert env[0][key] == env[1][key], key
    # The KEK comes from .env, and compose refuses to start without it.
    assert env[0]["OFFICEGATE_KEY_ENCRYPTION_KEY"].startswith(
        "${OFFICEGATE_KEY_ENCRYPTION_KEY:?")
    assert env[0]["OFFICEGATE_MQTT_SHARE_GROUP"]
    assert "OFFICEGATE_SECRET_KEY" not in env[0]  # shared through the database now
    # Each replica its own data volume and fixed host name (its own MQTT client id).
    assert services["server-1"]["volumes"] != services["server-2"]["volumes"]
    assert services["server-1"]["hostname"] != services["server-2"]["hostname"]


def test_the_proxy_fronts_both_replicas_with_the_tested_config(compose: dict) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["image"].startswith("nginx")
    assert set(proxy["depends_on"]) == {"server-1", "server-2"}
    mount = next(m for m in proxy["volumes"] if m.startswith("./deploy/nginx/"))
    conf = (ROOT / mount.split(":")[0]).read_text()
    # The same file tests/faults/test_two_servers.py runs in front of two real servers.
    for replica in ("server-1:8000", "server-2:8000"):
        assert f"server {replica}" in conf
    assert "proxy_buffering off;" in conf  # live pages (SSE) are not held back
    assert any(p.endswith(":80") for p in proxy["ports"])


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
