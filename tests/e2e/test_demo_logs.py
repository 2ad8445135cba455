"""A whole demo run's log (every logger at INFO) names no visitor, e-mail, pass link or
password: what the story prints for the person running it is on stdout, the log is stderr."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

SERVICE_VARS = {"MQTT_URL", "DATABASE_URL", "OFFICEGATE_MQTT_URL", "OFFICEGATE_DATABASE_URL"}
PASS_LINK = re.compile(r"/(?:p|chat)/(?!\*\*\*)([A-Za-z0-9_-]{16,})")


def test_the_demo_log_holds_no_personal_data_or_secrets(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env["COLUMNS"] = "200"
    result = subprocess.run(
        [sys.executable, "-m", "officegate", "demo", "--once", "--verbose", "--port", "0",
         "--data-dir", str(tmp_path / "demo")],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    out, log = result.stdout, result.stderr
    assert result.returncode == 0, out + log
    assert " INFO " in log  # the log was captured, at INFO
    with sqlite3.connect(tmp_path / "demo" / "server" / "officegate.db") as db:
        people = db.execute("SELECT name, email FROM visitors").fetchall()
    names = {part for name, _email in people for part in name.split() if len(part) > 2}
    emails = {email for _name, email in people if email}
    assert "Tanaka" in names  # the story's visitor, read back from the database
    tokens = set(PASS_LINK.findall(out))
    passwords = set(re.findall(r"password \S*?(\S+)", out)) | set(
        re.findall(r"Host\S*: \S+@\S+ / (\S+)", out))
    assert tokens and passwords  # what stdout shows the person running the demo
    leaks = [s for s in names | emails | tokens | passwords if s in log]
    assert leaks == [], f"found in the log: {leaks}"
    assert PASS_LINK.search(log) is None
