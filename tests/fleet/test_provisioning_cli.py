"""`officegate device add` and `officegate broker-config` as an installer runs them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from officegate.cli import build_app
from officegate.edge.config import EdgeConfig

app = build_app()


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OFFICEGATE_DATA_DIR", str(tmp_path / "server"))
    monkeypatch.setenv("OFFICEGATE_DATABASE_URL", database_url)
    monkeypatch.setenv("OFFICEGATE_SITE", "prov")
    monkeypatch.setenv("OFFICEGATE_MQTT_URL", "mqtt://officegate-server:s3cret@127.0.0.1:1883")
    return tmp_path


def test_device_add_writes_a_bundle_the_edge_can_load(env: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["device", "add", "door-7", "--kind", "door", "--zone", "floor-7",
                            "--out", str(env / "bundles"), "--broker-url",
                            "mqtt://broker.office.lan:1883"])
    assert r.exit_code == 0, r.output
    bundle = env / "bundles" / "door-7"
    config = EdgeConfig.load(bundle / "door-7.toml")
    assert (config.device, config.kind, config.zone, config.site) == (
        "door-7", "door", "floor-7", "prov")
    assert "s3cret" not in (bundle / "door-7.toml").read_text()
    env_file = bundle / "edge.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert env_file.read_text().startswith("OFFICEGATE_EDGE_MQTT_URL=mqtt://door-7:")

    r = runner.invoke(app, ["broker-config", "--out", str(env / "mosquitto")])
    assert r.exit_code == 0, r.output
    passwd = (env / "mosquitto" / "passwd").read_text().splitlines()
    assert [line.split(":")[0] for line in passwd] == ["officegate-server", "door-7"]
    assert all(line.split(":", 1)[1].startswith("$7$101$") for line in passwd)
    acl = (env / "mosquitto" / "acl").read_text()
    assert "user door-7\ntopic write officegate/devices/door-7/events" in acl

    r = runner.invoke(app, ["device", "add", "door-7", "--kind", "door", "--zone", "x",
                            "--out", str(env / "bundles")])
    assert r.exit_code == 2 and "already exists" in r.output
    r = runner.invoke(app, ["device", "add", "bad/name", "--out", str(env / "bundles")])
    assert r.exit_code == 2

    assert runner.invoke(app, ["device", "revoke", "door-7"]).exit_code == 0
    runner.invoke(app, ["broker-config", "--out", str(env / "mosquitto")])
    assert "door-7" not in (env / "mosquitto" / "passwd").read_text()


def test_broker_config_makes_an_existing_world_readable_passwd_private(env: Path) -> None:
    out = env / "mosquitto"
    out.mkdir()
    for name in ("passwd", "acl"):  # e.g. made by hand, or by a package, before the first run
        (out / name).write_text("")
        (out / name).chmod(0o644)
    r = CliRunner().invoke(app, ["broker-config", "--out", str(out)])
    assert r.exit_code == 0, r.output
    for name in ("passwd", "acl"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
