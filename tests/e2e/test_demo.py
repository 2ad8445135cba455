"""`officegate demo --once` plays the whole story and says so, on whichever broker and database
the test session uses (Mosquitto + PostgreSQL in CI, embedded amqtt + SQLite elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from officegate.mqtt.client import BrokerAddress

SERVICE_VARS = {"MQTT_URL", "DATABASE_URL", "OFFICEGATE_MQTT_URL", "OFFICEGATE_DATABASE_URL"}


def test_demo_plays_the_story_and_exits_0(
    tmp_path: Path, mqtt_broker: BrokerAddress, database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env.update({
        "MQTT_URL": mqtt_broker.url(with_password=True),
        "DATABASE_URL": database_url,
        "OFFICEGATE_SITE": f"e2e{uuid.uuid4().hex[:6]}",  # a shared broker keeps old retained state
        "COLUMNS": "200",
    })
    result = subprocess.run(
        [sys.executable, "-m", "officegate", "demo", "--once", "--port", "0",
         "--data-dir", str(tmp_path / "demo")],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Traceback" not in out + result.stderr
    lines = out.splitlines()
    opened = [line for line in lines if " OPEN " in line and "gate-1" in line]
    denied = [line for line in lines if " DENY " in line and "gate-1" in line]
    assert any("gate opens once" in line for line in opened)
    assert any("screenshot" in line and "stale_code" in line for line in denied)
    # The server's access log (read back over its API) holds both decisions.
    log_rows = [line for line in lines if line.startswith("│") and "gate-1" in line]
    assert any("accepted" in row for row in log_rows)
    assert any("stale_code" in row for row in log_rows)
    assert "/staff/access" in out and "password" in out


def test_demo_without_services_uses_the_embedded_defaults(tmp_path: Path) -> None:
    """A fresh machine: no MQTT_URL, no DATABASE_URL; the demo starts its own broker."""
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env["COLUMNS"] = "200"
    result = subprocess.run(
        [sys.executable, "-m", "officegate", "demo", "--once", "--port", "0",
         "--data-dir", str(tmp_path / "demo")],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "embedded amqtt" in result.stdout
    assert (tmp_path / "demo" / "server" / "officegate.db").exists()
