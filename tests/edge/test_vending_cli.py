"""`officegate edge --config vend.toml` with kind = "vending" runs the vending machine (not the
gate agent): a real process, offline, stocked from the config's [[products]], stopped cleanly
by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_edge_command_starts_the_vending_machine(tmp_path: Path) -> None:
    example = (ROOT / "deploy/edge/vend-1.toml").read_text(encoding="utf-8")
    config = tmp_path / "vend-1.toml"
    config.write_text(example.replace('data_dir = "/data"', f'data_dir = "{tmp_path / "vend"}"')
                      .replace('mqtt_url = "mqtt://mosquitto:1883"', 'mqtt_url = ""'),
                      encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "OFFICEGATE_EDGE_MQTT_URL"}
    command = Path(sys.executable).with_name("officegate")  # the installed console script
    # Output to a file, not a pipe: a pipe nobody reads until the end would stop the machine
    # the moment it fills (it logs as it runs).
    log_path = tmp_path / "edge.log"
    log_file = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen([str(command), "edge", "--config", str(config)],
                            stdout=log_file, stderr=subprocess.STDOUT, text=True, env=env)
    stock = tmp_path / "vend" / "stock.json"
    outbox = tmp_path / "vend" / "outbox.db"

    def queued() -> list[bytes]:
        if not outbox.exists():
            return []
        try:
            with sqlite3.connect(outbox) as db:
                return [bytes(row[0]) for row in db.execute("SELECT payload FROM events")]
        except sqlite3.OperationalError:  # the machine has not made its table yet
            return []

    try:
        deadline = time.monotonic() + 60
        while (not stock.exists() or not queued()) and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stock.exists(), "the machine never wrote its stock"
    finally:
        proc.send_signal(signal.SIGTERM)  # as systemd and docker stop it
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()
    out = log_path.read_text(encoding="utf-8")
    assert proc.returncode == 0, out
    assert "vend-1 (vending, zone lobby) running" in out
    assert {(p["slot"], p["product"], p["count"]) for p in json.loads(stock.read_text())} == {
        (0, "green-tea", 8), (1, "coffee", 6), (2, "water", 10)}
    # The stock report waits in the durable outbox (offline), and only it.
    assert [json.loads(p)["kind"] for p in queued()] == ["stock"]
