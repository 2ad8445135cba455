"""The edge config file: TOML, YAML or JSON; a typo is an error that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from officegate.edge.config import ConfigError, EdgeConfig

TOML = """
device = "gate-1"
site = "hq"
zone = "lobby"
mqtt_url = "mqtt://edge:secret@broker.local:1883"
data_dir = "/var/lib/officegate"
camera = 0
decoder = "zxing"
relay_pulse_ms = 1200

[pins]
relay = 5
green = 6
red = 13
buzzer = 19
"""


def test_toml_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(TOML)
    cfg = EdgeConfig.load(path)
    assert (cfg.device, cfg.site, cfg.pins.relay, cfg.relay_pulse_ms) == ("gate-1", "hq", 5, 1200)
    assert cfg.data_dir == Path("/var/lib/officegate")


def test_yaml_and_json_configs_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("device: gate-2\nsite: hq\ncamera: sim\nmqtt_url: ''\n")
    (tmp_path / "b.json").write_text('{"device": "door-3", "site": "hq", "kind": "door"}')
    a = EdgeConfig.load(tmp_path / "a.yaml")
    b = EdgeConfig.load(tmp_path / "b.json")
    assert (a.device, a.camera, a.mqtt_url) == ("gate-2", "sim", None)
    assert (b.device, b.kind) == ("door-3", "door")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TOML.replace("relay_pulse_ms", "relay_puls_ms"), "relay_puls_ms: Extra inputs"),
        (TOML.replace("buzzer = 19", "buzer = 19"), "pins.buzer: Extra inputs"),
        (TOML.replace('decoder = "zxing"', 'decoder = "zbar"'), "decoder: Input should be"),
        (TOML.replace("mqtt://", "http://"), "mqtt_url: Value error, MQTT URL must start"),
        ('site = "hq"', "device: Field required"),
        ("device = ", "is not valid toml"),
    ],
)
def test_bad_config_is_an_error_naming_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="edge.toml") as error:
        EdgeConfig.load(path)
    assert message in str(error.value)


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read edge config"):
        EdgeConfig.load(tmp_path / "nope.toml")
    (tmp_path / "edge.ini").write_text("[x]")
    with pytest.raises(ConfigError, match="must be .toml, .yaml, .yml or .json"):
        EdgeConfig.load(tmp_path / "edge.ini")


def test_every_field_is_documented() -> None:
    for model in (EdgeConfig, EdgeConfig.model_fields["pins"].annotation):
        for name, field in model.model_fields.items():  # type: ignore[union-attr]
            assert field.title and field.description, name
